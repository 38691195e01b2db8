package io.github.eft4j.internal.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Panama exponential gives the same bits interpreted and C2-compiled: it must equal, bit
 * for bit, a scalar model of the same operations before and after the kernel is warmed up.
 * {@code lanewise(EXP)} failed this (SVML once compiled: ~1% of lanes 1 ulp off), which made
 * seeded generation depend on JIT warm-up and the exact-equality decoder tests flaky.
 */
@Tag("kernels")
class PanamaExpDeterminismTest {
    // Also sumExp, whose lane sum used reduceLanes(ADD): about half of all sums of a row
    // differed in the last bit between interpreted and compiled code.

    /**
     * The operations of the Panama exp (the EXP recipe in {@link PanamaKernels}, written out in
     * sumExp, expInto and inverseCdf), one lane at a time (lanewise ops are IEEE).
     */
    static float model(float x) {
        float c = Math.min(Math.max(x, PanamaKernels.EXP_LO), PanamaKernels.EXP_HI);
        float t = Math.fma(c, PanamaKernels.LOG2E, PanamaKernels.ROUND);
        float n = t - PanamaKernels.ROUND;
        float r = Math.fma(n, -PanamaKernels.LN2_HI, c);
        r = Math.fma(n, -PanamaKernels.LN2_LO, r);
        float p = Math.fma(r, PanamaKernels.P0, PanamaKernels.P1);
        p = Math.fma(p, r, PanamaKernels.P2);
        p = Math.fma(p, r, PanamaKernels.P3);
        p = Math.fma(p, r, PanamaKernels.P4);
        p = Math.fma(p, r, PanamaKernels.P5);
        float y = Math.fma(p, r * r, r) + 1f;
        int ni = Float.floatToRawIntBits(t) - Float.floatToRawIntBits(PanamaKernels.ROUND);
        int n1 = ni >> 1;
        int n2 = ni - n1;
        return y * Float.intBitsToFloat((n1 + 127) << 23) * Float.intBitsToFloat((n2 + 127) << 23);
    }

    /** The order of {@link PanamaKernels#sumExp}: lanes over blocks of 64 vectors, a rotation tree, the tail. */
    static float sumExpModel(float[] x, int n, float shift, int lanes) {
        float[] total = new float[lanes];
        int bound = n - n % lanes;
        int j = 0;
        if (n >= lanes) {
            while (j < bound) {
                float[] s0 = new float[lanes];
                for (int end = Math.min(bound, j + 64 * lanes); j < end; j += lanes) {
                    for (int l = 0; l < lanes; l++) {
                        s0[l] += model(x[j + l] - shift);
                    }
                }
                for (int l = 0; l < lanes; l++) {
                    total[l] += s0[l];
                }
            }
        }
        float s = 0;
        if (n >= lanes) {
            for (int h = lanes / 2; h >= 1; h /= 2) {
                float[] v = total.clone();
                for (int l = 0; l < lanes; l++) {
                    total[l] = v[l] + v[(l + h) % lanes];
                }
            }
            s = total[0];
        }
        for (; j < n; j++) {
            s += (float) Math.exp(x[j] - shift);
        }
        return s;
    }

    /** The order of {@link PanamaKernels#inverseCdf}: per vector a rotation-tree block sum, the crossing block rescanned. */
    static int inverseCdfModel(float[] lp, int n, float u, int lanes) {
        float cdf = 0;
        int j = 0;
        for (int bound = n - n % lanes; j < bound; j += lanes) {
            float[] e = new float[lanes];
            for (int l = 0; l < lanes; l++) {
                e[l] = model(lp[j + l]);
            }
            for (int h = lanes / 2; h >= 1; h /= 2) {
                float[] v = e.clone();
                for (int l = 0; l < lanes; l++) {
                    e[l] = v[l] + v[(l + h) % lanes];
                }
            }
            if (cdf + e[0] > u) {
                for (int k = j; k < j + lanes; k++) {
                    cdf += (float) Math.exp(lp[k]);
                    if (cdf > u) {
                        return k;
                    }
                }
            } else {
                cdf += e[0];
            }
        }
        for (; j < n; j++) {
            cdf += (float) Math.exp(lp[j]);
            if (cdf > u) {
                return j;
            }
        }
        return -1;
    }

