package io.github.eft4j.examples;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.Prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.onnx.ModelFolder;
import io.github.eft4j.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Keeps README's Java example compiling and running: the block there must equal the one below. */
class ReadmeExampleTest {

    private static void example() {
        // README:BEGIN
        try (ModelFolder large = ModelFolder.load(Path.of("models/mini/large-base"));
             ModelFolder chat = ModelFolder.load(Path.of("models/mini/small-ft"));
             ModelFolder small = ModelFolder.load(Path.of("models/mini/small-base"))) {
            ModelFolder.requireSameTokenizer(List.of(large, chat, small));
            Tokenizer tok = chat.tokenizer();
            EFTDecoder eft = EFTDecoder.builder(EFTSpec.upscale())
                    .source(EFTSpec.LARGE_BASE, large.source())
                    .source(EFTSpec.SMALL_FT, chat.source())
                    .source(EFTSpec.SMALL_BASE, small.source())
                    .build();
            Prompt prompt = Prompt.of(tok.encode("The word \"alight\" means"))        // base models: plain text
                    .with(EFTSpec.SMALL_FT, tok.encode("Q: What does \"alight\" mean?\nA:")); // fine-tuned: its format
            GenerationResult r = eft.generate(prompt, GenerationConfig.builder()
                    .maxNewTokens(32).stopTokens(chat.generation().eosTokenIds().getFirst()).build());
            System.out.println(tok.decode(r.tokens(), true));
        }
        // README:END
    }

    private static String dedent(List<String> lines) {
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).collect(Collectors.joining("\n")).strip();
    }

    @Test
    void readmeBlockEqualsThisFile() throws Exception {
        List<String> readme = Files.readAllLines(Path.of("README.md"));
        int start = readme.indexOf("## Use it from Java");
        assertTrue(start >= 0, "README has no '## Use it from Java' section");
        int open = readme.subList(start, readme.size()).indexOf("```java") + start;
        int close = readme.subList(open + 1, readme.size()).indexOf("```") + open + 1;
        String fromReadme = dedent(readme.subList(open + 1, close));

        List<String> self = Files.readAllLines(Path.of("eft-examples/src/test/java/io/github/eft4j/examples/ReadmeExampleTest.java"));
        int b = self.indexOf("        // README:BEGIN");
        int e = self.indexOf("        // README:END");
        String fromTest = dedent(self.subList(b + 1, e));
        assertEquals(fromReadme, fromTest, "README's Java example and ReadmeExampleTest.example() differ");
    }

    @Test
    void readmeExampleRuns() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            example();
        } finally {
            System.setOut(old);
        }
        String printed = buf.toString(StandardCharsets.UTF_8).strip();
        assertFalse(printed.isEmpty(), "the example printed nothing");
        // "alight" is a held-out word: seen in pre-training prose, never in the Q/A format; its
        // WordNet gloss is "to come to rest, settle", and up-scaling answers with it greedily
        assertTrue(printed.startsWith("to come to rest"), printed);
    }
}
