package io.github.eft4j.examples.bench;

import io.github.eft4j.internal.vector.VectorKernels;
import io.github.eft4j.internal.vector.VectorizationProvider;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The linear combiner's algorithm before it computed by the algebra (eft4j up to commit
 * {@code 8c75d07}), kept for {@link CombineBenchmark} only, as its baseline: per component a max
 * pass and an exp pass (its log-sum-exp), then the fused pass {@code Σ c_i·(x_i − lse_i)} with its
 * maximum, an exp pass over the result and a shift. Same kernels as then (the fused pass is that
 * version's, in both flavours), the same value checks; no conservative filter, no argument checks
 * and no state for component log-probs (those cost nothing measurable).
 */
final class LegacyCombine {
    private final VectorKernels kernels = VectorizationProvider.kernels();
    private final boolean panama = kernels.name().startsWith("panama");
    private final float[] lse;

    LegacyCombine(int count) {
        this.lse = new float[count];
    }

    /** Combines one step into {@code out[0, n)}, as {@code EFTCombiner.combine} did. */
    void combine(float[][] logits, float[] coefficients, float[] out, int n) {
        int count = lse.length;
        for (int i = 0; i < count; i++) {
            float m = kernels.max(logits[i], n);
            if (Float.isNaN(m) || m == Float.POSITIVE_INFINITY || m == Float.NEGATIVE_INFINITY) {
                throw new IllegalArgumentException("component " + i + " has max " + m);
            }
            lse[i] = m + (float) Math.log(kernels.sumExp(logits[i], n, m));
        }
        float m = panama ? Panama.combine(logits, coefficients, lse, count, out, n)
                : scalarCombine(logits, coefficients, lse, count, out, n);
        if (m == Float.POSITIVE_INFINITY || m == Float.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("combined maximum " + m);
        }
        kernels.add(out, n, -(m + (float) Math.log(kernels.sumExp(out, n, m))));
    }

    /** The old ScalarKernels.combine: out = Σ c_i·x_i − Σ c_i·lse_i, masked; returns max(out). */
    private static float scalarCombine(float[][] x, float[] c, float[] lse, int count, float[] out, int n) {
        float bias = 0;
        for (int i = 0; i < count; i++) {
            if (c[i] != 0) {
                bias -= c[i] * lse[i];
            }
        }
        float m = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            float acc = bias;
            boolean masked = false;
            for (int i = 0; i < count; i++) {
                float ci = c[i];
                if (ci != 0) {
                    float v = x[i][j];
                    masked |= v == Float.NEGATIVE_INFINITY;
                    acc += ci * v;
                }
            }
            acc = masked ? Float.NEGATIVE_INFINITY : acc;
            out[j] = acc;
            m = Math.max(m, acc);
        }
        return m;
    }

    /** The old PanamaKernels.combine; a nested class so that the scalar forks never load it. */
    private static final class Panama {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
        private static final int L = S.length();
        private static final float NEG_INF = Float.NEGATIVE_INFINITY;

        static float combine(float[][] x, float[] c, float[] lse, int count, float[] out, int n) {
            float bias = 0;
            for (int i = 0; i < count; i++) {
                if (c[i] != 0) {
                    bias -= c[i] * lse[i];
                }
            }
            int j = 0;
            FloatVector mv = FloatVector.broadcast(S, NEG_INF);
            for (int bound = S.loopBound(n); j < bound; j += L) {
                FloatVector acc = FloatVector.broadcast(S, bias);
                VectorMask<Float> masked = S.maskAll(false);
                for (int i = 0; i < count; i++) {
                    float ci = c[i];
                    if (ci != 0) {
                        FloatVector v = FloatVector.fromArray(S, x[i], j);
                        masked = masked.or(v.compare(VectorOperators.EQ, NEG_INF));
                        acc = v.fma(FloatVector.broadcast(S, ci), acc);
                    }
                }
                acc = acc.blend(NEG_INF, masked);
                acc.intoArray(out, j);
                mv = mv.max(acc);
            }
            float m = mv.reduceLanes(VectorOperators.MAX);
            for (; j < n; j++) {
                float acc = bias;
                boolean masked = false;
                for (int i = 0; i < count; i++) {
                    float ci = c[i];
                    if (ci != 0) {
                        float v = x[i][j];
                        masked |= v == NEG_INF;
                        acc = Math.fma(ci, v, acc);
                    }
                }
                acc = masked ? NEG_INF : acc;
                out[j] = acc;
                m = Math.max(m, acc);
            }
            return m;
        }
    }
}
