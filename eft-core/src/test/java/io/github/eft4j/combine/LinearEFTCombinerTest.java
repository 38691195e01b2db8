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
        assertMessage(() -> eft.combine(other, eft.spec().coefficients(), out), "NaN logit in component 0");
        assertMessage(() -> eft.combine(x, new float[] {0f, 0f, 0f}, out), "every coefficient is 0");
        assertMessage(() -> eft.componentLogProb(3, 0), "component 3 out of range [0, 3)");
        assertMessage(() -> eft.componentLogProb(0, 64), "token 64 out of range [0, 64)");

        assertEquals(before, eft.componentLogProb(1, 5));
        assertArrayEquals(outBefore, out);
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
