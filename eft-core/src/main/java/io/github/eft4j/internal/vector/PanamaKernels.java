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
 * four accumulators where it reduces (except {@link #sumExp} and the fused EFT pass, see there), a
 * single-vector loop up to {@code loopBound}, and a scalar tail.
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

    // ---- the fused EFT pass ------------------------------------------------------------------
    //
    // One method per component count up to 4 (the EFT shapes in use: a draft normalizer, 2-4
    // models), so that every row's running maximum is a local vector: an array of vectors would
    // be boxed. Per vector: one load, one max, one sub and one fma (mul for the first) per
    // component, then the mask, store (or argmax update) and the score maximum. More components
    // take the generic loop, with the maxima in their own passes. Scalar tails go through
    // ScalarKernels.score, so both flavours give the same bits.

    @Override
    public void weightedSum(float[][] x, float[] c, float[] shift, int count, float[] out, int n, float[] maxima) {
        switch (count) {
            case 1 -> weightedSum1(x, c, shift, out, n, maxima);
            case 2 -> weightedSum2(x, c, shift, out, n, maxima);
            case 3 -> weightedSum3(x, c, shift, out, n, maxima);
            case 4 -> weightedSum4(x, c, shift, out, n, maxima);
            default -> weightedSumN(x, c, shift, count, out, n, maxima);
        }
    }

    @Override
    public int argmaxWeightedSum(float[][] x, float[] c, float[] shift, int count, int n, float[] maxima) {
        return switch (count) {
            case 1 -> argmax1(x, c, shift, n, maxima);
            case 2 -> argmax2(x, c, shift, n, maxima);
            case 3 -> argmax3(x, c, shift, n, maxima);
            case 4 -> argmax4(x, c, shift, n, maxima);
            default -> argmaxN(x, c, shift, count, n, maxima);
        };
    }

    private static void weightedSum1(float[][] x, float[] c, float[] shift, float[] out, int n, float[] maxima) {
        float[] x0 = x[0];
        float s0 = shift[0];
        FloatVector c0 = FloatVector.broadcast(S, c[0]);
        FloatVector m0 = FloatVector.broadcast(S, NEG_INF);
        FloatVector ms = m0;
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector v0 = FloatVector.fromArray(S, x0, j);
            m0 = m0.max(v0);
            FloatVector acc = v0.sub(s0).mul(c0).blend(NEG_INF, v0.compare(VectorOperators.EQ, NEG_INF));
            acc.intoArray(out, j);
            ms = ms.max(acc);
        }
        maxima[0] = m0.reduceLanes(VectorOperators.MAX);
        maxima[1] = ms.reduceLanes(VectorOperators.MAX);
        weightedSumTail(x, c, shift, 1, out, j, n, maxima);
    }

    private static void weightedSum2(float[][] x, float[] c, float[] shift, float[] out, int n, float[] maxima) {
        float[] x0 = x[0];
        float[] x1 = x[1];
        float s0 = shift[0];
        float s1 = shift[1];
        FloatVector c0 = FloatVector.broadcast(S, c[0]);
        FloatVector c1 = FloatVector.broadcast(S, c[1]);
        FloatVector m0 = FloatVector.broadcast(S, NEG_INF);
        FloatVector m1 = m0;
        FloatVector ms = m0;
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector v0 = FloatVector.fromArray(S, x0, j);
            FloatVector v1 = FloatVector.fromArray(S, x1, j);
            m0 = m0.max(v0);
            m1 = m1.max(v1);
            FloatVector acc = v0.sub(s0).mul(c0);
            acc = v1.sub(s1).fma(c1, acc);
            acc = acc.blend(NEG_INF, v0.min(v1).compare(VectorOperators.EQ, NEG_INF));
            acc.intoArray(out, j);
            ms = ms.max(acc);
        }
        maxima[0] = m0.reduceLanes(VectorOperators.MAX);
        maxima[1] = m1.reduceLanes(VectorOperators.MAX);
        maxima[2] = ms.reduceLanes(VectorOperators.MAX);
        weightedSumTail(x, c, shift, 2, out, j, n, maxima);
    }

    private static void weightedSum3(float[][] x, float[] c, float[] shift, float[] out, int n, float[] maxima) {
        float[] x0 = x[0];
        float[] x1 = x[1];
        float[] x2 = x[2];
        float s0 = shift[0];
        float s1 = shift[1];
        float s2 = shift[2];
        FloatVector c0 = FloatVector.broadcast(S, c[0]);
        FloatVector c1 = FloatVector.broadcast(S, c[1]);
        FloatVector c2 = FloatVector.broadcast(S, c[2]);
        FloatVector m0 = FloatVector.broadcast(S, NEG_INF);
        FloatVector m1 = m0;
        FloatVector m2 = m0;
        FloatVector ms = m0;
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector v0 = FloatVector.fromArray(S, x0, j);
            FloatVector v1 = FloatVector.fromArray(S, x1, j);
            FloatVector v2 = FloatVector.fromArray(S, x2, j);
            m0 = m0.max(v0);
            m1 = m1.max(v1);
            m2 = m2.max(v2);
            FloatVector acc = v0.sub(s0).mul(c0);
            acc = v1.sub(s1).fma(c1, acc);
            acc = v2.sub(s2).fma(c2, acc);
            acc = acc.blend(NEG_INF, v0.min(v1).min(v2).compare(VectorOperators.EQ, NEG_INF));
            acc.intoArray(out, j);
            ms = ms.max(acc);
        }
        maxima[0] = m0.reduceLanes(VectorOperators.MAX);
        maxima[1] = m1.reduceLanes(VectorOperators.MAX);
        maxima[2] = m2.reduceLanes(VectorOperators.MAX);
        maxima[3] = ms.reduceLanes(VectorOperators.MAX);
        weightedSumTail(x, c, shift, 3, out, j, n, maxima);
    }

    private static void weightedSum4(float[][] x, float[] c, float[] shift, float[] out, int n, float[] maxima) {
        float[] x0 = x[0];
        float[] x1 = x[1];
        float[] x2 = x[2];
        float[] x3 = x[3];
        float s0 = shift[0];
        float s1 = shift[1];
        float s2 = shift[2];
        float s3 = shift[3];
        FloatVector c0 = FloatVector.broadcast(S, c[0]);
        FloatVector c1 = FloatVector.broadcast(S, c[1]);
        FloatVector c2 = FloatVector.broadcast(S, c[2]);
        FloatVector c3 = FloatVector.broadcast(S, c[3]);
        FloatVector m0 = FloatVector.broadcast(S, NEG_INF);
        FloatVector m1 = m0;
        FloatVector m2 = m0;
        FloatVector m3 = m0;
        FloatVector ms = m0;
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector v0 = FloatVector.fromArray(S, x0, j);
            FloatVector v1 = FloatVector.fromArray(S, x1, j);
            FloatVector v2 = FloatVector.fromArray(S, x2, j);
            FloatVector v3 = FloatVector.fromArray(S, x3, j);
            m0 = m0.max(v0);
            m1 = m1.max(v1);
            m2 = m2.max(v2);
            m3 = m3.max(v3);
            FloatVector acc = v0.sub(s0).mul(c0);
            acc = v1.sub(s1).fma(c1, acc);
            acc = v2.sub(s2).fma(c2, acc);
            acc = v3.sub(s3).fma(c3, acc);
            acc = acc.blend(NEG_INF, v0.min(v1).min(v2.min(v3)).compare(VectorOperators.EQ, NEG_INF));
            acc.intoArray(out, j);
            ms = ms.max(acc);
        }
        maxima[0] = m0.reduceLanes(VectorOperators.MAX);
        maxima[1] = m1.reduceLanes(VectorOperators.MAX);
        maxima[2] = m2.reduceLanes(VectorOperators.MAX);
        maxima[3] = m3.reduceLanes(VectorOperators.MAX);
        maxima[4] = ms.reduceLanes(VectorOperators.MAX);
        weightedSumTail(x, c, shift, 4, out, j, n, maxima);
    }

    private void weightedSumN(float[][] x, float[] c, float[] shift, int count, float[] out, int n, float[] maxima) {
        for (int i = 0; i < count; i++) {
            maxima[i] = max(x[i], 0, n);
        }
        FloatVector ms = FloatVector.broadcast(S, NEG_INF);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(S, x[0], j);
            VectorMask<Float> masked = v.compare(VectorOperators.EQ, NEG_INF);
            FloatVector acc = v.sub(shift[0]).mul(c[0]);
            for (int i = 1; i < count; i++) {
                v = FloatVector.fromArray(S, x[i], j);
                masked = masked.or(v.compare(VectorOperators.EQ, NEG_INF));
                acc = v.sub(shift[i]).fma(FloatVector.broadcast(S, c[i]), acc);
            }
            acc = acc.blend(NEG_INF, masked);
            acc.intoArray(out, j);
            ms = ms.max(acc);
        }
        maxima[count] = ms.reduceLanes(VectorOperators.MAX);
        weightedSumTail(x, c, shift, count, out, j, n, maxima);
    }

    /** The scalar tail {@code [from, n)} of a weighted sum, folded into {@code maxima}. */
    private static void weightedSumTail(float[][] x, float[] c, float[] shift, int count, float[] out, int from, int n,
            float[] maxima) {
        for (int j = from; j < n; j++) {
            for (int i = 0; i < count; i++) {
                maxima[i] = Math.max(maxima[i], x[i][j]);
            }
            float s = ScalarKernels.score(x, c, shift, count, j);
            out[j] = s;
            maxima[count] = Math.max(maxima[count], s);
        }
    }

    // Argmax: per lane the best score so far and its index (as a float: exact below 2^24), a
    // strict > so that each lane keeps its first maximum; then the lowest index among the lanes
    // holding the overall maximum, then the scalar tail (higher indices, strict > again). The
    // index vector is built in each method: a static vector constant entering the loop would
    // be boxed on every iteration (C2 cannot scalar-replace a phi that merges an existing object).

    private static int argmax1(float[][] x, float[] c, float[] shift, int n, float[] maxima) {
        float[] x0 = x[0];
        float s0 = shift[0];
        FloatVector c0 = FloatVector.broadcast(S, c[0]);
        FloatVector m0 = FloatVector.broadcast(S, NEG_INF);
        FloatVector ms = m0;
        FloatVector best = m0;
        FloatVector bestIndex = FloatVector.zero(S);
        FloatVector index = FloatVector.zero(S).addIndex(1);    // token ids of the lanes, as floats
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector v0 = FloatVector.fromArray(S, x0, j);
            m0 = m0.max(v0);
            FloatVector acc = v0.sub(s0).mul(c0).blend(NEG_INF, v0.compare(VectorOperators.EQ, NEG_INF));
            ms = ms.max(acc);
            VectorMask<Float> better = acc.compare(VectorOperators.GT, best);
            best = best.blend(acc, better);
            bestIndex = bestIndex.blend(index, better);
            index = index.add((float) L);
        }
        maxima[0] = m0.reduceLanes(VectorOperators.MAX);
        maxima[1] = ms.reduceLanes(VectorOperators.MAX);
        float top = best.reduceLanes(VectorOperators.MAX);
        int arg = top == NEG_INF ? 0        // the lowest index among the lanes holding top
                : (int) bestIndex.blend(Float.MAX_VALUE, best.compare(VectorOperators.NE, top)).reduceLanes(VectorOperators.MIN);
        return argmaxTail(x, c, shift, 1, j, n, maxima, top, arg);
    }

    private static int argmax2(float[][] x, float[] c, float[] shift, int n, float[] maxima) {
        float[] x0 = x[0];
        float[] x1 = x[1];
        float s0 = shift[0];
        float s1 = shift[1];
        FloatVector c0 = FloatVector.broadcast(S, c[0]);
        FloatVector c1 = FloatVector.broadcast(S, c[1]);
        FloatVector m0 = FloatVector.broadcast(S, NEG_INF);
        FloatVector m1 = m0;
        FloatVector ms = m0;
        FloatVector best = m0;
        FloatVector bestIndex = FloatVector.zero(S);
        FloatVector index = FloatVector.zero(S).addIndex(1);    // token ids of the lanes, as floats
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector v0 = FloatVector.fromArray(S, x0, j);
            FloatVector v1 = FloatVector.fromArray(S, x1, j);
            m0 = m0.max(v0);
            m1 = m1.max(v1);
            FloatVector acc = v0.sub(s0).mul(c0);
            acc = v1.sub(s1).fma(c1, acc);
            acc = acc.blend(NEG_INF, v0.min(v1).compare(VectorOperators.EQ, NEG_INF));
            ms = ms.max(acc);
            VectorMask<Float> better = acc.compare(VectorOperators.GT, best);
            best = best.blend(acc, better);
            bestIndex = bestIndex.blend(index, better);
            index = index.add((float) L);
        }
        maxima[0] = m0.reduceLanes(VectorOperators.MAX);
        maxima[1] = m1.reduceLanes(VectorOperators.MAX);
        maxima[2] = ms.reduceLanes(VectorOperators.MAX);
        float top = best.reduceLanes(VectorOperators.MAX);
        int arg = top == NEG_INF ? 0        // the lowest index among the lanes holding top
                : (int) bestIndex.blend(Float.MAX_VALUE, best.compare(VectorOperators.NE, top)).reduceLanes(VectorOperators.MIN);
        return argmaxTail(x, c, shift, 2, j, n, maxima, top, arg);
    }

    private static int argmax3(float[][] x, float[] c, float[] shift, int n, float[] maxima) {
        float[] x0 = x[0];
        float[] x1 = x[1];
        float[] x2 = x[2];
        float s0 = shift[0];
        float s1 = shift[1];
        float s2 = shift[2];
        FloatVector c0 = FloatVector.broadcast(S, c[0]);
        FloatVector c1 = FloatVector.broadcast(S, c[1]);
        FloatVector c2 = FloatVector.broadcast(S, c[2]);
        FloatVector m0 = FloatVector.broadcast(S, NEG_INF);
        FloatVector m1 = m0;
        FloatVector m2 = m0;
        FloatVector ms = m0;
        FloatVector best = m0;
        FloatVector bestIndex = FloatVector.zero(S);
        FloatVector index = FloatVector.zero(S).addIndex(1);    // token ids of the lanes, as floats
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector v0 = FloatVector.fromArray(S, x0, j);
            FloatVector v1 = FloatVector.fromArray(S, x1, j);
            FloatVector v2 = FloatVector.fromArray(S, x2, j);
            m0 = m0.max(v0);
            m1 = m1.max(v1);
            m2 = m2.max(v2);
            FloatVector acc = v0.sub(s0).mul(c0);
            acc = v1.sub(s1).fma(c1, acc);
            acc = v2.sub(s2).fma(c2, acc);
            acc = acc.blend(NEG_INF, v0.min(v1).min(v2).compare(VectorOperators.EQ, NEG_INF));
            ms = ms.max(acc);
            VectorMask<Float> better = acc.compare(VectorOperators.GT, best);
            best = best.blend(acc, better);
            bestIndex = bestIndex.blend(index, better);
            index = index.add((float) L);
        }
        maxima[0] = m0.reduceLanes(VectorOperators.MAX);
        maxima[1] = m1.reduceLanes(VectorOperators.MAX);
        maxima[2] = m2.reduceLanes(VectorOperators.MAX);
        maxima[3] = ms.reduceLanes(VectorOperators.MAX);
        float top = best.reduceLanes(VectorOperators.MAX);
        int arg = top == NEG_INF ? 0        // the lowest index among the lanes holding top
                : (int) bestIndex.blend(Float.MAX_VALUE, best.compare(VectorOperators.NE, top)).reduceLanes(VectorOperators.MIN);
        return argmaxTail(x, c, shift, 3, j, n, maxima, top, arg);
    }

    private static int argmax4(float[][] x, float[] c, float[] shift, int n, float[] maxima) {
        float[] x0 = x[0];
        float[] x1 = x[1];
        float[] x2 = x[2];
        float[] x3 = x[3];
        float s0 = shift[0];
        float s1 = shift[1];
        float s2 = shift[2];
        float s3 = shift[3];
        FloatVector c0 = FloatVector.broadcast(S, c[0]);
        FloatVector c1 = FloatVector.broadcast(S, c[1]);
        FloatVector c2 = FloatVector.broadcast(S, c[2]);
        FloatVector c3 = FloatVector.broadcast(S, c[3]);
        FloatVector m0 = FloatVector.broadcast(S, NEG_INF);
        FloatVector m1 = m0;
        FloatVector m2 = m0;
        FloatVector m3 = m0;
        FloatVector ms = m0;
        FloatVector best = m0;
        FloatVector bestIndex = FloatVector.zero(S);
        FloatVector index = FloatVector.zero(S).addIndex(1);    // token ids of the lanes, as floats
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector v0 = FloatVector.fromArray(S, x0, j);
            FloatVector v1 = FloatVector.fromArray(S, x1, j);
            FloatVector v2 = FloatVector.fromArray(S, x2, j);
            FloatVector v3 = FloatVector.fromArray(S, x3, j);
            m0 = m0.max(v0);
            m1 = m1.max(v1);
            m2 = m2.max(v2);
            m3 = m3.max(v3);
            FloatVector acc = v0.sub(s0).mul(c0);
            acc = v1.sub(s1).fma(c1, acc);
            acc = v2.sub(s2).fma(c2, acc);
            acc = v3.sub(s3).fma(c3, acc);
            acc = acc.blend(NEG_INF, v0.min(v1).min(v2.min(v3)).compare(VectorOperators.EQ, NEG_INF));
            ms = ms.max(acc);
            VectorMask<Float> better = acc.compare(VectorOperators.GT, best);
            best = best.blend(acc, better);
            bestIndex = bestIndex.blend(index, better);
            index = index.add((float) L);
        }
        maxima[0] = m0.reduceLanes(VectorOperators.MAX);
        maxima[1] = m1.reduceLanes(VectorOperators.MAX);
        maxima[2] = m2.reduceLanes(VectorOperators.MAX);
        maxima[3] = m3.reduceLanes(VectorOperators.MAX);
        maxima[4] = ms.reduceLanes(VectorOperators.MAX);
        float top = best.reduceLanes(VectorOperators.MAX);
        int arg = top == NEG_INF ? 0        // the lowest index among the lanes holding top
                : (int) bestIndex.blend(Float.MAX_VALUE, best.compare(VectorOperators.NE, top)).reduceLanes(VectorOperators.MIN);
        return argmaxTail(x, c, shift, 4, j, n, maxima, top, arg);
    }

    private int argmaxN(float[][] x, float[] c, float[] shift, int count, int n, float[] maxima) {
        for (int i = 0; i < count; i++) {
            maxima[i] = max(x[i], 0, n);
        }
        FloatVector ms = FloatVector.broadcast(S, NEG_INF);
        FloatVector best = ms;
        FloatVector bestIndex = FloatVector.zero(S);
        FloatVector index = FloatVector.zero(S).addIndex(1);    // token ids of the lanes, as floats
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(S, x[0], j);
            VectorMask<Float> masked = v.compare(VectorOperators.EQ, NEG_INF);
            FloatVector acc = v.sub(shift[0]).mul(c[0]);
            for (int i = 1; i < count; i++) {
                v = FloatVector.fromArray(S, x[i], j);
                masked = masked.or(v.compare(VectorOperators.EQ, NEG_INF));
                acc = v.sub(shift[i]).fma(FloatVector.broadcast(S, c[i]), acc);
            }
            acc = acc.blend(NEG_INF, masked);
            ms = ms.max(acc);
            VectorMask<Float> better = acc.compare(VectorOperators.GT, best);
            best = best.blend(acc, better);
            bestIndex = bestIndex.blend(index, better);
            index = index.add((float) L);
        }
        maxima[count] = ms.reduceLanes(VectorOperators.MAX);
        float top = best.reduceLanes(VectorOperators.MAX);
        int arg = top == NEG_INF ? 0        // the lowest index among the lanes holding top
                : (int) bestIndex.blend(Float.MAX_VALUE, best.compare(VectorOperators.NE, top)).reduceLanes(VectorOperators.MIN);
        return argmaxTail(x, c, shift, count, j, n, maxima, top, arg);
    }

    /** The scalar tail {@code [from, n)} of an argmax (higher indices, strict >), folded into {@code maxima}. */
    private static int argmaxTail(float[][] x, float[] c, float[] shift, int count, int from, int n, float[] maxima,
            float top, int arg) {
        for (int j = from; j < n; j++) {
            for (int i = 0; i < count; i++) {
                maxima[i] = Math.max(maxima[i], x[i][j]);
            }
            float s = ScalarKernels.score(x, c, shift, count, j);
            maxima[count] = Math.max(maxima[count], s);
            if (s > top) {
                top = s;
                arg = j;
            }
        }
        return arg;
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
