package io.github.eft4j.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.internal.vector.Reference;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Samplers and processors: Hugging Face semantics on hand-made rows, the pipeline against a
 * float64 reference, and chi-square goodness-of-fit of the draws.
 */
@Tag("kernels")
class SamplingTest {

    /** Per chi-square test: a correct sampler fails with probability 1e-4 (the seed is fixed). */
    static final double ALPHA = 1e-4;

    static final float NEG_INF = Float.NEGATIVE_INFINITY;

    static float[] log(double... probs) {
        float[] r = new float[probs.length];
        for (int j = 0; j < probs.length; j++) {
            r[j] = (float) Math.log(probs[j]);
        }
        return r;
    }

    static void assertMessage(Executable call, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), () -> "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    // ---- Hugging Face semantics of each processor ----

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeOncePerToken() {
        float[] s = {2f, -2f, 0.5f, -0.5f, 1f};
        new RepetitionPenalty(2f, 5).apply(s, 5, new int[] {0, 1, 1, 3, 99}, 4);
        assertArrayEquals(new float[] {1f, -4f, 0.5f, -1f, 1f}, s);
        // again on the same instance: the dedup stamp must reset between calls
        new RepetitionPenalty(2f, 5);
        RepetitionPenalty p = new RepetitionPenalty(0.5f, 5);
        float[] t = {2f, -2f, 3f};
        p.apply(t, 3, new int[] {0, 1}, 2);
        p.apply(t, 3, new int[] {0}, 1);
        assertArrayEquals(new float[] {8f, -1f, 3f}, t);
    }

    @Test
    void repetitionPenaltyRejectsBadTokensWithoutTouchingTheRow() {
        float[] s = {2f, -2f, 0.5f};
        RepetitionPenalty p = new RepetitionPenalty(1.3f, 3);
        assertMessage(() -> p.apply(s, 3, new int[] {0, 3}, 2), "history token 3 at position 1 out of range [0, 3)");
        assertMessage(() -> p.apply(s, 3, new int[] {-1}, 1), "history token -1 at position 0");
        assertMessage(() -> p.apply(s, 3, new int[] {0}, 2), "historyLength 2 out of range [0, 1]");
        assertArrayEquals(new float[] {2f, -2f, 0.5f}, s);
        assertMessage(() -> new RepetitionPenalty(0f, 3), "repetition penalty must be in (0, +inf), got 0.0");
        assertMessage(() -> new RepetitionPenalty(Float.NaN, 3), "got NaN");
    }

    @Test
    void temperatureDivides() {
        float[] s = {1f, 2f, NEG_INF, -3f};
        new Temperature(0.5f).apply(s, 4, null, 0);
        assertArrayEquals(new float[] {2f, 4f, NEG_INF, -6f}, s);
        for (float bad : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            assertMessage(() -> new Temperature(bad), "temperature must be in (0, +inf), got " + bad);
        }
    }

    @Test
    void topKKeepsTiesWithTheKthLargest() {
        float[] s = {1f, 3f, 3f, 2f, 0f};
        new TopK(2, 5).apply(s, 5, null, 0);
        assertArrayEquals(new float[] {NEG_INF, 3f, 3f, NEG_INF, NEG_INF}, s);
        float[] t = {1f, 3f, 3f, 2f, 0f};
        new TopK(3, 5).apply(t, 5, null, 0);
        assertArrayEquals(new float[] {NEG_INF, 3f, 3f, 2f, NEG_INF}, t);
        float[] u = {1f, 3f};
        new TopK(5, 5).apply(u, 2, null, 0);
        assertArrayEquals(new float[] {1f, 3f}, u);
        assertMessage(() -> new TopK(0, 5), "top-k must be >= 1, got 0");
    }

