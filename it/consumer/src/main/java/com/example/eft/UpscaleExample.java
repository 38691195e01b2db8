package com.example.eft;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.Prompt;
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
    }
}
