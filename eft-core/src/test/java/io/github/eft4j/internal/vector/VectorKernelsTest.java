package io.github.eft4j.internal.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every kernel of both implementations against float64 references, over odd sizes and real
 * vocabulary sizes. The Panama cases are skipped (with the reason) in a JVM without
 * {@code jdk.incubator.vector}, which the scalar-fallback surefire execution is.
 */
@Tag("kernels")
class VectorKernelsTest {

    static VectorKernels impl(String name) {
        if (name.equals("scalar")) {
            return VectorizationProvider.scalar();
        }
        assumeTrue(VectorizationProvider.panama().isPresent(),
                () -> "Panama kernels unavailable in this JVM: " + VectorizationProvider.panamaUnavailableReason().orElse("?"));
        return VectorizationProvider.panama().orElseThrow();
    }

    static Stream<Arguments> implsAndSizes() {
        return Stream.of("scalar", "panama").flatMap(k -> Arrays.stream(Reference.SIZES).mapToObj(n -> Arguments.of(k, n)));
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("implsAndSizes")
    void maxAndArgmaxMatchReference(String name, int n) {
        VectorKernels k = impl(name);
        float[] x = Reference.logits(n, 11 + n);
        float expected = Float.NEGATIVE_INFINITY;
        int arg = -1;
        for (int j = 0; j < n; j++) {
            if (x[j] > expected) {
                expected = x[j];
                arg = j;
            }
        }
        assertEquals(expected, k.max(x, n));
        assertEquals(arg, k.argmax(x, n));
        // a tie later in the row must not move the argmax; an equal value earlier must
        x[n - 1] = expected;
        assertEquals(arg, k.argmax(x, n));
        x[0] = expected;
        assertEquals(0, k.argmax(x, n));
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("implsAndSizes")
    void logSumExpMatchesFloat64(String name, int n) {
        VectorKernels k = impl(name);
        float[] x = Reference.logits(n, 23 + n);
        double ref = Reference.logSumExp(x, n);
        assertEquals(ref, k.logSumExp(x, n), Reference.tol(n, ref));
        float[] masked = Reference.mask(x.clone(), 0.3, 5);
        double refMasked = Reference.logSumExp(masked, n);
        assertEquals(refMasked, k.logSumExp(masked, n), Reference.tol(n, refMasked));
    }

    /** Rows of the fused-pass tests: model-like, one with masked tokens, one far from zero. */
    static float[][] fusedRows(int n, int count) {
        float[][] x = new float[count][];
        for (int i = 0; i < count; i++) {
            x[i] = Reference.logits(n, 100 * i + n);
        }
        if (count > 1) {
            Reference.mask(x[1], 0.05, 9);
        }
        if (count > 2) {
            for (int j = 0; j < n; j++) {
                x[2][j] -= 40f;
            }
        }
        return x;
    }

    static Stream<Arguments> implsSizesAndCounts() {
        // 1-4 take the specialized loops, 5 the generic one
        return implsAndSizes().flatMap(a -> Stream.of(1, 2, 3, 4, 5).map(k -> Arguments.of(a.get()[0], a.get()[1], k)));
    }

    /** The bias the combiner passes: −c·k for a shift k near the row's maximum. */
    static float[] biases(float[][] x, float[] c, int count, int n, float below) {
        float[] b = new float[count];
        for (int i = 0; i < count; i++) {
            b[i] = -c[i] * (Reference.max(x[i], n) - below);
        }
        return b;
    }

    @ParameterizedTest(name = "{0} n={1} k={2}")
    @MethodSource("implsSizesAndCounts")
    void weightedSumAndItsArgmaxMatchFloat64(String name, int n, int count) {
        VectorKernels k = impl(name);
        float[][] x = fusedRows(n, count);
        float[] c = new float[count];
        double[] cd = new double[count];
        for (int i = 0; i < count; i++) {
            c[i] = i % 2 == 0 ? 1f + 0.25f * i : -0.5f - 0.25f * i;
            cd[i] = c[i];
        }
        float[] bias = biases(x, c, count, n, 3.5f);
        double[] bd = new double[count];
        for (int i = 0; i < count; i++) {
            bd[i] = bias[i];
        }
        float[] out = new float[n];
        float[] stats = new float[count + 2];
        k.weightedSum(x, c, bias, count, out, n, stats);
        double[] ref = Reference.weightedSum(x, cd, bd, count, n);
        for (int j = 0; j < n; j++) {
            if (ref[j] == Double.NEGATIVE_INFINITY) {
                assertEquals(Float.NEGATIVE_INFINITY, out[j], "masked token " + j);
            } else {
                // one rounding per term and per addition, each relative to the term |c_i·x_i + b_i|
                double scale = 0;
                for (int i = 0; i < count; i++) {
                    scale += Math.abs(cd[i] * x[i][j] + bd[i]);
                }
                assertEquals(ref[j], out[j], 4e-7 * scale + 1e-30, "token " + j);
            }
        }
        double checksum = 0;
        for (int i = 0; i < count; i++) {
            assertEquals(Reference.max(x[i], n), stats[i], "maximum of row " + i);
            for (int j = 0; j < n; j++) {
                checksum += x[i][j];
            }
        }
        assertEquals(Reference.max(out, n), stats[count], "maximum of the scores");
        // the checksum is -inf where a row has masked tokens, else about the sum
        if (checksum == Double.NEGATIVE_INFINITY) {
            assertEquals(Float.NEGATIVE_INFINITY, stats[count + 1]);
        } else {
            assertEquals(checksum, stats[count + 1], 1e-4 * Math.abs(checksum) + 1);
        }
        float[] argStats = new float[count + 2];
        int arg = k.argmaxWeightedSum(x, c, bias, count, n, argStats);
        assertEquals(firstIndex(out, stats[count]), arg, "argmax of the stored scores");
        for (int i = 0; i <= count; i++) {
            assertEquals(stats[i], argStats[i], "statistic " + i);
        }
        assertEquals(Float.isFinite(stats[count + 1]), Float.isFinite(argStats[count + 1]));
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("implsAndSizes")
    void argmaxOfWeightedSumTakesTheLowestIdOnTies(String name, int n) {
        VectorKernels k = impl(name);
        for (int count = 1; count <= 5; count++) {
            float[][] x = fusedRows(n, count);
            float[] c = new float[count];
            for (int i = 0; i < count; i++) {
                c[i] = i == 0 ? 1f : (i % 2 == 0 ? 0.5f : -0.5f);
            }
            float[] bias = biases(x, c, count, n, 0f);
            float[] out = new float[n];
            float[] stats = new float[count + 2];
            // copy the winner's column to later positions (other lanes and blocks, the tail): ties
            int win = k.argmaxWeightedSum(x, c, bias, count, n, stats);
            for (int p : new int[] {win + 1, win + 17, win + 600, n - 1}) {
                if (p > win && p < n) {
                    for (int i = 0; i < count; i++) {
                        x[i][p] = x[i][win];
                    }
                }
            }
            assertEquals(win, k.argmaxWeightedSum(x, c, bias, count, n, stats), "count " + count);
            // and to earlier ones (in an earlier block, in the same block): the earliest wins now
            for (int p : new int[] {win - 1, win / 2, win - 700}) {
                if (p >= 0 && p < win) {
                    for (int i = 0; i < count; i++) {
                        x[i][p] = x[i][win];
                    }
                    assertEquals(p, k.argmaxWeightedSum(x, c, bias, count, n, stats), "count " + count + " p " + p);
                    k.weightedSum(x, c, bias, count, out, n, stats);
                    assertEquals(p, firstIndex(out, stats[count]));
                    win = p;
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"scalar", "panama"})
    void weightedSumFollowsTheMaskingRuleAndNeverMakesNaN(String name) {
        VectorKernels k = impl(name);
        for (int n : new int[] {5, 67, 1000}) {
            for (int count = 1; count <= 5; count++) {
                float[][] x = new float[count][];
                float[] c = new float[count];
                for (int i = 0; i < count; i++) {
                    x[i] = Reference.logits(n, i + 1);
                    c[i] = i % 2 == 0 ? 1f : -1f;
                }
                float[] bias = biases(x, c, count, n, 0f);
                int last = count - 1;
                x[last][1] = Float.NEGATIVE_INFINITY;                 // masked in one component (c = -1 when count is even)
                x[0][3] = Float.NEGATIVE_INFINITY;                    // masked in a c = +1 component and ...
                x[last][3] = Float.NEGATIVE_INFINITY;                 // ... in another: -inf + inf would be NaN
                x[0][n - 1] = Float.NEGATIVE_INFINITY;                // in the scalar tail
                float[] out = new float[n];
                float[] stats = new float[count + 2];
                k.weightedSum(x, c, bias, count, out, n, stats);
                for (int j = 0; j < n; j++) {
                    boolean masked = j == 1 || j == 3 || j == n - 1;
                    assertEquals(masked, out[j] == Float.NEGATIVE_INFINITY, "n=" + n + " count=" + count + " token " + j);
                    assertTrue(!Float.isNaN(out[j]) && out[j] != Float.POSITIVE_INFINITY, "n=" + n + " count=" + count);
                }
                assertEquals(Float.NEGATIVE_INFINITY, stats[count + 1], "checksum of rows with masked tokens");
                // a masked token is never the argmax, even where c·(−inf) would be +inf
                int arg = k.argmaxWeightedSum(x, c, bias, count, n, stats);
                assertTrue(arg != 1 && arg != 3 && arg != n - 1, "argmax " + arg);
                // every token masked: the maximum says so
                for (int j = 0; j < n; j++) {
                    x[j % count][j] = Float.NEGATIVE_INFINITY;
                }
                k.weightedSum(x, c, bias, count, out, n, stats);
                assertEquals(Float.NEGATIVE_INFINITY, stats[count]);
                k.argmaxWeightedSum(x, c, bias, count, n, stats);
                assertEquals(Float.NEGATIVE_INFINITY, stats[count]);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"scalar", "panama"})
    void weightedSumChecksumShowsNaNAndInfiniteEntries(String name) {
        VectorKernels k = impl(name);
        for (int n : new int[] {1, 17, 100, 1000}) {
            for (int count = 1; count <= 5; count++) {
                for (int pos : new int[] {0, n / 2, n - 1}) {
                    float[][] x = fusedRows(n, count);
                    float[] c = new float[count];
                    Arrays.fill(c, 1f);
                    float[] bias = new float[count];
                    int bad = count / 2;
                    x[bad][pos] = Float.NaN;
                    if (count > 1) {
                        x[(bad + 1) % count][pos] = Float.NEGATIVE_INFINITY;   // a mask must not hide the NaN
                    }
                    float[] stats = new float[count + 2];
                    String what = name + " n=" + n + " count=" + count + " pos=" + pos;
                    k.weightedSum(x, c, bias, count, new float[n], n, stats);
                    assertTrue(Float.isNaN(stats[count + 1]), what);
                    k.argmaxWeightedSum(x, c, bias, count, n, stats);
                    assertTrue(Float.isNaN(stats[count + 1]), what + " argmax");
                    x[bad][pos] = Float.POSITIVE_INFINITY;
                    k.argmaxWeightedSum(x, c, bias, count, n, stats);
                    assertEquals(Float.POSITIVE_INFINITY, stats[bad], what);
                    assertTrue(Float.isNaN(stats[count + 1]) || stats[count + 1] == Float.POSITIVE_INFINITY, what);
                    k.weightedSum(x, c, bias, count, new float[n], n, stats);
                    assertEquals(Float.POSITIVE_INFINITY, stats[bad], what);
                }
            }
        }
    }

    @Test
    void bothImplementationsComputeTheSameFusedScores() {
        assumeTrue(VectorizationProvider.panama().isPresent(), "Panama kernels unavailable in this JVM");
        VectorKernels s = VectorizationProvider.scalar();
        VectorKernels p = VectorizationProvider.panama().orElseThrow();
        int n = 128256;
        for (int count = 1; count <= 5; count++) {
            float[][] x = fusedRows(n, count);
            float[] c = {1f, 1.5f, -1.5f, 0.3f, -0.7f};
            float[] bias = {-9f, -12f, -45f, -3.3f, 4.9f};
            float[] a = new float[n];
            float[] b = new float[n];
            float[] sa = new float[count + 2];
            float[] sb = new float[count + 2];
            s.weightedSum(x, c, bias, count, a, n, sa);
            p.weightedSum(x, c, bias, count, b, n, sb);
            // the same fma chain in the same order: bit for bit
            assertArrayEquals(a, b, "count " + count);
            assertArrayEquals(Arrays.copyOf(sa, count + 1), Arrays.copyOf(sb, count + 1));
            assertEquals(s.argmaxWeightedSum(x, c, bias, count, n, sa), p.argmaxWeightedSum(x, c, bias, count, n, sb));
        }
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("implsAndSizes")
    void elementwiseKernelsAreExact(String name, int n) {
        VectorKernels k = impl(name);
        float[] x = Reference.mask(Reference.logits(n, 31 + n), 0.1, 3);
        float[] y = x.clone();
        k.add(y, n, -2.5f);
        float[] z = new float[n];
        k.addInto(x, -2.5f, z, n);
        float[] s = x.clone();
        k.scale(s, n, 0.7f);
        float[] m = x.clone();
        k.maskBelow(m, n, 3f);
        float[] e = new float[n];
        k.expInto(x, 9f, e, n);
        float[] src = Reference.logits(n, 77 + n);
        float[] r = x.clone();
        k.replaceUnmasked(src, -1.5f, r, n);
        for (int j = 0; j < n; j++) {
            assertEquals(x[j] + -2.5f, y[j]);
            assertEquals(x[j] + -2.5f, z[j]);
            assertEquals(x[j] * 0.7f, s[j]);
            assertEquals(x[j] < 3f ? Float.NEGATIVE_INFINITY : x[j], m[j]);
            assertEquals(x[j] == Float.NEGATIVE_INFINITY ? Float.NEGATIVE_INFINITY : src[j] + -1.5f, r[j]);
            double ref = Math.exp((double) x[j] - 9.0);
            assertEquals(ref, e[j], 2e-6 * ref, "exp at " + j);
        }
        assertEquals(firstIndex(x, x[n - 1]), k.indexOf(x, n, x[n - 1]));
        assertEquals(-1, k.indexOf(x, n, 1e30f));
    }

    private static int firstIndex(float[] x, float v) {
        for (int j = 0; j < x.length; j++) {
            if (x[j] == v) {
                return j;
            }
        }
        return -1;
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("implsAndSizes")
    void inverseCdfMatchesFloat64Cdf(String name, int n) {
        VectorKernels k = impl(name);
        float[] lp = Reference.mask(Reference.logits(n, 41 + n), 0.2, 4);
        k.logSoftmaxInPlace(lp, n);
        double[] cdf = new double[n];
        double acc = 0;
        for (int j = 0; j < n; j++) {
            acc += Math.exp(lp[j]);
            cdf[j] = acc;
        }
        SplittableRandom r = new SplittableRandom(n);
        double slack = Reference.tol(n, 1) + 1e-6;
        for (int t = 0; t < 50; t++) {
            float u = r.nextFloat();
            int j = k.inverseCdf(lp, n, u);
            if (j < 0) {
                assertTrue(cdf[n - 1] <= u + slack, "no index although the float64 total " + cdf[n - 1] + " > u=" + u);
                continue;
            }
            assertTrue(lp[j] != Float.NEGATIVE_INFINITY, "picked a masked token");
            assertTrue(cdf[j] > u - slack, "cdf[" + j + "]=" + cdf[j] + " <= u=" + u);
            int jj = j;
            assertTrue(j == 0 || cdf[j - 1] <= u + slack, () -> "cdf[" + (jj - 1) + "]=" + cdf[jj - 1] + " > u=" + u);
        }
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("implsAndSizes")
    void kthLargestMatchesSort(String name, int n) {
        VectorKernels k = impl(name);
        float[] x = Reference.logits(n, 51 + n);
        if (n > 10) {
            Reference.mask(x, 0.3, 8);          // many equal -inf values
            x[1] = x[2];                        // a tie
        }
        float[] sorted = x.clone();
        Arrays.sort(sorted);
        float[] scratch = new float[n];
        // small k takes the block-maxima pre-pass, large k the full copy
        for (int kk : new int[] {1, Math.min(2, n), Math.min(50, n), Math.max(1, n / 64), Math.max(1, n / 3), n}) {
            assertEquals(sorted[n - kk], Selection.kthLargest(k, x, n, kk, scratch), "k=" + kk);
        }
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("implsAndSizes")
    void nucleusMatchesFloat64Sort(String name, int n) {
        VectorKernels k = impl(name);
        float[] probs = new float[n];
        float[] x = Reference.mask(Reference.logits(n, 61 + n), 0.1, 6);
        float lse = (float) Reference.logSumExp(x, n);
        long[] keys = new long[n];
        for (float p : new float[] {0.05f, 0.5f, 0.9f, 0.99f, 1f}) {
            int size = Selection.nucleus(k, x, n, lse, p, probs, keys);
            double[] before = Reference.massBefore(Reference.toDouble(x, n));
            boolean[] got = new boolean[n];
            for (int t = 0; t < size; t++) {
                got[Selection.tokenOf(keys[t])] = true;
            }
            for (int j = 0; j < n; j++) {
                boolean ref = x[j] != Float.NEGATIVE_INFINITY && before[j] < p;
                // float32 probabilities may move the boundary token when the float64 mass before
                // it is within rounding of p
                if (ref != got[j]) {
                    assertEquals(p, before[j], 1e-5, "token " + j + " (p=" + p + ", n=" + n + ") differs away from the boundary");
                }
            }
        }
    }

    @Test
    void nucleusOfANearUniformRowWithTinyTopPKeepsTheTopToken() {
        // p < 1/n on a uniform row: llama2.c's plain cut would drop every token
        for (int n : new int[] {2, 3, 10}) {
            float[] x = new float[n];
            long[] keys = new long[n];
            int size = Selection.nucleus(VectorizationProvider.scalar(), x, n, (float) Math.log(n), 0.01f, new float[n], keys);
            assertEquals(1, size, "n=" + n);
            assertEquals(0, Selection.tokenOf(keys[0]), "lowest id wins the tie");
        }
    }

    @Test
    void nucleusBreaksTiesByLowerId() {
        float[] x = {0f, 1f, 1f, 1f, 0f};
        long[] keys = new long[5];
        float lse = (float) Reference.logSumExp(x, 5);
        int size = Selection.nucleus(VectorizationProvider.scalar(), x, 5, lse, 0.5f, new float[5], keys);
        int[] got = Arrays.stream(keys, 0, size).mapToInt(Selection::tokenOf).sorted().toArray();
        // three equal tokens of p=0.30 each: two are needed to reach 0.5, the lower ids win
        assertEquals("[1, 2]", Arrays.toString(got));
    }

    @Test
    void bothImplementationsAgreeOnRealVocabulary() {
        assumeTrue(VectorizationProvider.panama().isPresent(), "Panama kernels unavailable in this JVM");
        VectorKernels s = VectorizationProvider.scalar();
        VectorKernels p = VectorizationProvider.panama().orElseThrow();
        int n = 128256;
        float[] x = Reference.logits(n, 99);
        assertEquals(s.max(x, n), p.max(x, n));
        for (int[] r : new int[][] {{0, 1}, {3, 70}, {17, 5000}, {n - 65, n}, {1000, 1000 + 64 * 4}}) {
            float expected = Float.NEGATIVE_INFINITY;
            for (int j = r[0]; j < r[1]; j++) {
                expected = Math.max(expected, x[j]);
            }
            assertEquals(expected, s.max(x, r[0], r[1]), Arrays.toString(r));
            assertEquals(expected, p.max(x, r[0], r[1]), Arrays.toString(r));
        }
        assertEquals(s.argmax(x, n), p.argmax(x, n));
        assertEquals(s.logSumExp(x, n), p.logSumExp(x, n), Reference.tol(n, s.logSumExp(x, n)));
    }

    @Test
    void providerChoosesAndNamesTheFlag() {
        VectorKernels chosen = VectorizationProvider.kernels();
        if (VectorizationProvider.panama().isPresent()) {
            assertTrue(chosen.name().startsWith("panama"), chosen.name());
        } else {
            assertEquals("scalar", chosen.name());
            String reason = VectorizationProvider.panamaUnavailableReason().orElseThrow();
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                assertTrue(reason.contains("jdk.incubator.vector"), reason);
                assertEquals("--add-modules jdk.incubator.vector", VectorizationProvider.FLAG);
            }
        }
        assertEquals("scalar", VectorizationProvider.choose("scalar").name());
        assertEquals(VectorizationProvider.kernels().name(), VectorizationProvider.choose("bogus").name());
        // forcing panama where it is unavailable warns and falls back instead of failing the application
        assertEquals(VectorizationProvider.panama().map(VectorKernels::name).orElse("scalar"),
                VectorizationProvider.choose("panama").name());
    }

    @Test
    void nanPropagatesThroughMaxInBothImplementations() {
        for (String name : new String[] {"scalar", "panama"}) {
            if (name.equals("panama") && VectorizationProvider.panama().isEmpty()) {
                continue;
            }
            VectorKernels k = impl(name);
            for (int n : new int[] {1, 17, 100, 1000}) {
                for (int pos : new int[] {0, n / 2, n - 1}) {
                    float[] x = Reference.logits(n, pos);
                    x[pos] = Float.NaN;
                    assertTrue(Float.isNaN(k.max(x, n)), name + " n=" + n + " pos=" + pos);
                }
            }
        }
    }
}