    @Test
    void topPKeepsTokensWhoseMassBeforeIsBelowP() {
        float[] probs = log(0.5, 0.3, 0.15, 0.05);
        float[] a = probs.clone();
        new TopP(0.75f, 4).apply(a, 4, null, 0);
        assertArrayEquals(new float[] {probs[0], probs[1], NEG_INF, NEG_INF}, a);
        float[] b = probs.clone();
        new TopP(0.85f, 4).apply(b, 4, null, 0);
        assertArrayEquals(new float[] {probs[0], probs[1], probs[2], NEG_INF}, b);
        float[] c = probs.clone();
        new TopP(0.01f, 4).apply(c, 4, null, 0);          // at least one token survives
        assertArrayEquals(new float[] {probs[0], NEG_INF, NEG_INF, NEG_INF}, c);
        // unnormalized scores: the nucleus is taken on softmax(scores)
        float[] d = {10f, 10f, 0f, 0f};
        new TopP(0.6f, 4).apply(d, 4, null, 0);
        assertArrayEquals(new float[] {10f, 10f, NEG_INF, NEG_INF}, d);
        for (float bad : new float[] {0f, -0.1f, 1.01f, Float.NaN}) {
            assertMessage(() -> new TopP(bad, 4), "top-p must be in (0, 1], got " + bad);
        }
    }

    @Test
    void minPRemovesTokensBelowAFractionOfTheTop() {
        float[] probs = log(0.5, 0.3, 0.15, 0.05);
        float[] a = probs.clone();
        new MinP(0.2f).apply(a, 4, null, 0);               // threshold 0.1
        assertArrayEquals(new float[] {probs[0], probs[1], probs[2], NEG_INF}, a);
        float[] b = probs.clone();
        new MinP(0.7f).apply(b, 4, null, 0);               // threshold 0.35
        assertArrayEquals(new float[] {probs[0], NEG_INF, NEG_INF, NEG_INF}, b);
        assertMessage(() -> new MinP(1.5f), "min-p must be in [0, 1], got 1.5");
        assertMessage(() -> new MinP(-0.5f), "min-p must be in [0, 1], got -0.5");
    }

    @Test
    void greedyTakesTheLowestIdOnTies() {
        assertEquals(1, new GreedySampler().sample(new float[] {-3f, -1f, -1f, NEG_INF}, 4, null));
        SamplingPipeline p = new SamplingPipeline(SamplingConfig.greedyDecoding(), 4);
        float[] row = log(0.2, 0.4, 0.4, 0.0);
        p.process(row, null, 0);
        assertEquals(1, p.pick(row, null));
        // the repetition penalty is the one processor that changes a greedy choice
        SamplingPipeline rep = new SamplingPipeline(SamplingConfig.greedyDecoding().withRepetitionPenalty(1.5f), 4);
        float[] row2 = log(0.2, 0.4, 0.39, 0.01);
        rep.process(row2, new int[] {1}, 1);
        assertEquals(2, rep.pick(row2, null));
    }

    // ---- configuration and bad input ----

    @Test
    void configValidatesEveryField() {
        assertMessage(() -> SamplingConfig.sampling().withTemperature(0f), "temperature must be in (0, +inf), got 0.0");
        assertMessage(() -> SamplingConfig.sampling().withTemperature(Float.NaN), "got NaN");
        assertMessage(() -> SamplingConfig.greedyDecoding().withTemperature(Float.NaN), "got NaN");
        assertEquals(0f, SamplingConfig.greedyDecoding().withTemperature(0f).temperature());   // ignored when greedy
        assertMessage(() -> SamplingConfig.sampling().withTopK(-1), "top-k must be >= 1, or 0 for off, got -1");
        assertMessage(() -> SamplingConfig.sampling().withTopP(0f), "top-p must be in (0, 1] (1 is off), got 0.0");
        assertMessage(() -> SamplingConfig.sampling().withTopP(1.5f), "got 1.5");
        assertMessage(() -> SamplingConfig.sampling().withMinP(-0.1f), "min-p must be in [0, 1] (0 is off), got -0.1");
        assertMessage(() -> SamplingConfig.sampling().withRepetitionPenalty(0f), "repetition penalty must be in (0, +inf) (1 is off), got 0.0");
        SamplingConfig c = SamplingConfig.sampling();
        assertEquals(new SamplingConfig(false, 1f, 0, 1f, 0f, 1f), c);
        assertEquals(new SamplingConfig(true, 1f, 0, 1f, 0f, 1f), SamplingConfig.greedyDecoding());
        assertMessage(() -> new SamplingPipeline(c, 0), "vocabSize must be >= 1, got 0");
        assertMessage(() -> new SamplingPipeline(null, 5), "config must not be null");
    }

