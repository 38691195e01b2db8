package io.github.eft4j.combine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.eft4j.internal.vector.Reference;
import io.github.eft4j.internal.vector.VectorKernels;
import io.github.eft4j.internal.vector.VectorizationProvider;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The EFT combiner against float64 references, for both kernel implementations. */
@Tag("kernels")
class LinearEFTCombinerTest {

    static VectorKernels impl(String name) {
        if (name.equals("scalar")) {
            return VectorizationProvider.scalar();
        }
        assumeTrue(VectorizationProvider.panama().isPresent(),
                () -> "Panama kernels unavailable in this JVM: " + VectorizationProvider.panamaUnavailableReason().orElse("?"));
        return VectorizationProvider.panama().orElseThrow();
    }

    static Stream<Arguments> implsAndVocabs() {
        return Stream.of("scalar", "panama").flatMap(k -> Stream.of(1, 7, 65, 4098, 32000, 32001, 65024, 128256).map(n -> Arguments.of(k, n)));
    }

    /** float64 EFT: log_softmax(Σ c_i log_softmax(x_i)). */
    static double[] eft(float[][] x, double[] c, int n) {
        return Reference.logSoftmax(Reference.combineRaw(x, c, n));
    }

    static void assertClose(double[] ref, float[] out, int n, String what) {
        double sum = 0;
        for (int j = 0; j < n; j++) {
            assertFalse(Float.isNaN(out[j]), what + ": NaN at " + j);
            if (ref[j] == Double.NEGATIVE_INFINITY) {
                assertEquals(Float.NEGATIVE_INFINITY, out[j], what + ": token " + j + " should be masked");
            } else {
                assertEquals(ref[j], out[j], 2e-4 * Math.max(1, Math.abs(ref[j])) + Reference.tol(n, 1), what + ": token " + j);
                sum += Math.exp(out[j]);
            }
        }
        assertEquals(1.0, sum, 1e-5, what + ": probabilities must sum to 1");
    }

    @ParameterizedTest(name = "{0} V={1}")
    @MethodSource("implsAndVocabs")
    void upscaleMatchesFloat64(String name, int n) {
        LinearEFTCombiner eft = new LinearEFTCombiner(EFTSpec.upscale(), n, impl(name));
        // rows longer than V (padding rows) are read only in [0, V)
        float[][] x = {Reference.logits(n + 1, 1), Reference.logits(n + 1, 2), Reference.logits(n + 1, 3)};
        float[] out = new float[n];
        eft.combine(x, eft.spec().coefficients(), out);
        float[][] cut = {Arrays.copyOf(x[0], n), Arrays.copyOf(x[1], n), Arrays.copyOf(x[2], n)};
        assertClose(eft(cut, new double[] {1, 1, -1}, n), out, n, name);
        for (int i = 0; i < 3; i++) {
            double[] lp = Reference.logSoftmax(cut[i], n);
            assertEquals(lp[n / 2], eft.componentLogProb(i, n / 2), 1e-4 * Math.max(1, Math.abs(lp[n / 2])));
        }
        // a β schedule: other coefficients on the next call
        eft.combine(x, new float[] {0.5f, 1f, -0.5f}, out);
        assertClose(eft(cut, new double[] {0.5, 1, -0.5}, n), out, n, name + " beta");
    }

    @ParameterizedTest(name = "{0} V={1}")
    @MethodSource("implsAndVocabs")
    void singleComponentIsItsOwnLogSoftmax(String name, int n) {
        LinearEFTCombiner eft = new LinearEFTCombiner(EFTSpec.of("only", 1.0), n, impl(name));
        float[] x = Reference.mask(Reference.logits(n, 7), 0.01, 2);
        float[] out = new float[n];
        eft.combine(new float[][] {x}, new float[] {1f}, out);
        assertClose(Reference.logSoftmax(x, n), out, n, name);
    }

