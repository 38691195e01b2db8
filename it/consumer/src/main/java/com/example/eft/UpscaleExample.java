package com.example.eft;

import io.github.eft4j.chat.TemplateChatFormat;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.decoder.SourcePrompts;
import io.github.eft4j.onnx.ModelFolder;
import io.github.eft4j.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;

/** EFT up-scaling: a large base model plus the difference between a small fine-tuned model and its base. */
public final class UpscaleExample {

    public static void main(String[] args) {
        // the mini family in eft4j's models/mini, or a folder holding your own three models
        Path models = Path.of(args.length > 0 ? args[0] : "models/mini");
        try (ModelFolder large = ModelFolder.load(models.resolve("large-base"));
             ModelFolder chat = ModelFolder.load(models.resolve("small-ft"));
             ModelFolder small = ModelFolder.load(models.resolve("small-base"))) {
            ModelFolder.requireSameTokenizer(List.of(large, chat, small));
            Tokenizer tok = chat.tokenizer();
            EFTSpec spec = EFTSpec.upscale();                               // large-base + (small-ft − small-base)
            EFTDecoder eft = EFTDecoder.builder(spec)
                    .source(EFTSpec.LARGE_BASE, large.source())
                    .source(EFTSpec.SMALL_FT, chat.source())
                    .source(EFTSpec.SMALL_BASE, small.source())
                    .build();
            Prompt prompt = SourcePrompts.builder(tok)
                    .spec(spec, chat.chatFormat(TemplateChatFormat.QA))     // fine-tuned: its chat template; bases: plain text
                    .basePrompt("The word \"alight\" means")                // this family's bases know prose only
                    .build().render(null, "What does \"alight\" mean?").prompt();
            GenerationResult r = eft.generate(prompt, GenerationConfig.builder()
                    .maxNewTokens(32).stopTokens(chat.generation().eosTokenIds().getFirst()).build());
            System.out.println(tok.decode(r.tokens(), true));
        }
    }
}