    /** Values parsed from text arrive as doubles: a message shows them as given, not rounded to float32. */
    @Test
    void doubleSettersNameOutOfRangeValuesAsGiven() {
        assertMessage(() -> SamplingConfig.sampling().withTemperature(1e-50), "temperature 1.0E-50 is outside the float32 range");
        assertMessage(() -> SamplingConfig.sampling().withTemperature(1e39), "temperature 1.0E39 is outside the float32 range");
        assertMessage(() -> SamplingConfig.sampling().withTopP(1e-50), "top-p 1.0E-50");
        assertMessage(() -> SamplingConfig.sampling().withMinP(1e-60), "min-p 1.0E-60");
        assertMessage(() -> SamplingConfig.sampling().withRepetitionPenalty(1e-46), "repetition penalty 1.0E-46");
        // representable but 1/T overflows: named, with the smallest usable temperature
        assertMessage(() -> SamplingConfig.sampling().withTemperature(1e-40), "temperature 1.0E-40 is too small");
        assertMessage(() -> SamplingConfig.sampling().withTemperature(-0.5), "got -0.5");
        assertEquals(0.7f, SamplingConfig.sampling().withTemperature(0.7).temperature());
        assertEquals(0.25f, SamplingConfig.sampling().withTopP(0.25).withMinP(0.25).minP());
        assertEquals(0f, SamplingConfig.sampling().withMinP(0.0).minP());
        assertEquals(1.5f, SamplingConfig.sampling().withRepetitionPenalty(1.5).repetitionPenalty());
    }

    @Test
    void theCallersProcessorsRunAfterThePenaltyAndBeforeTheWarpersInOrder() {
        java.util.List<String> order = new java.util.ArrayList<>();
        float[][] seen = new float[2][];
        LogitProcessor first = (x, n, h, len) -> {
            order.add("first");
            seen[0] = java.util.Arrays.copyOf(x, n);
            x[0] = Float.NEGATIVE_INFINITY;
        };
        LogitProcessor second = (x, n, h, len) -> {
            order.add("second");
            seen[1] = java.util.Arrays.copyOf(x, n);
        };
        SamplingPipeline p = new SamplingPipeline(SamplingConfig.sampling().withRepetitionPenalty(2f).withTemperature(0.5f)
                .withTopK(2), 4, java.util.List.of(first, second));
        float[] row = {-0.5f, -1f, -2f, -3f};
        p.process(row, new int[] {1}, 1);
        assertEquals(java.util.List.of("first", "second"), order);
        assertArrayEquals(new float[] {-0.5f, -2f, -2f, -3f}, seen[0], "after the penalty, before the temperature");
        assertEquals(Float.NEGATIVE_INFINITY, seen[1][0], "the second sees the first's edit");
        // top-k ran after them: of the allowed tokens 1 and 2 (tied at -2 before the 1/T scale) both survive
        assertEquals(Float.NEGATIVE_INFINITY, row[0]);
        assertEquals(Float.NEGATIVE_INFINITY, row[3]);
        assertEquals(Math.log(0.5), row[1], 1e-6);
        assertMessage(() -> new SamplingPipeline(SamplingConfig.sampling(), 4, null), "processors must not be null");
        java.util.List<LogitProcessor> withNull = new java.util.ArrayList<>();
        withNull.add(null);
        assertMessage(() -> new SamplingPipeline(SamplingConfig.sampling(), 4, withNull), "processor must not be null");
    }

    @Test
    void rejectedRowsAreLeftUnchangedAndThePipelineStillWorks() {
        SamplingPipeline p = new SamplingPipeline(SamplingConfig.sampling().withTopP(0.9f).withRepetitionPenalty(1.2f), 5);
        float[] nan = {0f, Float.NaN, -1f, -2f, -3f};
        float[] nanCopy = nan.clone();
        assertMessage(() -> p.process(nan, null, 0), "holds NaN");
        assertArrayEquals(nanCopy, nan);
        float[] row = log(0.1, 0.2, 0.3, 0.25, 0.15);
        float[] copy = row.clone();
        assertMessage(() -> p.process(row, new int[] {1, 7}, 2), "history token 7 at position 1 out of range [0, 5)");
        assertArrayEquals(copy, row);
        float[] masked = {NEG_INF, NEG_INF, NEG_INF, NEG_INF, NEG_INF};
        assertMessage(() -> p.process(masked, null, 0), "every token is masked");
        assertMessage(() -> p.process(new float[4], null, 0), "row has 4 entries; expected at least vocabSize 5");
        assertMessage(() -> p.pick(row, null), "needs a RandomGenerator");
        p.process(row, new int[] {1}, 1);
        int t = p.pick(row, new SplittableRandom(1));
        assertTrue(t >= 0 && t < 5 && row[t] != NEG_INF);
    }

