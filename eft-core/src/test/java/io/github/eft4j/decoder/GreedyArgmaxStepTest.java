package io.github.eft4j.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.eft4j.combine.EFTCombiner;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.testing.SyntheticLogitSource;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The decoder's greedy step without trace or penalty takes {@link EFTCombiner#argmax} instead of
 * combine + pipeline + greedy pick: same tokens as the traced step (which needs the row) and as
 * the float64 reference loop, across specs, schedules with a switched-off component, and masks.
 */
class GreedyArgmaxStepTest {
    private static final int V = 300;

    @Test
    void untracedGreedyTakesTheSameTokensAsTheTracedStepAndTheReference() {
        SplittableRandom r = new SplittableRandom(17);
        EFTSpec[] specs = {EFTSpec.upscale(), EFTSpec.of("a", 1.5, "b", -0.5), EFTSpec.upscale().withCoefficients(0.5, 1, -0.5)};
        for (int trial = 0; trial < 12; trial++) {
            EFTSpec spec = specs[trial % specs.length];
            SyntheticLogitSource[] s = new SyntheticLogitSource[spec.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = SyntheticLogitSource.builder("src" + i, V).familySeed(trial).ownSeed(100 + 7 * trial + i).ownWeight(0.4).build();
            }
            EFTDecoder decoder = Sources.decoder(spec, s);
            int[] prompt = Sources.randomPrompt(r, V, 6);
            GenerationConfig fast = GenerationConfig.builder().maxNewTokens(40).seed(1L).build();
            if (trial % 4 == 3) {
                // a schedule that switches the last component off on odd steps
                int last = spec.size() - 1;
                float[] defaults = spec.coefficients();
                fast = fast.toBuilder().schedule((step, c) -> c[last] = step % 2 == 1 ? 0f : defaults[last]).build();
            }
            GenerationResult untraced = decoder.generate(Prompt.of(prompt), fast);
            GenerationResult traced = decoder.generate(Prompt.of(prompt), fast.toBuilder().trace(true).build());
            assertArrayEquals(traced.tokens(), untraced.tokens(), "trial " + trial);
            int[][] prompts = new int[spec.size()][];
            java.util.Arrays.fill(prompts, prompt);
            ReferenceEft.Output ref = ReferenceEft.generate(spec, s, V, prompts, fast);
            assertArrayEquals(ref.tokens(), untraced.tokens(), "trial " + trial + " vs float64");
            assertEquals(SamplingConfig.greedyDecoding(), fast.sampling());
        }
    }
}
