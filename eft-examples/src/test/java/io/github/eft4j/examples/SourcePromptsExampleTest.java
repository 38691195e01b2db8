package io.github.eft4j.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.github.eft4j.chat.TemplateChatFormat;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.decoder.SourcePrompts;
import io.github.eft4j.onnx.ModelFolder;
import io.github.eft4j.tokenizer.Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * README's example builds its prompts with {@link SourcePrompts} (ReadmeExampleTest runs it): they
 * are exactly the prompts written by hand per source, id for id.
 */
class SourcePromptsExampleTest {

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
    }
}
