package io.github.eft4j.decoder;

import io.github.eft4j.combine.CoefficientSchedule;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.internal.vector.VectorizationProvider;
import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.testing.GoldenResults;
import io.github.eft4j.testing.SyntheticLogitSource;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pins the decoder's output on synthetic families: greedy and seeded-sampling ids, finish
 * reasons, forward passes, speculative statistics and every traced float (bits) of plain,
 * speculative, batched and scoring runs, as recorded in
 * {@code src/test/resources/golden/decoder-synthetic.txt} from the code before the decode step
 * was unified. A refactoring of the loop must leave every line unchanged.
 */
class EFTDecoderGoldenTest {
    static final Path FILE = Path.of("src", "test", "resources", "golden", "decoder-synthetic.txt");

    private static final SamplingConfig SAMPLED = SamplingConfig.sampling().withTemperature(0.8f).withTopP(0.9f)
            .withRepetitionPenalty(1.1f);

    @Test
    void plainSpeculativeBatchedAndScoredRunsMatchTheRecordedGoldens() throws Exception {
        GoldenResults g = new GoldenResults();
        EFTSpec conservative = EFTSpec.upscale().withConservativeFilter(
                new EFTSpec.ConservativeFilter(EFTSpec.SMALL_FT, 0.9, EFTSpec.ConservativeMode.ANCHOR_ONLY));
        CoefficientSchedule ramp = CoefficientSchedule.linear(new float[] {1, 0.5f, -0.5f}, new float[] {1, 1.5f, -1.5f}, 12);
        record Family(String name, EFTSpec spec, SyntheticLogitSource[] sources, CoefficientSchedule schedule) {
        }
        List<Family> families = List.of(
                new Family("upscale-v40", EFTSpec.upscale(), Sources.upscaleFamily(40, 0.5, 3), null),
                new Family("conservative-v48", conservative, Sources.upscaleFamily(48, 0.3, 7), null),
                new Family("beta-v40", EFTSpec.betaUpscale(1.5), Sources.upscaleFamily(40, 0.4, 11), null),
                new Family("ramp-v40", EFTSpec.upscale(), Sources.upscaleFamily(40, 0.2, 13), ramp),
                new Family("peaked-v1000", EFTSpec.upscale(), peaked(1000), null));
        for (Family f : families) {
            EFTDecoder d = Sources.decoder(f.spec(), f.sources());
            Prompt p = Prompt.of(3, 1, 4).with(EFTSpec.SMALL_FT, 9, 3, 1, 4, 2);
            GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(30).trace(true).schedule(f.schedule()).build();
            GenerationConfig sampled = greedy.toBuilder().sampling(SAMPLED).seed(42L).build();
            GenerationResult plain = d.generate(p, greedy);
            g.add(f.name() + "/plain-greedy", plain);
            g.add(f.name() + "/plain-sampled", d.generate(p, sampled));
            g.add(f.name() + "/spec-greedy-fixed3", d.generate(p, greedy.withSpeculative(SpeculativeConfig.fixed(3))));
            g.add(f.name() + "/spec-greedy-adaptive6", d.generate(p, greedy.withSpeculative(SpeculativeConfig.adaptive(6))));
            g.add(f.name() + "/spec-sampled-adaptive6", d.generate(p, sampled.withSpeculative(SpeculativeConfig.adaptive(6))));
            g.add(f.name() + "/spec-sampled-fixed2", d.generate(p, sampled.withSeed(7L).withSpeculative(SpeculativeConfig.fixed(2))));
            List<Prompt> batch = List.of(p, Prompt.of(5), Prompt.of(2, 7, 1, 8).with(EFTSpec.SMALL_FT, 6));
            List<GenerationResult> bg = d.generateBatch(batch, greedy.toBuilder().stopTokens(0).build());
            for (int s = 0; s < bg.size(); s++) {
                g.add(f.name() + "/batch-greedy-" + s, bg.get(s));
            }
            List<GenerationResult> bs = d.generateBatch(batch, sampled);
            for (int s = 0; s < bs.size(); s++) {
                g.add(f.name() + "/batch-sampled-" + s, bs.get(s));
            }
            g.add(f.name() + "/score-plain", d.score(p, plain.tokens(), f.schedule()));
            g.add(f.name() + "/score-fixed", d.score(p, new int[] {0, 5, 5, 9, 1, 2, 3}, f.schedule()));
        }
        g.check(FILE, VectorizationProvider.kernels().name());
    }

    /** Peaked distributions over a larger vocabulary, like a language model's. */
    private static SyntheticLogitSource[] peaked(int v) {
        SyntheticLogitSource[] s = new SyntheticLogitSource[3];
        for (int i = 0; i < 3; i++) {
            s[i] = SyntheticLogitSource.builder("peaked" + i, v).familySeed(21).ownSeed(100 + i).ownWeight(0.25)
                    .candidates(4, 6.0).build();
        }
        return s;
    }
}