    @Test
    void sameSeedSameTokens() {
        int v = 1000;
        float[] logits = Reference.logits(v, 3);
        SamplingPipeline p = new SamplingPipeline(SamplingConfig.sampling().withTemperature(0.8f).withTopP(0.95f), v);
        float[] row = logits.clone();
        p.process(row, null, 0);
        SplittableRandom a = new SplittableRandom(42);
        SplittableRandom b = new SplittableRandom(42);
        for (int i = 0; i < 100; i++) {
            assertEquals(p.pick(row, a), p.pick(row, b));
        }
    }

    // ---- the pipeline against float64, and chi-square of the draws ----

    /** float64 reference of SamplingPipeline.process: penalty → T → top-k → top-p → min-p → log_softmax. */
    static double[] referenceProcess(float[] row, SamplingConfig c, int[] history) {
        double[] s = Reference.toDouble(row, row.length);
        Set<Integer> seen = new HashSet<>();
        for (int t : history) {
            if (seen.add(t) && c.repetitionPenalty() != 1f) {
                s[t] = s[t] < 0 ? s[t] * c.repetitionPenalty() : s[t] / c.repetitionPenalty();
            }
        }
        if (!c.greedy()) {
            for (int j = 0; j < s.length; j++) {
                s[j] /= c.temperature();
            }
            if (c.topK() > 0 && c.topK() < s.length) {
                double[] sorted = s.clone();
                Arrays.sort(sorted);
                double thr = sorted[s.length - c.topK()];
                for (int j = 0; j < s.length; j++) {
                    s[j] = s[j] < thr ? Double.NEGATIVE_INFINITY : s[j];
                }
            }
            if (c.topP() < 1f) {
                double[] before = Reference.massBefore(s);
                for (int j = 0; j < s.length; j++) {
                    s[j] = before[j] < c.topP() ? s[j] : Double.NEGATIVE_INFINITY;
                }
            }
            if (c.minP() > 0f) {
                double[] lp = Reference.logSoftmax(s);
                double pmax = Math.exp(Arrays.stream(lp).max().orElseThrow());
                for (int j = 0; j < s.length; j++) {
                    s[j] = Math.exp(lp[j]) < c.minP() * pmax ? Double.NEGATIVE_INFINITY : s[j];
                }
            }
        }
        return Reference.logSoftmax(s);
    }

    static Stream<SamplingConfig> configs() {
        SamplingConfig s = SamplingConfig.sampling();
        return Stream.of(s, s.withTemperature(0.7f), s.withTemperature(1.6f), s.withTopK(7), s.withTopP(0.8f),
                s.withMinP(0.1f), s.withRepetitionPenalty(1.3f),
                s.withTemperature(0.9f).withTopK(20).withTopP(0.9f).withMinP(0.02f).withRepetitionPenalty(1.1f));
    }

    @ParameterizedTest
    @MethodSource("configs")
    void processedRowMatchesFloat64AndDrawsFitItByChiSquare(SamplingConfig config) {
        int v = 40;
        float[] logits = Reference.logits(v, 17);
        for (int j = 0; j < v; j++) {
            logits[j] = logits[j] / 2.5f;         // a flatter row so that many tokens matter
        }
        int[] history = {3, 5, 5, 11, 30};
        double[] ref = referenceProcess(logits, config, history);

        SamplingPipeline p = new SamplingPipeline(config, v);
        float[] row = logits.clone();
        p.process(row, history, history.length);
        for (int j = 0; j < v; j++) {
            if (ref[j] == Double.NEGATIVE_INFINITY) {
                assertEquals(NEG_INF, row[j], config + ": token " + j + " must be filtered");
            } else {
                assertEquals(ref[j], row[j], 1e-5 * Math.max(1, Math.abs(ref[j])), config + ": token " + j);
            }
        }

        int draws = 200_000;
        long[] counts = new long[v];
        SplittableRandom rng = new SplittableRandom(20261204L);
        for (int i = 0; i < draws; i++) {
            counts[p.pick(row, rng)]++;
        }
        assertFitsByChiSquare(ref, counts, draws, config.toString());
    }