    @ParameterizedTest(name = "{0} V={1}")
    @MethodSource("implsAndVocabs")
    void identicalFineTunedAndReferenceGiveTheBase(String name, int n) {
        LinearEFTCombiner eft = new LinearEFTCombiner(EFTSpec.upscale(), n, impl(name));
        float[] base = Reference.logits(n, 5);
        float[] small = Reference.logits(n, 6);
        float[] out = new float[n];
        eft.combine(new float[][] {base, small, small.clone()}, eft.spec().coefficients(), out);
        assertClose(Reference.logSoftmax(base, n), out, n, name);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"scalar", "panama"})
    void maskedTokensFollowTheRuleAndNeverNaN(String name) {
        int n = 1000;
        LinearEFTCombiner eft = new LinearEFTCombiner(EFTSpec.upscale(), n, impl(name));
        float[][] x = {Reference.logits(n, 1), Reference.logits(n, 2), Reference.logits(n, 3)};
        x[2][10] = Float.NEGATIVE_INFINITY;               // masked only in the c = -1 component
        x[0][20] = Float.NEGATIVE_INFINITY;               // masked in a c = +1 component
        x[1][30] = Float.NEGATIVE_INFINITY;
        x[2][30] = Float.NEGATIVE_INFINITY;               // -inf in both signs: would be NaN
        float[] out = new float[n];
        eft.combine(x, eft.spec().coefficients(), out);
        assertClose(eft(x, new double[] {1, 1, -1}, n), out, n, name);
        assertEquals(Float.NEGATIVE_INFINITY, out[10]);
        assertEquals(Float.NEGATIVE_INFINITY, out[20]);
        assertEquals(Float.NEGATIVE_INFINITY, out[30]);
        assertEquals(Float.NEGATIVE_INFINITY, eft.componentLogProb(2, 10));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"scalar", "panama"})
    void everyTokenMaskedIsAnError(String name) {
        int n = 100;
        LinearEFTCombiner eft = new LinearEFTCombiner(EFTSpec.upscale(), n, impl(name));
        float[][] x = {Reference.logits(n, 1), Reference.logits(n, 2), Reference.logits(n, 3)};
        // each token masked in some component, but no component entirely masked
        for (int j = 0; j < n; j++) {
            x[j % 3][j] = Float.NEGATIVE_INFINITY;
        }
        float[] out = new float[n];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> eft.combine(x, eft.spec().coefficients(), out));
        assertTrue(e.getMessage().contains("every token is masked"), e.getMessage());
        float[][] allMasked = {Reference.logits(n, 1), new float[n], Reference.logits(n, 3)};
        Arrays.fill(allMasked[1], Float.NEGATIVE_INFINITY);
        e = assertThrows(IllegalArgumentException.class, () -> eft.combine(allMasked, eft.spec().coefficients(), out));
        assertTrue(e.getMessage().contains("component 1 ('small-ft')"), e.getMessage());
        // an all -inf component with coefficient 0 takes no part
        eft.combine(allMasked, new float[] {1f, 0f, -1f}, out);
        assertClose(eft(allMasked, new double[] {1, 0, -1}, n), out, n, name);
        assertEquals(Float.NEGATIVE_INFINITY, eft.componentLogProb(1, 0));
    }

    @Test
    void nanAndInfiniteLogitsNameTheComponent() {
        int n = 50;
        EFTCombiner eft = EFTCombiner.create(EFTSpec.upscale(), n);
        float[][] x = {Reference.logits(n, 1), Reference.logits(n, 2), Reference.logits(n, 3)};
        x[2][17] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> eft.combine(x, eft.spec().coefficients(), new float[n]));
        assertTrue(e.getMessage().contains("NaN logit in component 2 ('small-base')"), e.getMessage());
        x[2][17] = Float.POSITIVE_INFINITY;
        e = assertThrows(IllegalArgumentException.class, () -> eft.combine(x, eft.spec().coefficients(), new float[n]));
        assertTrue(e.getMessage().contains("+inf logit in component 2"), e.getMessage());
    }

    @Test
    void badArgumentsAreRejectedAndLeaveTheLastResultIntact() {
        int n = 64;
        EFTCombiner eft = EFTCombiner.create(EFTSpec.upscale(), n);
        float[][] x = {Reference.logits(n, 1), Reference.logits(n, 2), Reference.logits(n, 3)};
        float[] out = new float[n];
        eft.combine(x, eft.spec().coefficients(), out);
        float before = eft.componentLogProb(1, 5);
        float[] outBefore = out.clone();
        float[][] other = {Reference.logits(n, 4), Reference.logits(n, 5), Reference.logits(n, 6)};
        other[0][3] = Float.NaN;

        assertMessage(() -> eft.combine(new float[][] {x[0], x[1]}, eft.spec().coefficients(), out), "expected 3 logit rows");
        assertMessage(() -> eft.combine(x, new float[] {1f, 1f}, out), "expected 3 coefficients");
        assertMessage(() -> eft.combine(x, new float[] {1f, Float.NaN, -1f}, out), "coefficient 1 ('small-ft') must be finite, got NaN");
        assertMessage(() -> eft.combine(x, new float[] {1f, Float.POSITIVE_INFINITY, -1f}, out), "must be finite, got Infinity");
        assertMessage(() -> eft.combine(new float[][] {x[0], new float[n - 1], x[2]}, eft.spec().coefficients(), out),
                "has 63 entries; expected at least the shared vocabulary size 64");
        assertMessage(() -> eft.combine(x, eft.spec().coefficients(), new float[n - 1]), "out has 63 entries");
        assertMessage(() -> eft.combine(x, eft.spec().coefficients(), x[2]), "out must not be logit row 2");
        assertMessage(() -> eft.combine(x, new float[] {0f, 0f, 0f}, out), "every coefficient is 0");
        assertMessage(() -> eft.componentLogProb(3, 0), "component 3 out of range [0, 3)");
        assertMessage(() -> eft.componentLogProb(0, 64), "token 64 out of range [0, 64)");
        // the argument checks run before out is written
        assertArrayEquals(outBefore, out);
        // the checks on the logits' values come out of the fused pass: out is then unspecified
        assertMessage(() -> eft.combine(other, eft.spec().coefficients(), out), "NaN logit in component 0");
        other[0][3] = 0f;
        other[1][7] = Float.POSITIVE_INFINITY;
        assertMessage(() -> eft.combine(other, new float[] {1f, 0f, -1f}, out), "+inf logit in component 1");

        assertEquals(before, eft.componentLogProb(1, 5));
        assertThrows(IllegalStateException.class, () -> EFTCombiner.create(EFTSpec.upscale(), n).componentLogProb(0, 0));
        assertMessage(() -> EFTCombiner.create(EFTSpec.upscale(), 0), "vocabSize must be >= 1, got 0");
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable call, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), () -> "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    /** float64 conservative filter on top of the EFT scores. */
    static double[] conservativeReference(float[][] x, double[] c, int anchor, double topP, EFTSpec.ConservativeMode mode, int n) {
        double[] raw = Reference.combineRaw(x, c, n);
        double[] anchorLp = Reference.logSoftmax(x[anchor], n);
        double[] before = Reference.massBefore(anchorLp);
        for (int j = 0; j < n; j++) {
            boolean inNucleus = anchorLp[j] != Double.NEGATIVE_INFINITY && before[j] < topP;
            if (!inNucleus) {
                // ANCHOR_ONLY: the anchor's own log-prob, but a masked token stays masked
                raw[j] = mode == EFTSpec.ConservativeMode.REMOVE || raw[j] == Double.NEGATIVE_INFINITY
                        ? Double.NEGATIVE_INFINITY : anchorLp[j];
            }
        }
        return Reference.logSoftmax(raw);
    }

    static Stream<Arguments> conservativeCases() {
        return Stream.of("scalar", "panama").flatMap(k -> Stream.of(EFTSpec.ConservativeMode.values())
                .flatMap(m -> Stream.of(65, 4098, 32000, 128256).map(n -> Arguments.of(k, m, n))));
    }

    @ParameterizedTest(name = "{0} {1} V={2}")
    @MethodSource("conservativeCases")
    void conservativeFilterMatchesFloat64(String name, EFTSpec.ConservativeMode mode, int n) {
        EFTSpec spec = EFTSpec.upscale().withConservativeFilter(new EFTSpec.ConservativeFilter(EFTSpec.SMALL_FT, 0.9, mode));
        LinearEFTCombiner eft = new LinearEFTCombiner(spec, n, impl(name));
        float[][] x = {Reference.logits(n, 11), Reference.logits(n, 12), Reference.logits(n, 13)};
        float[] outside = Reference.logits(n, 12);
        int low = 0;
        for (int j = 0; j < n; j++) {
            low = outside[j] < outside[low] ? j : low;     // the anchor's least likely token: outside the nucleus
        }
        x[2][low] = Float.NEGATIVE_INFINITY;               // masked in the c = -1 component
        float[] out = new float[n];
        eft.combine(x, spec.coefficients(), out);
        assertEquals(Float.NEGATIVE_INFINITY, out[low], "a masked token outside the nucleus stays masked");
        double[] ref = conservativeReference(x, new double[] {1, 1, -1}, 1, 0.9, mode, n);
        double[] before = Reference.massBefore(Reference.logSoftmax(x[1], n));
        for (int j = 0; j < n; j++) {
            // the nucleus boundary may differ from float64 by a token whose mass-before is within rounding of top-p
            if (Math.abs(before[j] - 0.9) < 1e-5) {
                ref[j] = out[j];
            }
        }
        double sum = 0;
        int kept = 0;
        for (int j = 0; j < n; j++) {
            assertFalse(Float.isNaN(out[j]));
            if (ref[j] == Double.NEGATIVE_INFINITY) {
                assertEquals(Float.NEGATIVE_INFINITY, out[j], "token " + j + " must be removed");
            } else {
                assertEquals(ref[j], out[j], 2e-4 * Math.max(1, Math.abs(ref[j])) + Reference.tol(n, 1), "token " + j);
                sum += Math.exp(out[j]);
                kept++;
            }
        }
        assertEquals(1.0, sum, 1e-5);
        if (mode == EFTSpec.ConservativeMode.REMOVE) {
            assertTrue(kept < n, "REMOVE must drop the tail");
        } else {
            assertEquals(n - 1, kept, "ANCHOR_ONLY keeps every token but the masked one");
        }
    }

    @Test
    void conservativeFilterWithTopPOneIsOff() {
        int n = 300;
        EFTSpec spec = EFTSpec.upscale().withConservativeFilter(new EFTSpec.ConservativeFilter(EFTSpec.SMALL_FT, 1.0, EFTSpec.ConservativeMode.REMOVE));
        float[][] x = {Reference.logits(n, 1), Reference.logits(n, 2), Reference.logits(n, 3)};
        float[] a = new float[n];
        float[] b = new float[n];
        EFTCombiner.create(spec, n).combine(x, spec.coefficients(), a);
        EFTCombiner.create(EFTSpec.upscale(), n).combine(x, spec.coefficients(), b);
        assertArrayEquals(b, a);
    }

    /**
     * End to end: tokens drawn through {@code EFTCombiner} + {@code SamplingPipeline} follow the
     * float64 EFT distribution (with the conservative REMOVE filter, so that never-allowed tokens
     * are checked too). Chi-square with a fixed seed; a correct implementation fails with
     * probability 1e-4.
     */
    @Test
    void drawsFollowTheEftDistributionByChiSquare() {
        int n = 30;
        EFTSpec spec = EFTSpec.upscale().withConservativeFilter(
                new EFTSpec.ConservativeFilter(EFTSpec.SMALL_FT, 0.8, EFTSpec.ConservativeMode.REMOVE));
        float[][] x = new float[3][];
        for (int i = 0; i < 3; i++) {
            x[i] = Reference.logits(n, 100 + i);
            for (int j = 0; j < n; j++) {
                x[i][j] /= 3f;                            // flat rows: many tokens matter
            }
        }
        double[] ref = conservativeReference(x, new double[] {1, 1, -1}, 1, 0.8, EFTSpec.ConservativeMode.REMOVE, n);
        EFTCombiner eft = EFTCombiner.create(spec, n);
        float[] row = new float[n];
        eft.combine(x, spec.coefficients(), row);
        io.github.eft4j.sampling.SamplingPipeline pipeline =
                new io.github.eft4j.sampling.SamplingPipeline(io.github.eft4j.sampling.SamplingConfig.sampling(), n);
        pipeline.process(row, null, 0);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(99);
        int draws = 100_000;
        long[] counts = new long[n];
        for (int t = 0; t < draws; t++) {
            counts[pipeline.pick(row, rng)]++;
        }
        java.util.List<Double> expected = new java.util.ArrayList<>();
        java.util.List<Long> observed = new java.util.ArrayList<>();
        for (int j = 0; j < n; j++) {
            if (ref[j] == Double.NEGATIVE_INFINITY) {
                assertEquals(0, counts[j], "drew token " + j + " outside the anchor's nucleus");
            } else {
                expected.add(Math.exp(ref[j]) * draws);
                observed.add(counts[j]);
            }
        }
        assertTrue(expected.size() >= 3, "nucleus too small for a meaningful test: " + expected.size());
        double p = new org.apache.commons.math3.stat.inference.ChiSquareTest().chiSquareTest(
                expected.stream().mapToDouble(Double::doubleValue).toArray(), observed.stream().mapToLong(Long::longValue).toArray());
        assertTrue(p > 1e-4, "chi-square p-value " + p + " over " + expected.size() + " tokens");
    }

    static Stream<Arguments> implsVocabsAndCounts() {
        return implsAndVocabs().flatMap(a -> Stream.of(2, 4, 5).map(k -> Arguments.of(a.get()[0], a.get()[1], k)));
    }

    /** {@code count} components named c0, c1, ... with alternating signs. */
    static EFTSpec spec(int count) {
        Object[] args = new Object[2 * count];
        for (int i = 0; i < count; i++) {
            args[2 * i] = "c" + i;
            args[2 * i + 1] = i % 2 == 0 ? 1.0 + 0.25 * i : -0.5 - 0.25 * i;
        }
        return EFTSpec.of(args);
    }

    static double[] toDouble(float[] c) {
        double[] d = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            d[i] = c[i];
        }
        return d;
    }

    @ParameterizedTest(name = "{0} V={1} k={2}")
    @MethodSource("implsVocabsAndCounts")
    void otherComponentCountsMatchFloat64(String name, int n, int count) {
        EFTSpec spec = spec(count);
        LinearEFTCombiner eft = new LinearEFTCombiner(spec, n, impl(name));
        float[][] x = new float[count][];
        for (int i = 0; i < count; i++) {
            x[i] = Reference.logits(n, 40 + i);
        }
        if (n > 10) {
            Reference.mask(x[count - 1], 0.01, 3);
        }
        float[] out = new float[n];
        eft.combine(x, spec.coefficients(), out);
        assertClose(eft(x, toDouble(spec.coefficients()), n), out, n, name + " k=" + count);
        assertEquals(firstMax(out, n), eft.argmax(x, spec.coefficients()));
    }

    /** Rows of magnitude 1e4: a plain Σ c_i·x_i keeps about 3 decimals of the result there. */
    static float[][] farFromZero(int n, long seed) {
        float[][] x = {Reference.logits(n, seed), Reference.logits(n, seed + 1), Reference.logits(n, seed + 2)};
        for (int j = 0; j < n; j++) {
            x[0][j] += 1e4f;
            x[1][j] += 1e4f;
            x[2][j] -= 1e4f;
        }
        return x;
    }

    static void assertAccurate(double[] ref, float[] out, int n, String what) {
        for (int j = 0; j < n; j++) {
            if (ref[j] == Double.NEGATIVE_INFINITY) {
                assertEquals(Float.NEGATIVE_INFINITY, out[j], what + ": token " + j + " should be masked");
            } else {
                // as accurate as for rows near 0 (the reduction term dominates at large n)
                assertEquals(ref[j], out[j], 1e-5 * Math.max(1, Math.abs(ref[j])) + Reference.tol(n, 1), what + ": token " + j);
            }
        }
    }

    @ParameterizedTest(name = "{0} V={1}")
    @MethodSource("implsAndVocabs")
    void largeLogitsCombineAsAccuratelyAsSmallOnes(String name, int n) {
        LinearEFTCombiner eft = new LinearEFTCombiner(EFTSpec.upscale(), n, impl(name));
        float[][] x = farFromZero(n, 21);
        float[] out = new float[n];
        eft.combine(x, eft.spec().coefficients(), out);
        assertAccurate(eft(x, new double[] {1, 1, -1}, n), out, n, name);
        eft.combine(x, new float[] {0.5f, 1f, -0.5f}, out);
        assertAccurate(eft(x, new double[] {0.5, 1, -0.5}, n), out, n, name + " beta");
        for (int i = 0; i < 3; i++) {
            double lp = Reference.logSoftmax(x[i], n)[n / 3];
            assertEquals(lp, eft.componentLogProb(i, n / 3), 1e-5 * Math.max(1, Math.abs(lp)) + Reference.tol(n, 1));
        }
    }

    @ParameterizedTest(name = "{0} V={1}")
    @MethodSource("implsAndVocabs")
    void aShiftFarFromTheRowMaximumIsReplacedByTheMaximum(String name, int n) {
        assumeTrue(n >= 1000, "needs room for a band between the sampled chunks");
        LinearEFTCombiner eft = new LinearEFTCombiner(EFTSpec.upscale(), n, impl(name));
        // A band of tokens 1e4 above the rest, away from the sampled chunks: the sample's max is
        // 1e4 below the row's, and only a second pass with the true maximum keeps the bits.
        float[][] x = {Reference.logits(n, 31), Reference.logits(n, 32), Reference.logits(n, 33)};
        for (int j = n / 64; j < n / 8; j++) {
            x[0][j] += 1e4f;
            x[1][j] += 1e4f;
        }
        // ... and a row masked everywhere but in that band: the sample is all -inf
        for (int j = 0; j < n; j++) {
            x[2][j] = j >= n / 64 && j < n / 8 ? x[2][j] + 1e4f : Float.NEGATIVE_INFINITY;
        }
        float[] out = new float[n];
        eft.combine(x, eft.spec().coefficients(), out);
        assertAccurate(eft(x, new double[] {1, 1, -1}, n), out, n, name);
        assertEquals(firstMax(out, n), eft.argmax(x, eft.spec().coefficients()));
    }

    static int firstMax(float[] row, int n) {
        int arg = 0;
        for (int j = 1; j < n; j++) {
            if (row[j] > row[arg]) {
                arg = j;
            }
        }
        return arg;
    }

    static Stream<Arguments> argmaxCases() {
        return Stream.of("scalar", "panama").flatMap(k -> Stream.of(1, 7, 65, 4098, 32000, 128256).map(n -> Arguments.of(k, n)));
    }

    @ParameterizedTest(name = "{0} V={1}")
    @MethodSource("argmaxCases")
    void argmaxIsTheArgmaxOfTheCombinedRow(String name, int n) {
        VectorKernels k = impl(name);
        EFTSpec up = EFTSpec.upscale();
        EFTSpec[] specs = {
            up,
            EFTSpec.of("only", 1.0),
            spec(4),
            spec(5),
            up.withConservativeFilter(new EFTSpec.ConservativeFilter(EFTSpec.SMALL_FT, 0.9, EFTSpec.ConservativeMode.REMOVE)),
            up.withConservativeFilter(new EFTSpec.ConservativeFilter(EFTSpec.SMALL_FT, 0.5, EFTSpec.ConservativeMode.ANCHOR_ONLY)),
        };
        float[] out = new float[n];
        for (EFTSpec spec : specs) {
            LinearEFTCombiner eft = new LinearEFTCombiner(spec, n, k);
            LinearEFTCombiner fresh = new LinearEFTCombiner(spec, n, k);
            int size = spec.size();
            for (int seed = 0; seed < 8; seed++) {
                float[][] x = new float[size][];
                for (int i = 0; i < size; i++) {
                    x[i] = Reference.logits(n, 1000L * seed + 7 * i + n);
                    if (n > 10 && (seed + i) % 3 == 0) {
                        Reference.mask(x[i], 0.1, seed);
                    }
                }
                float[] c = spec.coefficients();
                if (seed % 4 == 3 && size > 1) {
                    c[size - 1] = 0f;                             // a schedule that switches a component off
                }
                eft.combine(x, c, out);
                int expected = firstMax(out, n);
                String what = spec + " seed " + seed;
                assertEquals(expected, fresh.argmax(x, c), what);
                if (seed == 5 && expected > 0) {
                    // a tie with a lower id: that one wins
                    for (int i = 0; i < size; i++) {
                        x[i][expected / 2] = x[i][expected];
                    }
                    assertEquals(expected / 2, fresh.argmax(x, c), what + " tie");
                    eft.combine(x, c, out);
                    assertEquals(expected / 2, firstMax(out, n), what + " tie");
                }
                // argmax leaves the rows for componentLogProb, as combine does
                for (int i = 0; i < size; i++) {
                    assertEquals(eft.componentLogProb(i, n - 1), fresh.componentLogProb(i, n - 1), what);
                }
            }
        }
    }

    @Test
    void argmaxRejectsWhatCombineRejectsAndKeepsTheLastState() {
        int n = 64;
        EFTCombiner eft = EFTCombiner.create(EFTSpec.upscale(), n);
        float[][] x = {Reference.logits(n, 1), Reference.logits(n, 2), Reference.logits(n, 3)};
        float[] c = eft.spec().coefficients();
        int token = eft.argmax(x, c);
        float before = eft.componentLogProb(1, token);
        assertEquals(Reference.logSoftmax(x[1], n)[token], before, 1e-5);
        float[][] bad = {Reference.logits(n, 4), Reference.logits(n, 5), Reference.logits(n, 6)};
        bad[2][9] = Float.NaN;
        assertMessage(() -> eft.argmax(bad, c), "NaN logit in component 2 ('small-base')");
        bad[2][9] = Float.POSITIVE_INFINITY;
        assertMessage(() -> eft.argmax(bad, c), "+inf logit in component 2");
        bad[2][9] = 0f;
        assertMessage(() -> eft.argmax(bad, new float[] {1f, 1f, -1e38f}), "combined score overflowed to +inf");
        assertMessage(() -> eft.combine(bad, new float[] {1f, 1f, -1e38f}, new float[n]), "combined score overflowed to +inf");
        Arrays.fill(bad[1], Float.NEGATIVE_INFINITY);
        assertMessage(() -> eft.argmax(bad, c), "every token is masked (-inf) in component 1 ('small-ft')");
        float[][] each = {Reference.logits(n, 1), Reference.logits(n, 2), Reference.logits(n, 3)};
        for (int j = 0; j < n; j++) {
            each[j % 3][j] = Float.NEGATIVE_INFINITY;
        }
        assertMessage(() -> eft.argmax(each, c), "every token is masked (-inf) after combining");
        assertMessage(() -> eft.argmax(x, new float[] {0f, 0f, 0f}), "every coefficient is 0");
        assertMessage(() -> eft.argmax(x, new float[] {1f, Float.NaN, -1f}), "coefficient 1 ('small-ft') must be finite, got NaN");
        assertMessage(() -> eft.argmax(new float[][] {x[0], x[1]}, c), "expected 3 logit rows");
        assertMessage(() -> eft.argmax(x, new float[] {1f}), "expected 3 coefficients");
        assertMessage(() -> eft.argmax(new float[][] {x[0], new float[n - 1], x[2]}, c), "has 63 entries");
        assertMessage(() -> eft.argmax(null, c), "logits and coefficients must not be null");
        assertEquals(before, eft.componentLogProb(1, token));
        // a masked token never wins, whatever the sign of its coefficient
        float[][] m = {Reference.logits(n, 1), Reference.logits(n, 2), Reference.logits(n, 3)};
        int top = eft.argmax(m, c);
        m[2][top] = Float.NEGATIVE_INFINITY;                // c = -1: IEEE would make it +inf
        int next = eft.argmax(m, c);
        assertTrue(next != top);
        assertThrows(IllegalStateException.class, () -> EFTCombiner.create(EFTSpec.upscale(), n).componentLogProb(0, 0));
    }

    @Test
    void componentLogProbsAreComputedOncePerStepAndFollowTheLastCall() {
        int n = 500;
        EFTCombiner eft = EFTCombiner.create(EFTSpec.upscale(), n);
        float[][] x = {Reference.logits(n, 1), Reference.logits(n, 2), Reference.logits(n, 3)};
        float[][] y = {Reference.logits(n, 4), Reference.logits(n, 5), Reference.logits(n, 6)};
        float[] out = new float[n];
        eft.combine(x, eft.spec().coefficients(), out);
        eft.combine(y, eft.spec().coefficients(), out);      // the lazily computed normalizers follow y
        for (int i = 0; i < 3; i++) {
            double[] lp = Reference.logSoftmax(y[i], n);
            for (int t : new int[] {0, 17, n - 1}) {
                assertEquals(lp[t], eft.componentLogProb(i, t), 1e-5 * Math.max(1, Math.abs(lp[t])));
            }
        }
        eft.argmax(x, eft.spec().coefficients());
        double[] lp = Reference.logSoftmax(x[2], n);
        assertEquals(lp[3], eft.componentLogProb(2, 3), 1e-5 * Math.max(1, Math.abs(lp[3])));
    }

    @Test
    void vocabularyAlignmentCutsPaddingAndRejectsMismatch() {
        assertEquals(32000, VocabAlignment.sharedVocabSize(32000, 32000, 32001, 32000));
        assertEquals(151936, VocabAlignment.sharedVocabSize(151936, 151936, 152064));
        assertEquals(32000, VocabAlignment.inferSharedVocabSize(32001, 32000, 32064));
        assertMessage(() -> VocabAlignment.sharedVocabSize(32064, 32000, 32064), "32000 != 32064");
        assertMessage(() -> VocabAlignment.sharedVocabSize(32000, 32000, 50304), "50304 != 32000");
        assertMessage(() -> VocabAlignment.inferSharedVocabSize(32000, 128256), "128256 != 32000");
        assertMessage(() -> VocabAlignment.sharedVocabSize(0, 1), "declared vocabulary size must be >= 1, got 0");
        assertMessage(() -> VocabAlignment.sharedVocabSize(10), "at least one component");
    }

    @Test
    void anchorOnlyConservativeFilterKeepsTokensMaskedByAnotherComponentMasked() {
        EFTSpec spec = EFTSpec.upscale().withConservativeFilter(
                new EFTSpec.ConservativeFilter(EFTSpec.SMALL_FT, 0.5, EFTSpec.ConservativeMode.ANCHOR_ONLY));
        EFTCombiner c = EFTCombiner.create(spec, 4);
        float[] largeBase = {0f, 0f, 0f, Float.NEGATIVE_INFINITY};   // masks token 3
        float[] smallFt = {5f, 0f, 0f, 1f};                           // nucleus(0.5) = {0}
        float[] smallBase = {0f, 0f, 0f, 0f};
        float[] out = new float[4];
        c.combine(new float[][] {largeBase, smallFt, smallBase}, spec.coefficients(), out);
        assertEquals(Float.NEGATIVE_INFINITY, out[3], "a masked token must stay masked outside the nucleus");
        double sum = 0;
        for (float x : out) {
            sum += Math.exp(x);
        }
        assertEquals(1.0, sum, 1e-6);
        // unmasked tokens outside the nucleus keep the anchor's own log-probability, before renormalizing
        assertEquals(out[1], out[2]);
    }
}
