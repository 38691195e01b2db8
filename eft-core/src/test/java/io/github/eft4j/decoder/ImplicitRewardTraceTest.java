package io.github.eft4j.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.testing.SyntheticLogitSource;
import org.junit.jupiter.api.Test;

/** The trace's implicit reward is the spec's delta, wherever its components stand. */
class ImplicitRewardTraceTest {
    static final int V = 50;

    @Test
    void deltaComponentsNotPositionsFormTheReward() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.5, 41); // large-base, small-ft, small-base
        // small-ft first, but the delta is (small-ft − small-base): "every component after the first" would be wrong
        EFTSpec spec = EFTSpec.of(EFTSpec.SMALL_FT, 1.0, EFTSpec.LARGE_BASE, 1.0, EFTSpec.SMALL_BASE, -1.0)
                .withDelta(EFTSpec.SMALL_FT, EFTSpec.SMALL_BASE);
        EFTDecoder d = EFTDecoder.builder(spec).source(EFTSpec.SMALL_FT, s[1]).source(EFTSpec.LARGE_BASE, s[0])
                .source(EFTSpec.SMALL_BASE, s[2]).build();
        GenerationResult r = d.generate(Prompt.of(3, 4), GenerationConfig.builder().maxNewTokens(6)
                .sampling(SamplingConfig.greedyDecoding()).trace(true).build());
        for (TokenTrace t : r.trace()) {
            assertEquals(t.componentLogProb(0) - t.componentLogProb(2), t.implicitReward(), 1e-5);
        }
    }

    @Test
    void theScaleDeltaFormReportsTheScaleDelta() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.5, 43);
        EFTSpec spec = EFTSpec.scaleDelta(2.0); // small-ft, large-base, small-base
        EFTDecoder d = EFTDecoder.builder(spec).source(EFTSpec.SMALL_FT, s[1]).source(EFTSpec.LARGE_BASE, s[0])
                .source(EFTSpec.SMALL_BASE, s[2]).build();
        GenerationResult r = d.generate(Prompt.of(3, 4), GenerationConfig.builder().maxNewTokens(6)
                .sampling(SamplingConfig.greedyDecoding()).trace(true).build());
        for (TokenTrace t : r.trace()) {
            assertEquals(2.0 * (t.componentLogProb(1) - t.componentLogProb(2)), t.implicitReward(), 1e-4);
        }
    }
}