    /** Chi-square goodness of fit; categories with expected count below 5 are pooled. */
    static void assertFitsByChiSquare(double[] logProbs, long[] counts, int draws, String what) {
        int v = logProbs.length;
        double[] expected = new double[v];
        long[] observed = new long[v];
        int k = 0;
        double poolE = 0;
        long poolO = 0;
        for (int j = 0; j < v; j++) {
            double e = Math.exp(logProbs[j]) * draws;
            if (e == 0) {
                assertEquals(0, counts[j], what + ": drew filtered token " + j);
            } else if (e < 5) {
                poolE += e;
                poolO += counts[j];
            } else {
                expected[k] = e;
                observed[k++] = counts[j];
            }
        }
        if (poolE > 0) {
            expected[k] = poolE;
            observed[k++] = poolO;
        }
        if (k < 2) {
            assertEquals(draws, observed[0], what);
            return;
        }
        double pValue = new ChiSquareTest().chiSquareTest(Arrays.copyOf(expected, k), Arrays.copyOf(observed, k));
        assertTrue(pValue > ALPHA, what + ": chi-square p-value " + pValue + " <= " + ALPHA + " over " + k + " categories");
    }

    @ParameterizedTest(name = "V={0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {32000, 32001, 65024, 128256})
    void pipelineMatchesFloat64AtRealVocabularySizes(int v) {
        SamplingConfig config = SamplingConfig.sampling().withTemperature(2.5f).withTopK(5000).withTopP(0.9f)
                .withMinP(0.001f).withRepetitionPenalty(1.2f);
        float[] logits = Reference.logits(v, v);
        int[] history = {0, 17, 17, v - 1, v / 2};
        double[] ref = referenceProcess(logits, config, history);
        float[] row = logits.clone();
        new SamplingPipeline(config, v).process(row, history, history.length);

        // where float32 and float64 may disagree: a token whose top-p mass-before or min-p ratio
        // lies within rounding of the cut
        double[] tempered = Reference.toDouble(logits, v);
        for (int t : new HashSet<>(Arrays.stream(history).boxed().toList())) {
            tempered[t] = tempered[t] < 0 ? tempered[t] * 1.2 : tempered[t] / 1.2;
        }
        for (int j = 0; j < v; j++) {
            tempered[j] /= 2.5;
        }
        double[] sorted = tempered.clone();
        Arrays.sort(sorted);
        double thr = sorted[v - 5000];
        for (int j = 0; j < v; j++) {
            tempered[j] = tempered[j] < thr ? Double.NEGATIVE_INFINITY : tempered[j];
        }
        double[] before = Reference.massBefore(tempered);
        int kept = 0;
        int boundary = 0;
        for (int j = 0; j < v; j++) {
            boolean refKept = ref[j] != Double.NEGATIVE_INFINITY;
            boolean gotKept = row[j] != NEG_INF;
            if (refKept != gotKept) {
                boolean nearTopP = Math.abs(before[j] - 0.9) < 1e-5;
                double ratio = Math.exp(tempered[j] - Arrays.stream(tempered).max().orElseThrow());
                boolean nearMinP = Math.abs(ratio / 0.001 - 1) < 1e-4;
                assertTrue(nearTopP || nearMinP, "V=" + v + ": token " + j + " kept=" + gotKept + " but float64 says " + refKept);
                boundary++;
            } else if (refKept) {
                assertEquals(ref[j], row[j], 1e-4 * Math.max(1, Math.abs(ref[j])), "V=" + v + ": token " + j);
                kept++;
            }
        }
        assertTrue(kept > 10 && boundary <= 2, "kept " + kept + ", boundary disagreements " + boundary);
    }

    @Test
    void categoricalSamplerFitsALargeVocabulary() {
        int v = 32000;
        float[] row = Reference.logits(v, 8);
        SamplingPipeline p = new SamplingPipeline(SamplingConfig.sampling().withTopK(50), v);
        p.process(row, null, 0);
        double[] ref = referenceProcess(Reference.logits(v, 8), SamplingConfig.sampling().withTopK(50), new int[0]);
        long[] counts = new long[v];
        SplittableRandom rng = new SplittableRandom(7);
        int draws = 10_000;           // each of the 50 kept tokens expects ~200 draws
        CategoricalSampler sampler = new CategoricalSampler();
        for (int i = 0; i < draws; i++) {
            counts[sampler.sample(row, v, rng)]++;
        }
        assertFitsByChiSquare(ref, counts, draws, "top-50 of 32000");
    }
}