    private static float[] inputs(int n) {
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[n];
        float[] special = {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN, 0f, -0f, PanamaKernels.EXP_LO,
            PanamaKernels.EXP_HI, Math.nextUp(PanamaKernels.EXP_HI), Math.nextDown(PanamaKernels.EXP_LO), -103.97f, -103.98f,
            -87.5f, -100f, 88.5f,
            -1e-8f, 1e-8f, -0.34657359f, 0.34657359f};
        for (int i = 0; i < n; i++) {
            x[i] = i < special.length ? special[i] : i % 3 == 0 ? (float) (r.nextDouble() * 210 - 110) : (float) (r.nextDouble() * -20);
        }
        return x;
    }

    private static void check(VectorKernels k, float[] x, float[] out) {
        int lanes = PanamaKernels.vectorBitSize() / Float.SIZE;
        float[] row = new float[1000];
        for (int n : new int[] {lanes, 100, 1000}) {
            for (int i = 0; i < n; i++) {
                row[i] = Math.max(-30f, x[i + 16]);
            }
            assertEquals(sumExpModel(row, n, 1.5f, lanes), k.sumExp(row, n, 1.5f), 0f, "sumExp of " + n);
        }
        float[] lp = new float[1000];
        for (int i = 0; i < lp.length; i++) {
            lp[i] = Math.max(-30f, x[i + 16]) / 4;
        }
        k.logSoftmaxInPlace(lp, lp.length);
        for (float u : new float[] {0f, 0.1f, 0.37f, 0.5f, 0.9f, 0.999f}) {
            assertEquals(inverseCdfModel(lp, lp.length, u, lanes), k.inverseCdf(lp, lp.length, u), "inverseCdf at " + u);
        }
        k.expInto(x, 0f, out, x.length);
        for (int i = 0; i < x.length; i++) {
            float want = model(x[i]);
            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(out[i]), "exp(" + x[i] + "): " + want + " != " + out[i]);
            double exact = Math.exp(x[i]);
            if (Float.isInfinite((float) exact)) {
                assertEquals(Float.POSITIVE_INFINITY, out[i], "exp(" + x[i] + ") overflows float");
            } else if (Double.isFinite(exact) && exact > Float.MIN_NORMAL) {
                assertEquals(exact, out[i], 3e-7 * exact, "accuracy of exp(" + x[i] + ")");
            } else if (!Double.isNaN(exact)) {
                assertEquals(exact, out[i], exact == Double.POSITIVE_INFINITY ? 0 : 2 * Float.MIN_VALUE, "exp(" + x[i] + ")");
            }
        }
    }

    @Test
    void panamaExpIsBitIdenticalBeforeAndAfterJitWarmUp() {
        // three written-out copies of the recipe (sumExp, expInto, inverseCdf): each checked
        assumeTrue(VectorizationProvider.panama().isPresent(), "Panama kernels unavailable in this JVM");
        VectorKernels k = VectorizationProvider.panama().orElseThrow();
        float[] x = inputs(4096);   // whole vectors: every lane goes through the vector exp
        float[] out = new float[x.length];
        check(k, x, out);
        float[] small = new float[64];
        for (int it = 0; it < 60_000; it++) {   // enough calls for C2 to compile expInto and sumExp
            System.arraycopy(x, (it * 64) % x.length, small, 0, 64);
            k.expInto(small, 0f, out, 64);
            k.sumExp(out, 64, 0f);
            k.inverseCdf(small, 64, 0.5f);
        }
        check(k, x, out);
    }
}
