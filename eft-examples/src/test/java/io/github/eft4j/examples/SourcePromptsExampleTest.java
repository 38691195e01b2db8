package io.github.eft4j.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.eft4j.decoder.SourcePrompts;
import io.github.eft4j.chat.TemplateChatFormat;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.onnx.ModelFolder;
import io.github.eft4j.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The library's per-source prompts give exactly the prompt README's example builds by hand, and
 * the same answer: the block below is the proposed README example.
 */
class SourcePromptsExampleTest {

    static String example() {
        try (ModelFolder large = ModelFolder.load(Path.of("models/mini/large-base"));
             ModelFolder chat = ModelFolder.load(Path.of("models/mini/small-ft"));
             ModelFolder small = ModelFolder.load(Path.of("models/mini/small-base"))) {
            ModelFolder.requireSameTokenizer(List.of(large, chat, small));
            Tokenizer tok = chat.tokenizer();
            EFTSpec spec = EFTSpec.upscale();                      // large-base + (small-ft − small-base)
            EFTDecoder eft = EFTDecoder.builder(spec)
                    .source(EFTSpec.LARGE_BASE, large.source())
                    .source(EFTSpec.SMALL_FT, chat.source())
                    .source(EFTSpec.SMALL_BASE, small.source())
                    .build();
            Prompt prompt = SourcePrompts.builder(tok)
                    .spec(spec, TemplateChatFormat.QA)             // fine-tuned: its format; bases: plain text
                    .basePrompt("The word \"alight\" means")       // this family's bases know prose only
                    .build().render(null, "What does \"alight\" mean?").prompt();
            GenerationResult r = eft.generate(prompt, GenerationConfig.builder()
                    .maxNewTokens(32).stopTokens(chat.generation().eosTokenIds().getFirst()).build());
            return tok.decode(r.tokens(), true);
        }
    }

    @Test
    void theLibraryBuildsReadmesHandMadePrompt() {
        try (ModelFolder ft = ModelFolder.load(Path.of("models/mini/small-ft"))) {
            Tokenizer tok = ft.tokenizer();
            Prompt byHand = Prompt.of(tok.encode("The word \"alight\" means"))
                    .with(EFTSpec.SMALL_FT, tok.encode("Q: What does \"alight\" mean?\nA:"));
            Prompt built = SourcePrompts.builder(tok).spec(EFTSpec.upscale(), TemplateChatFormat.QA)
                    .basePrompt("The word \"alight\" means").build().render(null, "What does \"alight\" mean?").prompt();
            for (String c : EFTSpec.upscale().names()) {
                assertArrayEquals(byHand.idsFor(c), built.idsFor(c), c);
            }
        }
        assertEquals(" to come to rest", example());
    }
}
