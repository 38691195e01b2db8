package io.github.eft4j.internal.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels on the preferred float species (16 lanes with AVX-512). Loaded by name only
 * after {@link VectorizationProvider} checked that {@code jdk.incubator.vector} is present; the
 * scalar path never touches this class. Each kernel runs a main loop of {@code 4×VLENGTH} with
 * four accumulators where it reduces (except {@link #sumExp}, see there), a single-vector loop up
 * to {@code loopBound}, and a scalar tail.
 *
 * <p>Exponentials use {@link #exp(FloatVector)}, built from IEEE add/mul/fma only, never
 * {@code lanewise(EXP)}: that one is an SVML intrinsic once C2 compiles the kernel and a Java
 * fallback before, and the two differ in the last bit for about 1% of lanes, so a seeded
 * generation would depend on JIT warm-up (traces, and rarely tokens). For the same reason float
 * sums of lanes use a fixed rotation tree, not {@code reduceLanes(ADD)}, whose order
 * differs between the two (half of all sums of a row differed in the last bit).
 */
public final class PanamaKernels implements VectorKernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    // exp: Cody-Waite reduction x = n·ln2 + r, |r| <= ln2/2, and the Cephes expf polynomial.
    // Clamping is enough at both ends: exp(EXP_LO) rounds to 0 and exp(EXP_HI) overflows to +inf.
    static final float EXP_HI = 88.72284f;      // just above ln(Float.MAX_VALUE)
    static final float EXP_LO = -104f;          // exp(-104) < Float.MIN_VALUE / 2
    static final float LOG2E = 1.44269504088896341f;
    static final float ROUND = 12582912f;       // 1.5·2^23: (v + ROUND) - ROUND rounds v to an integer
    static final float LN2_HI = 0.693359375f;   // few mantissa bits: n·LN2_HI is exact
    static final float LN2_LO = -2.12194440e-4f;
    static final float P0 = 1.9875691500e-4f;
    static final float P1 = 1.3981999507e-3f;
    static final float P2 = 8.3334519073e-3f;
    static final float P3 = 4.1665795894e-2f;
    static final float P4 = 1.6666665459e-1f;
    static final float P5 = 5.0000001201e-1f;

    // lane sums: rotations by half the lanes, then a quarter, ... (fixed order, exact lanewise adds)
    private static final VectorShuffle<Float> ROT8 = VectorShuffle.iota(S, 8 % L, 1, true);
    private static final VectorShuffle<Float> ROT4 = VectorShuffle.iota(S, 4 % L, 1, true);
    private static final VectorShuffle<Float> ROT2 = VectorShuffle.iota(S, 2 % L, 1, true);
    private static final VectorShuffle<Float> ROT1 = VectorShuffle.iota(S, 1 % L, 1, true);

    /** Creates the kernels; cheap, the class is stateless. */
    public PanamaKernels() {
    }

    /**
     * Returns the width of the species the kernels use.
     *
     * @return the vector size in bits
     */
    public static int vectorBitSize() {
        return S.vectorBitSize();
    }

    /**
     * {@code exp} of every lane, deterministic (see the class description): about 1 ulp from
     * {@link Math#exp}; {@code -inf} gives 0, {@code +inf} gives {@code +inf}, NaN stays NaN.
     * Scale {@code 2^n} is applied as two factors so results down to the subnormal range round
     * once.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(EXP_LO).min(EXP_HI);
        FloatVector t = c.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, ROUND));
        FloatVector n = t.sub(ROUND);                                  // round(c·log2 e), in [-150, 128]
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), c);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = r.fma(FloatVector.broadcast(S, P0), FloatVector.broadcast(S, P1));
        p = p.fma(r, FloatVector.broadcast(S, P2));
        p = p.fma(r, FloatVector.broadcast(S, P3));
        p = p.fma(r, FloatVector.broadcast(S, P4));
        p = p.fma(r, FloatVector.broadcast(S, P5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);                    // 1 + r + r²·P(r)
        IntVector ni = ((IntVector) t.viewAsIntegralLanes()).sub(Float.floatToRawIntBits(ROUND));
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);
        FloatVector s1 = (FloatVector) n1.add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
        FloatVector s2 = (FloatVector) n2.add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
        return y.mul(s1).mul(s2);
    }

    @Override
    public String name() {
        return "panama(" + S.vectorBitSize() + ")";
    }

    @Override
    public float max(float[] x, int from, int to) {
        int j = from;
        int n = to;
        float m = NEG_INF;
        if (to - from >= 4 * L) {
            FloatVector m0 = FloatVector.broadcast(S, NEG_INF), m1 = m0, m2 = m0, m3 = m0;
            for (int bound = n - 4 * L; j <= bound; j += 4 * L) {
                m0 = m0.max(FloatVector.fromArray(S, x, j));
                m1 = m1.max(FloatVector.fromArray(S, x, j + L));
                m2 = m2.max(FloatVector.fromArray(S, x, j + 2 * L));
                m3 = m3.max(FloatVector.fromArray(S, x, j + 3 * L));
            }
            for (int bound = from + S.loopBound(to - from); j < bound; j += L) {
                m0 = m0.max(FloatVector.fromArray(S, x, j));
            }
            m = m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX);
        }
        for (; j < n; j++) {
            m = Math.max(m, x[j]);
        }
        return m;
    }

    @Override
    public float sumExp(float[] x, int n, float shift) {
        int j = 0;
        float s = 0;
        if (n >= L) {
            // ONE exp call site: C2 inlines it (so the vectors stay unboxed); with the 4-way
            // unrolled loop it hit NodeCountInliningCutoff and allocated per call. Partial sums
            // over blocks of 64 vectors keep the rounding error of 128256 terms as low as the
            // four accumulators did.
            FloatVector total = FloatVector.zero(S);
            for (int bound = S.loopBound(n); j < bound; ) {
                FloatVector s0 = FloatVector.zero(S);
                for (int end = Math.min(bound, j + 64 * L); j < end; j += L) {
                    s0 = s0.add(exp(FloatVector.fromArray(S, x, j).sub(shift)));
                }
                total = total.add(s0);
            }
            // lane sum in a fixed order (see the class description), written out: a helper
            // taking the vector is not inlined here and would box it
            if (L > 16) {
                s = 0;
                for (int i = 0; i < L; i++) {
                    s += total.lane(i);
                }
            } else {
                if (L == 16) {
                    total = total.add(total.rearrange(ROT8));
                }
                if (L >= 8) {
                    total = total.add(total.rearrange(ROT4));
                }
                if (L >= 4) {
                    total = total.add(total.rearrange(ROT2));
                }
                if (L >= 2) {
                    total = total.add(total.rearrange(ROT1));
                }
                s = total.lane(0);
            }
        }
        for (; j < n; j++) {
            s += (float) Math.exp(x[j] - shift);
        }
        return s;
    }

    @Override
    public float combine(float[][] x, float[] c, float[] lse, int count, float[] out, int n) {
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

    @Override
    public void add(float[] x, int n, float delta) {
        addInto(x, delta, x, n);
    }

    @Override
    public void addInto(float[] src, float delta, float[] dst, int n) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector.fromArray(S, src, j).add(delta).intoArray(dst, j);
        }
        for (; j < n; j++) {
            dst[j] = src[j] + delta;
        }
    }

    @Override
    public void replaceUnmasked(float[] src, float delta, float[] dst, int n) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector d = FloatVector.fromArray(S, dst, j);
            FloatVector.fromArray(S, src, j).add(delta).blend(NEG_INF, d.compare(VectorOperators.EQ, NEG_INF)).intoArray(dst, j);
        }
        for (; j < n; j++) {
            if (dst[j] != NEG_INF) {
                dst[j] = src[j] + delta;
            }
        }
    }

    @Override
    public void expInto(float[] src, float shift, float[] dst, int n) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            exp(FloatVector.fromArray(S, src, j).sub(shift)).intoArray(dst, j);
        }
        for (; j < n; j++) {
            dst[j] = (float) Math.exp(src[j] - shift);
        }
    }

    @Override
    public void scale(float[] x, int n, float factor) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector.fromArray(S, x, j).mul(factor).intoArray(x, j);
        }
        for (; j < n; j++) {
            x[j] *= factor;
        }
    }

    @Override
    public void maskBelow(float[] x, int n, float threshold) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(S, x, j);
            v.blend(NEG_INF, v.compare(VectorOperators.LT, threshold)).intoArray(x, j);
        }
        for (; j < n; j++) {
            if (x[j] < threshold) {
                x[j] = NEG_INF;
            }
        }
    }

    @Override
    public int indexOf(float[] x, int n, float value) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            VectorMask<Float> eq = FloatVector.fromArray(S, x, j).compare(VectorOperators.EQ, value);
            if (eq.anyTrue()) {
                return j + eq.firstTrue();
            }
        }
        for (; j < n; j++) {
            if (x[j] == value) {
                return j;
            }
        }
        return -1;
    }

    @Override
    public int inverseCdf(float[] logProbs, int n, float u) {
        float cdf = 0;
        int j = 0;
        // Whole vectors first; the block that crosses u is rescanned with scalar exp. If the two
        // exps round differently and the rescan does not cross, it simply carries on.
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector e = exp(FloatVector.fromArray(S, logProbs, j));
            float block;
            // lane sum in a fixed order (see the class description), written out: a helper
            // taking the vector is not inlined here and would box it
            if (L > 16) {
                block = 0;
                for (int i = 0; i < L; i++) {
                    block += e.lane(i);
                }
            } else {
                if (L == 16) {
                    e = e.add(e.rearrange(ROT8));
                }
                if (L >= 8) {
                    e = e.add(e.rearrange(ROT4));
                }
                if (L >= 4) {
                    e = e.add(e.rearrange(ROT2));
                }
                if (L >= 2) {
                    e = e.add(e.rearrange(ROT1));
                }
                block = e.lane(0);
            }
            if (cdf + block > u) {
                for (int k = j; k < j + L; k++) {
                    cdf += (float) Math.exp(logProbs[k]);
                    if (cdf > u) {
                        return k;
                    }
                }
            } else {
                cdf += block;
            }
        }
        for (; j < n; j++) {
            cdf += (float) Math.exp(logProbs[j]);
            if (cdf > u) {
                return j;
            }
        }
        return -1;
    }
}
