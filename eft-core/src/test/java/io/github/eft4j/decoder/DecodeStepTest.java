package io.github.eft4j.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.combine.CoefficientSchedule;
import io.github.eft4j.combine.EFTCombiner;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.sampling.LogitProcessor;
import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.sampling.SamplingPipeline;
import io.github.eft4j.testing.SyntheticLogitSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DecodeStepTest {
    private static final int V = 50;
    private static final SyntheticLogitSource[] S = Sources.upscaleFamily(V, 0.5, 61);
    private static final EFTDecoder DECODER = Sources.decoder(EFTSpec.upscale(), S);

    /** Each component's row after its prompt {@code ctx}. */
    private static float[][] rows(int... ctx) {
        float[][] r = new float[3][V];
        for (int i = 0; i < 3; i++) {
            S[i].logitsAfter(ctx, ctx.length, r[i]);
        }
        return r;
    }

    @Test
    void nextIsTheCombinationThenTheProcessorsThenThePickBitForBit() {
        SamplingConfig sc = SamplingConfig.sampling().withTemperature(0.7f).withTopK(20).withRepetitionPenalty(1.3f);
        DecodeStep step = new DecodeStep(DECODER, null, new SamplingPipeline(sc, V), null, 1);
        EFTCombiner combiner = EFTCombiner.create(EFTSpec.upscale(), V);
        SamplingPipeline pipeline = new SamplingPipeline(sc, V);
        int[] history = {3, 3, 7};
        for (int k = 0; k < 20; k++) {
            float[][] r = rows(k, 2, k % 5);
            int got = step.next(r, history.length, history, new SplittableRandom(k));
            float[] want = new float[V];
            combiner.combine(r, EFTSpec.upscale().coefficients(), want);
            assertArrayEquals(want, step.combined);
            pipeline.process(want, history, history.length);
            assertArrayEquals(want, step.processed);
            assertEquals(pipeline.pick(want, new SplittableRandom(k)), got);
            // and the combination is the float64 EFT formula
            double[] ref = new double[V];
            for (int i = 0; i < 3; i++) {
                double[] lp = ReferenceEft.logSoftmax(r[i], V);
                for (int y = 0; y < V; y++) {
                    ref[y] += EFTSpec.upscale().coefficients()[i] * lp[y];
                }
            }
            ref = ReferenceEft.logSoftmax(ref);
            for (int y = 0; y < V; y++) {
                assertEquals(ref[y], step.combined[y], 1e-5);
            }
        }
    }

    @Test
    void scheduledCoefficientsAreCheckedOncePerPositionNamingComponentValueAndStep() {
        CoefficientSchedule big = (step, c) -> c[2] = step == 3 ? -2e6f : c[2];
        DecodeStep step = new DecodeStep(DECODER, big, null, null, 1);
        float[][] r = rows(1, 2);
        step.combine(r, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> step.combine(r, 3));
        assertTrue(e.getMessage().contains("'small-base'") && e.getMessage().contains("-2000000.0")
                && e.getMessage().contains("step 3") && e.getMessage().contains("1000000.0"), e.getMessage());
        DecodeStep nan = new DecodeStep(DECODER, (s, c) -> c[0] = Float.NaN, null, null, 1);
        e = assertThrows(IllegalArgumentException.class, () -> nan.combine(r, 0));
        assertTrue(e.getMessage().contains("'large-base'") && e.getMessage().contains("NaN"), e.getMessage());
        // a default coefficient is checked as given, in double: 1e39 is not rounded to Infinity first
        e = assertThrows(IllegalArgumentException.class, () -> DecodeStep.checkCoefficient("large-base", 1e39, "default coefficient"));
        assertTrue(e.getMessage().contains("1.0E39"), e.getMessage());
        DecodeStep.checkCoefficient("x", -1e6, "default coefficient");   // the bound itself is allowed
    }

    @Test
    void aNonFiniteLogitIsNamedBySourceComponentTokenAndStep() {
        DecodeStep step = new DecodeStep(DECODER, null, new SamplingPipeline(SamplingConfig.greedyDecoding(), V), null, 1);
        float[][] r = rows(4);
        r[2][17] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> step.next(r, 9, new int[0], new SplittableRandom(1)));
        assertTrue(e.getMessage().contains("source '" + S[2].name() + "' (component 'small-base')")
                && e.getMessage().contains("NaN") && e.getMessage().contains("token 17") && e.getMessage().contains("step 9"),
                e.getMessage());
        assertNotNull(e.getCause(), "the combiner's own message is kept as the cause");
        r[2][17] = Float.POSITIVE_INFINITY;
        e = assertThrows(IllegalArgumentException.class, () -> step.combine(r, 2));
        assertTrue(e.getMessage().contains("Infinity"), e.getMessage());
        float[] q = new float[V];
        e = assertThrows(IllegalArgumentException.class, () -> step.draft(r[2], 2, 5, new int[0],
                new SamplingPipeline(SamplingConfig.greedyDecoding(), V), new SplittableRandom(1), q));
        assertTrue(e.getMessage().startsWith("draft source '" + S[2].name() + "'") && e.getMessage().contains("step 5"),
                e.getMessage());
    }

    @Test
    void theDraftDistributionIsTheDraftRowsLogSoftmaxAsTheCombinerOfItAloneGivesIt() {
        DecodeStep step = new DecodeStep(DECODER, null, null, null, 1);
        EFTCombiner alone = EFTCombiner.create(EFTSpec.of("small-ft", 1.0), V);
        SamplingPipeline plain = new SamplingPipeline(SamplingConfig.sampling(), V);
        SamplingPipeline same = new SamplingPipeline(SamplingConfig.sampling(), V);
        float[] q = new float[V];
        for (int k = 0; k < 10; k++) {
            float[] row = rows(k, 1)[1];
            int t = step.draft(row, 1, 0, new int[0], plain, new SplittableRandom(k), q);
            float[] want = new float[V];
            alone.combine(new float[][] {row}, new float[] {1f}, want);
            same.process(want, new int[0], 0);
            assertArrayEquals(want, q, "bit for bit, so a component drafting for itself is always accepted");
            assertEquals(same.pick(want, new SplittableRandom(k)), t);
            double[] ref = ReferenceEft.logSoftmax(row, V);
            for (int y = 0; y < V; y++) {
                assertEquals(ref[y], q[y], 1e-5);
            }
        }
        float[] masked = new float[V];
        Arrays.fill(masked, Float.NEGATIVE_INFINITY);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> step.draft(masked, 1, 3, new int[0], plain, new SplittableRandom(1), q));
        assertTrue(e.getMessage().contains("masked") && e.getMessage().contains("'small-ft'"), e.getMessage());
    }

    @Test
    void theCallersProcessorsSeeThePenalizedRowBeforeTheTemperatureAndApplyInGreedyToo() {
        List<float[]> seen = new ArrayList<>();
        LogitProcessor record = (scores, n, history, length) -> seen.add(Arrays.copyOf(scores, n));
        LogitProcessor banSeven = (scores, n, history, length) -> scores[7] = Float.NEGATIVE_INFINITY;
        SamplingConfig sc = SamplingConfig.sampling().withRepetitionPenalty(2f).withTemperature(0.5f);
        DecodeStep step = new DecodeStep(DECODER, null, new SamplingPipeline(sc, V, List.of(record, banSeven)), null, 1);
        int[] history = {3};
        float[][] r = rows(2, 2);
        step.combine(r, 1);
        step.process(history, 1, r, 1);
        float[] penalized = step.combined.clone();
        penalized[3] *= 2f;   // log-probs are negative: the penalty multiplies
        assertArrayEquals(penalized, seen.get(0), "after the penalty, before the temperature");
        assertEquals(Float.NEGATIVE_INFINITY, step.processed[7]);
        // greedy: the caller's processors still apply (a ban must hold in greedy decoding)
        float[] argmaxRow = step.combined.clone();
        int best = IntStream.range(0, V).boxed().max(Comparator.comparingDouble(y -> argmaxRow[y])).orElseThrow();
        LogitProcessor banBest = (scores, n, history2, length) -> scores[best] = Float.NEGATIVE_INFINITY;
        DecodeStep greedy = new DecodeStep(DECODER, null,
                new SamplingPipeline(SamplingConfig.greedyDecoding(), V, List.of(banBest)), null, 1);
        int t = greedy.next(r, 0, new int[0], new SplittableRandom(1));
        assertTrue(t != best, "the banned argmax " + best + " was picked");
    }

    @Test
    void scoringReturnsTheCombinedLogProbAndProcessesOnlyWithAPipeline() {
        DecodeStep raw = new DecodeStep(DECODER, null, null, null, 1);
        float[][] r = rows(6, 1);
        float lp = raw.score(r, 0, 11, new int[0]);
        assertEquals(raw.combined[11], lp);
        assertTrue(raw.processed == raw.combined, "without a pipeline the processed row is the combination");
        DecodeStep hot = new DecodeStep(DECODER, null, new SamplingPipeline(SamplingConfig.sampling().withTemperature(0.5f), V),
                null, 1);
        assertEquals(lp, hot.score(r, 0, 11, new int[0]));
        double[] tempered = new double[V];
        for (int y = 0; y < V; y++) {
            tempered[y] = raw.combined[y] / 0.5;
        }
        assertEquals(ReferenceEft.logSoftmax(tempered)[11], hot.processed[11], 1e-5);
    }

    @Test
    void theObserverSeesTopTokensEntropyAndComponentLogProbsOfThePositionAndNothingAfter() {
        List<StepView> kept = new ArrayList<>();
        int[] calls = {0};
        StepObserver o = v -> {
            calls[0]++;
            kept.add(v);
            float[] lp = new float[V];
            v.copyLogProbs(lp);
            Integer[] order = new Integer[V];
            for (int y = 0; y < V; y++) {
                order[y] = y;
            }
            Arrays.sort(order, (a, b) -> lp[a] != lp[b] ? Float.compare(lp[b], lp[a]) : Integer.compare(a, b));
            assertEquals(5, v.topCount());
            double h = 0;
            for (int y = 0; y < V; y++) {
                h -= Math.exp(lp[y]) * lp[y];
            }
            assertEquals(h, v.entropy(), 1e-9);
            for (int rank = 0; rank < 5; rank++) {
                assertEquals(order[rank], v.topId(rank));
                assertEquals(lp[order[rank]], v.topLogProb(rank));
                for (int i = 0; i < 3; i++) {
                    float[] x = rows(9, 9)[i];
                    assertEquals(ReferenceEft.logSoftmax(x, V)[order[rank]], v.componentLogProb(i, order[rank]), 1e-5);
                }
            }
            assertEquals(3, v.components());
            assertEquals("small-ft", v.component(1));
            assertEquals(-1f, v.coefficient(2));
            assertEquals(2, v.sequence());
            assertEquals(4, v.position());
            assertEquals(8, v.token());
            assertEquals(TokenOrigin.SCORED, v.origin());
            assertEquals(v.logProb(8), v.processedLogProb(8));
        };
        DecodeStep step = new DecodeStep(DECODER, null, null, o, 5);
        step.combine(rows(9, 9), 4);
        step.observe(2, 4, 8, TokenOrigin.SCORED);
        assertEquals(1, calls[0]);
        assertThrows(IllegalStateException.class, () -> kept.get(0).topId(0), "the view is valid only during onStep");
        new DecodeStep(DECODER, null, null, null, 5).observe(0, 0, 0, TokenOrigin.SCORED);   // no observer: no-op
    }
}
