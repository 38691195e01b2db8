package com.example.eft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.github.eft4j.combine.EFTCombiner;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.model.LogitSource;
import io.github.eft4j.onnx.ModelFolder;
import io.github.eft4j.sampling.LogitProcessor;
import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.sampling.SamplingPipeline;
import io.github.eft4j.testing.SyntheticLogitSource;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A user-written processor, given to the decoder through {@code GenerationConfig.Builder.processor}
 * and checked against a generation loop of this test's own over the public pieces
 * ({@code EFTCombiner}, {@code SamplingPipeline}).
 */
class BanTokensTest {

    /**
     * Greedy EFT decoding with an optional extra processor, applied before the pipeline (the
     * decoder applies it after the repetition penalty, which greedy decoding here leaves off).
     */
    static int[] generate(EFTSpec spec, LogitSource[] sources, Prompt prompt, LogitProcessor extra, int maxTokens, int stop) {
        int v = sources[0].vocabSize();
        EFTCombiner combiner = EFTCombiner.create(spec, v);
        SamplingPipeline pipeline = new SamplingPipeline(SamplingConfig.greedyDecoding(), v);
        SplittableRandom rng = new SplittableRandom(1);
        float[][] rows = new float[sources.length][v];
        float[] scores = new float[v];
        int[] out = new int[maxTokens];
        int n = 0;
        DecodingState[] states = new DecodingState[sources.length];
        try {
            for (int i = 0; i < sources.length; i++) {
                states[i] = sources[i].open(prompt.idsFor(spec.names().get(i)));
            }
            while (n < maxTokens) {
                for (int i = 0; i < states.length; i++) {
                    states[i].copyLogits(rows[i]);
                }
                combiner.combine(rows, spec.coefficients(), scores);
                if (extra != null) {
                    extra.apply(scores, v, out, n);
                }
                pipeline.process(scores, out, n);
                int token = pipeline.pick(scores, rng);
                out[n++] = token;
                if (token == stop) {
                    break;
                }
                for (DecodingState s : states) {
                    s.append(token);
                }
            }
            return Arrays.copyOf(out, n);
        } finally {
            for (DecodingState s : states) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    @Test
    void bannedTokenNeverComesOutOfEftUpscaling() {
        try (ModelFolder large = ModelFolder.load(Models.MINI.resolve("large-base"));
             ModelFolder chat = ModelFolder.load(Models.MINI.resolve("small-ft"));
             ModelFolder small = ModelFolder.load(Models.MINI.resolve("small-base"))) {
            var tok = chat.tokenizer();
            int eos = chat.generation().eosTokenIds().getFirst();
            EFTSpec spec = EFTSpec.upscale();
            LogitSource[] sources = new LogitSource[3];
            sources[spec.indexOf(EFTSpec.LARGE_BASE)] = large.source();
            sources[spec.indexOf(EFTSpec.SMALL_FT)] = chat.source();
            sources[spec.indexOf(EFTSpec.SMALL_BASE)] = small.source();
            Prompt prompt = Prompt.of(tok.encode("The word \"alight\" means"))
                    .with(EFTSpec.SMALL_FT, tok.encode("Q: What does \"alight\" mean?\nA:"));

            EFTDecoder eft = EFTDecoder.builder(spec)
                    .source(EFTSpec.LARGE_BASE, large.source())
                    .source(EFTSpec.SMALL_FT, chat.source())
                    .source(EFTSpec.SMALL_BASE, small.source())
                    .build();
            int[] plain = generate(spec, sources, prompt, null, 32, eos);
            int[] viaDecoder = eft.generate(prompt, GenerationConfig.builder().maxNewTokens(32).stopTokens(eos).build()).tokens();
            assertArrayEquals(viaDecoder, plain, "the loop here is not the decoder's step");

            int banned = plain[0];
            int[] withBan = generate(spec, sources, prompt, new BanTokens(banned), 32, eos);
            int[] viaConfig = eft.generate(prompt, GenerationConfig.builder().maxNewTokens(32).stopTokens(eos)
                    .processor(new BanTokens(banned)).build()).tokens();
            System.out.println("without ban: " + tok.decode(plain, true) + "\nbanning " + banned + ": " + tok.decode(viaConfig, true));
            assertArrayEquals(withBan, viaConfig, "the decoder's processor and the loop here disagree");
            assertNotEquals(banned, viaConfig[0]);
            assertFalse(IntStream.of(viaConfig).anyMatch(t -> t == banned), "banned token " + banned + " came out");
        }
    }

    @Test
    void bannedTokensNeverComeOutOfSyntheticSources() {
        // eft-testing's synthetic sources: a processor tested without any model file
        try (SyntheticLogitSource a = SyntheticLogitSource.builder("a", 64).familySeed(1).ownSeed(2).ownWeight(0.2).build();
             SyntheticLogitSource b = SyntheticLogitSource.builder("b", 64).familySeed(1).ownSeed(3).ownWeight(0.2).build()) {
            EFTSpec spec = EFTSpec.of("a", 1.0, "b", 0.5);
            LogitSource[] sources = {a, b};
            Prompt prompt = Prompt.of(5, 6, 7);
            int[] plain = generate(spec, sources, prompt, null, 60, -1);
            int[] ban = IntStream.of(plain).distinct().limit(4).toArray();
            int[] withBan = generate(spec, sources, prompt, new BanTokens(ban), 60, -1);
            assertFalse(IntStream.of(withBan).anyMatch(t -> IntStream.of(ban).anyMatch(x -> x == t)),
                    "a banned token of " + Arrays.toString(ban) + " came out: " + Arrays.toString(withBan));
        }
    }
}
