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
 * <p>Exponentials use the EXP recipe below, built from IEEE add/mul/fma only, never
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

    // EXP: exp of every lane, deterministic (see the class description), about 1 ulp from
    // Math.exp; -inf gives 0, +inf gives +inf, NaN stays NaN. Cody-Waite: clamp x to
    // [EXP_LO, EXP_HI] (compare + blend: Math.min/max semantics would cost several instructions
    // per lane and give the same bits here), n = round(x·log2 e) by the ROUND trick,
    // r = x − n·ln2 in two steps, then 2^n·(1 + r + r²·P(r)) with 2^n applied as two factors so
    // that results down to the subnormal range round once.
    //
    // It is written out in each of sumExp, expInto and inverseCdf instead of being a method
    // taking a vector: C2 does not inline such a method at a call site it thinks cold (a caller
    // compiled at tier 2 under load has no call-site counts, and the callee "already compiled
    // into a medium method" is then refused), and the call boxes its vector argument and
    // result: 2 objects per vector, which AllocationTest caught on a loaded machine.
    // PanamaExpDeterminismTest checks all three copies against a scalar model, bit for bit.

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
            // One vector per iteration: with a 4-way unrolled loop the compiled method grew past
            // C2's node limits. Partial sums over blocks of 64 vectors keep the rounding error of
            // 128256 terms as low as four accumulators did.
            FloatVector total = FloatVector.zero(S);
            FloatVector log2e = FloatVector.broadcast(S, LOG2E);
            FloatVector round = FloatVector.broadcast(S, ROUND);
            FloatVector negLn2Hi = FloatVector.broadcast(S, -LN2_HI);
            FloatVector negLn2Lo = FloatVector.broadcast(S, -LN2_LO);
            FloatVector p0 = FloatVector.broadcast(S, P0);
            FloatVector p1 = FloatVector.broadcast(S, P1);
            FloatVector p2 = FloatVector.broadcast(S, P2);
            FloatVector p3 = FloatVector.broadcast(S, P3);
            FloatVector p4 = FloatVector.broadcast(S, P4);
            FloatVector p5 = FloatVector.broadcast(S, P5);
            for (int bound = S.loopBound(n); j < bound; ) {
                FloatVector s0 = FloatVector.zero(S);
                for (int end = Math.min(bound, j + 64 * L); j < end; j += L) {
                    // exp, inlined by hand (see EXP above): c = clamp(x); x = n·ln2 + r; 2^n · (1 + r + r²·P(r))
                    FloatVector c = FloatVector.fromArray(S, x, j).sub(shift);
                    c = c.blend(EXP_LO, c.compare(VectorOperators.LT, EXP_LO)).blend(EXP_HI, c.compare(VectorOperators.GT, EXP_HI));
                    FloatVector t = c.fma(log2e, round);
                    FloatVector nk = t.sub(ROUND);
                    FloatVector r = nk.fma(negLn2Hi, c);
                    r = nk.fma(negLn2Lo, r);
                    FloatVector p = r.fma(p0, p1);
                    p = p.fma(r, p2);
                    p = p.fma(r, p3);
                    p = p.fma(r, p4);
                    p = p.fma(r, p5);
                    IntVector ni = ((IntVector) t.viewAsIntegralLanes()).sub(Float.floatToRawIntBits(ROUND));
                    IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
                    FloatVector e = p.fma(r.mul(r), r).add(1f)
                            .mul((FloatVector) n1.add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes())
                            .mul((FloatVector) ni.sub(n1).add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes());
                    s0 = s0.add(e);
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
    // be boxed. The argmax keeps only the best score per block of BLOCK vectors (no index
    // vectors, no per-vector reduction) and scores the winning block again.
    // Per vector and component: a load, fma, add, a -inf compare, and the row maximum as compare +
    // blend. Never FloatVector.max/min in these loops: Math.max semantics (NaN, -0.0) cost x86
    // several instructions per lane-wise max, which made the pass 2.7 times slower; a NaN is
    // caught by the checksum instead (a sum of every entry read: NaN or +inf iff some entry is,
    // barring overflow of huge finite sums, which the caller re-checks exactly).
    // Scalar tails go through ScalarKernels.score, so both flavours give the same bits.

    /** Vectors per argmax block: the winning block is scored again to find the index. */
    private static final int BLOCK = 16;

    @Override
    public void weightedSum(float[][] x, float[] c, float[] bias, int count, float[] out, int n, float[] stats) {
        switch (count) {
            case 1 -> weightedSum1(x, c, bias, out, n, stats);
            case 2 -> weightedSum2(x, c, bias, out, n, stats);
            case 3 -> weightedSum3(x, c, bias, out, n, stats);
            case 4 -> weightedSum4(x, c, bias, out, n, stats);
            default -> weightedSumN(x, c, bias, count, out, n, stats);
        }
    }

    @Override
    public int argmaxWeightedSum(float[][] x, float[] c, float[] bias, int count, int n, float[] stats) {
        return switch (count) {
            case 1 -> argmax1(x, c, bias, n, stats);
            case 2 -> argmax2(x, c, bias, n, stats);
            case 3 -> argmax3(x, c, bias, n, stats);
            case 4 -> argmax4(x, c, bias, n, stats);
            default -> argmaxN(x, c, bias, count, n, stats);
        };
    }

    private static void weightedSum1(float[][] x, float[] c, float[] bias, float[] out, int n, float[] stats) {
        float[] x0 = x[0];
        FloatVector c0 = FloatVector.broadcast(S, c[0]);
        FloatVector b0 = FloatVector.broadcast(S, bias[0]);
        FloatVector m0 = FloatVector.broadcast(S, NEG_INF);
        FloatVector ms = m0;
        FloatVector chk = FloatVector.zero(S);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector v0 = FloatVector.fromArray(S, x0, j);
            m0 = m0.blend(v0, v0.compare(VectorOperators.GT, m0));
            chk = chk.add(v0);
            // Σ fma(x_i, c_i, bias_i), left to right; -inf where any row has -inf
            VectorMask<Float> masked = v0.compare(VectorOperators.EQ, NEG_INF);
            FloatVector acc = v0.fma(c0, b0).blend(NEG_INF, masked);
            acc.intoArray(out, j);
            ms = ms.blend(acc, acc.compare(VectorOperators.GT, ms));
        }
        stats[0] = m0.reduceLanes(VectorOperators.MAX);
        stats[2] = chk.reduceLanes(VectorOperators.ADD);
        stats[1] = ms.reduceLanes(VectorOperators.MAX);
        weightedSumTail(x, c, bias, 1, out, j, n, stats);
    }

    private static void weightedSum2(float[][] x, float[] c, float[] bias, float[] out, int n, float[] stats) {
        float[] x0 = x[0];
        float[] x1 = x[1];
        FloatVector c0 = FloatVector.broadcast(S, c[0]);
        FloatVector c1 = FloatVector.broadcast(S, c[1]);
        FloatVector b0 = FloatVector.broadcast(S, bias[0]);
        FloatVector b1 = FloatVector.broadcast(S, bias[1]);
        FloatVector m0 = FloatVector.broadcast(S, NEG_INF);
        FloatVector m1 = m0;
        FloatVector ms = m0;
        FloatVector chk = FloatVector.zero(S);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector v0 = FloatVector.fromArray(S, x0, j);
            FloatVector v1 = FloatVector.fromArray(S, x1, j);
            m0 = m0.blend(v0, v0.compare(VectorOperators.GT, m0));
            m1 = m1.blend(v1, v1.compare(VectorOperators.GT, m1));
            chk = chk.add(v0.add(v1));
            // Σ fma(x_i, c_i, bias_i), left to right; -inf where any row has -inf
            VectorMask<Float> masked = v0.compare(VectorOperators.EQ, NEG_INF)
                    .or(v1.compare(VectorOperators.EQ, NEG_INF));
            FloatVector acc = v0.fma(c0, b0).add(v1.fma(c1, b1)).blend(NEG_INF, masked);
            acc.intoArray(out, j);
            ms = ms.blend(acc, acc.compare(VectorOperators.GT, ms));
        }
        stats[0] = m0.reduceLanes(VectorOperators.MAX);
        stats[1] = m1.reduceLanes(VectorOperators.MAX);
        stats[3] = chk.reduceLanes(VectorOperators.ADD);
        stats[2] = ms.reduceLanes(VectorOperators.MAX);
        weightedSumTail(x, c, bias, 2, out, j, n, stats);
    }

    private static void weightedSum3(float[][] x, float[] c, float[] bias, float[] out, int n, float[] stats) {
        float[] x0 = x[0];
        float[] x1 = x[1];
        float[] x2 = x[2];
        FloatVector c0 = FloatVector.broadcast(S, c[0]);
        FloatVector c1 = FloatVector.broadcast(S, c[1]);
        FloatVector c2 = FloatVector.broadcast(S, c[2]);
        FloatVector b0 = FloatVector.broadcast(S, bias[0]);
        FloatVector b1 = FloatVector.broadcast(S, bias[1]);
        FloatVector b2 = FloatVector.broadcast(S, bias[2]);
        FloatVector m0 = FloatVector.broadcast(S, NEG_INF);
        FloatVector m1 = m0;
        FloatVector m2 = m0;
        FloatVector ms = m0;
        FloatVector chk = FloatVector.zero(S);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector v0 = FloatVector.fromArray(S, x0, j);
            FloatVector v1 = FloatVector.fromArray(S, x1, j);
            FloatVector v2 = FloatVector.fromArray(S, x2, j);
            m0 = m0.blend(v0, v0.compare(VectorOperators.GT, m0));
            m1 = m1.blend(v1, v1.compare(VectorOperators.GT, m1));
            m2 = m2.blend(v2, v2.compare(VectorOperators.GT, m2));
            chk = chk.add(v0.add(v1).add(v2));
            // Σ fma(x_i, c_i, bias_i), left to right; -inf where any row has -inf
            VectorMask<Float> masked = v0.compare(VectorOperators.EQ, NEG_INF)
                    .or(v1.compare(VectorOperators.EQ, NEG_INF)).or(v2.compare(VectorOperators.EQ, NEG_INF));
            FloatVector acc = v0.fma(c0, b0).add(v1.fma(c1, b1)).add(v2.fma(c2, b2)).blend(NEG_INF, masked);
            acc.intoArray(out, j);
            ms = ms.blend(acc, acc.compare(VectorOperators.GT, ms));
        }
        stats[0] = m0.reduceLanes(VectorOperators.MAX);
        stats[1] = m1.reduceLanes(VectorOperators.MAX);
        stats[2] = m2.reduceLanes(VectorOperators.MAX);
        stats[4] = chk.reduceLanes(VectorOperators.ADD);
        stats[3] = ms.reduceLanes(VectorOperators.MAX);
        weightedSumTail(x, c, bias, 3, out, j, n, stats);
    }

    private static void weightedSum4(float[][] x, float[] c, float[] bias, float[] out, int n, float[] stats) {
        float[] x0 = x[0];
        float[] x1 = x[1];
        float[] x2 = x[2];
        float[] x3 = x[3];
        FloatVector c0 = FloatVector.broadcast(S, c[0]);
        FloatVector c1 = FloatVector.broadcast(S, c[1]);
        FloatVector c2 = FloatVector.broadcast(S, c[2]);
        FloatVector c3 = FloatVector.broadcast(S, c[3]);
        FloatVector b0 = FloatVector.broadcast(S, bias[0]);
        FloatVector b1 = FloatVector.broadcast(S, bias[1]);
        FloatVector b2 = FloatVector.broadcast(S, bias[2]);
        FloatVector b3 = FloatVector.broadcast(S, bias[3]);
        FloatVector m0 = FloatVector.broadcast(S, NEG_INF);
        FloatVector m1 = m0;
        FloatVector m2 = m0;
        FloatVector m3 = m0;
        FloatVector ms = m0;
        FloatVector chk = FloatVector.zero(S);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector v0 = FloatVector.fromArray(S, x0, j);
            FloatVector v1 = FloatVector.fromArray(S, x1, j);
            FloatVector v2 = FloatVector.fromArray(S, x2, j);
            FloatVector v3 = FloatVector.fromArray(S, x3, j);
            m0 = m0.blend(v0, v0.compare(VectorOperators.GT, m0));
            m1 = m1.blend(v1, v1.compare(VectorOperators.GT, m1));
            m2 = m2.blend(v2, v2.compare(VectorOperators.GT, m2));
            m3 = m3.blend(v3, v3.compare(VectorOperators.GT, m3));
            chk = chk.add(v0.add(v1).add(v2).add(v3));
            // Σ fma(x_i, c_i, bias_i), left to right; -inf where any row has -inf
            VectorMask<Float> masked = v0.compare(VectorOperators.EQ, NEG_INF)
                    .or(v1.compare(VectorOperators.EQ, NEG_INF)).or(v2.compare(VectorOperators.EQ, NEG_INF))
                    .or(v3.compare(VectorOperators.EQ, NEG_INF));
            FloatVector acc = v0.fma(c0, b0).add(v1.fma(c1, b1)).add(v2.fma(c2, b2)).add(v3.fma(c3, b3))
                    .blend(NEG_INF, masked);
            acc.intoArray(out, j);
            ms = ms.blend(acc, acc.compare(VectorOperators.GT, ms));
        }
        stats[0] = m0.reduceLanes(VectorOperators.MAX);
        stats[1] = m1.reduceLanes(VectorOperators.MAX);
        stats[2] = m2.reduceLanes(VectorOperators.MAX);
        stats[3] = m3.reduceLanes(VectorOperators.MAX);
        stats[5] = chk.reduceLanes(VectorOperators.ADD);
        stats[4] = ms.reduceLanes(VectorOperators.MAX);
        weightedSumTail(x, c, bias, 4, out, j, n, stats);
    }

    private static int argmax1(float[][] x, float[] c, float[] bias, int n, float[] stats) {
        float[] x0 = x[0];
        FloatVector c0 = FloatVector.broadcast(S, c[0]);
        FloatVector b0 = FloatVector.broadcast(S, bias[0]);
        FloatVector m0 = FloatVector.broadcast(S, NEG_INF);
        FloatVector chk = FloatVector.zero(S);
        float best = NEG_INF;
        int bestBlock = -1;
        int bound = S.loopBound(n);
        for (int j = 0; j < bound; ) {
            int start = j;
            FloatVector top = FloatVector.broadcast(S, NEG_INF);
            for (int end = Math.min(bound, j + BLOCK * L); j < end; j += L) {
                FloatVector v0 = FloatVector.fromArray(S, x0, j);
                m0 = m0.blend(v0, v0.compare(VectorOperators.GT, m0));
                chk = chk.add(v0);
                // Σ fma(x_i, c_i, bias_i), left to right; -inf where any row has -inf
                VectorMask<Float> masked = v0.compare(VectorOperators.EQ, NEG_INF);
                FloatVector acc = v0.fma(c0, b0).blend(NEG_INF, masked);
                top = top.blend(acc, acc.compare(VectorOperators.GT, top));
            }
            if (top.compare(VectorOperators.GT, best).anyTrue()) {   // strict: an equal later block loses
                best = top.reduceLanes(VectorOperators.MAX);
                bestBlock = start;
            }
        }
        stats[0] = m0.reduceLanes(VectorOperators.MAX);
        stats[2] = chk.reduceLanes(VectorOperators.ADD);
        return argmaxFinish(x, c, bias, 1, bound, n, stats, best, bestBlock);
    }

    private static int argmax2(float[][] x, float[] c, float[] bias, int n, float[] stats) {
        float[] x0 = x[0];
        float[] x1 = x[1];
        FloatVector c0 = FloatVector.broadcast(S, c[0]);
        FloatVector c1 = FloatVector.broadcast(S, c[1]);
        FloatVector b0 = FloatVector.broadcast(S, bias[0]);
        FloatVector b1 = FloatVector.broadcast(S, bias[1]);
        FloatVector m0 = FloatVector.broadcast(S, NEG_INF);
        FloatVector m1 = m0;
        FloatVector chk = FloatVector.zero(S);
        float best = NEG_INF;
        int bestBlock = -1;
        int bound = S.loopBound(n);
        for (int j = 0; j < bound; ) {
            int start = j;
            FloatVector top = FloatVector.broadcast(S, NEG_INF);
            for (int end = Math.min(bound, j + BLOCK * L); j < end; j += L) {
                FloatVector v0 = FloatVector.fromArray(S, x0, j);
                FloatVector v1 = FloatVector.fromArray(S, x1, j);
                m0 = m0.blend(v0, v0.compare(VectorOperators.GT, m0));
                m1 = m1.blend(v1, v1.compare(VectorOperators.GT, m1));
                chk = chk.add(v0.add(v1));
                // Σ fma(x_i, c_i, bias_i), left to right; -inf where any row has -inf
                VectorMask<Float> masked = v0.compare(VectorOperators.EQ, NEG_INF)
                        .or(v1.compare(VectorOperators.EQ, NEG_INF));
                FloatVector acc = v0.fma(c0, b0).add(v1.fma(c1, b1)).blend(NEG_INF, masked);
                top = top.blend(acc, acc.compare(VectorOperators.GT, top));
            }
            if (top.compare(VectorOperators.GT, best).anyTrue()) {   // strict: an equal later block loses
                best = top.reduceLanes(VectorOperators.MAX);
                bestBlock = start;
            }
        }
        stats[0] = m0.reduceLanes(VectorOperators.MAX);
        stats[1] = m1.reduceLanes(VectorOperators.MAX);
        stats[3] = chk.reduceLanes(VectorOperators.ADD);
        return argmaxFinish(x, c, bias, 2, bound, n, stats, best, bestBlock);
    }

    private static int argmax3(float[][] x, float[] c, float[] bias, int n, float[] stats) {
        float[] x0 = x[0];
        float[] x1 = x[1];
        float[] x2 = x[2];
        FloatVector c0 = FloatVector.broadcast(S, c[0]);
        FloatVector c1 = FloatVector.broadcast(S, c[1]);
        FloatVector c2 = FloatVector.broadcast(S, c[2]);
        FloatVector b0 = FloatVector.broadcast(S, bias[0]);
        FloatVector b1 = FloatVector.broadcast(S, bias[1]);
        FloatVector b2 = FloatVector.broadcast(S, bias[2]);
        FloatVector m0 = FloatVector.broadcast(S, NEG_INF);
        FloatVector m1 = m0;
        FloatVector m2 = m0;
        FloatVector chk = FloatVector.zero(S);
        float best = NEG_INF;
        int bestBlock = -1;
        int bound = S.loopBound(n);
        for (int j = 0; j < bound; ) {
            int start = j;
            FloatVector top = FloatVector.broadcast(S, NEG_INF);
            for (int end = Math.min(bound, j + BLOCK * L); j < end; j += L) {
                FloatVector v0 = FloatVector.fromArray(S, x0, j);
                FloatVector v1 = FloatVector.fromArray(S, x1, j);
                FloatVector v2 = FloatVector.fromArray(S, x2, j);
                m0 = m0.blend(v0, v0.compare(VectorOperators.GT, m0));
                m1 = m1.blend(v1, v1.compare(VectorOperators.GT, m1));
                m2 = m2.blend(v2, v2.compare(VectorOperators.GT, m2));
                chk = chk.add(v0.add(v1).add(v2));
                // Σ fma(x_i, c_i, bias_i), left to right; -inf where any row has -inf
                VectorMask<Float> masked = v0.compare(VectorOperators.EQ, NEG_INF)
                        .or(v1.compare(VectorOperators.EQ, NEG_INF)).or(v2.compare(VectorOperators.EQ, NEG_INF));
                FloatVector acc = v0.fma(c0, b0).add(v1.fma(c1, b1)).add(v2.fma(c2, b2)).blend(NEG_INF, masked);
                top = top.blend(acc, acc.compare(VectorOperators.GT, top));
            }
            if (top.compare(VectorOperators.GT, best).anyTrue()) {   // strict: an equal later block loses
                best = top.reduceLanes(VectorOperators.MAX);
                bestBlock = start;
            }
        }
        stats[0] = m0.reduceLanes(VectorOperators.MAX);
        stats[1] = m1.reduceLanes(VectorOperators.MAX);
        stats[2] = m2.reduceLanes(VectorOperators.MAX);
        stats[4] = chk.reduceLanes(VectorOperators.ADD);
        return argmaxFinish(x, c, bias, 3, bound, n, stats, best, bestBlock);
    }

    private static int argmax4(float[][] x, float[] c, float[] bias, int n, float[] stats) {
        float[] x0 = x[0];
        float[] x1 = x[1];
        float[] x2 = x[2];
        float[] x3 = x[3];
        FloatVector c0 = FloatVector.broadcast(S, c[0]);
        FloatVector c1 = FloatVector.broadcast(S, c[1]);
        FloatVector c2 = FloatVector.broadcast(S, c[2]);
        FloatVector c3 = FloatVector.broadcast(S, c[3]);
        FloatVector b0 = FloatVector.broadcast(S, bias[0]);
        FloatVector b1 = FloatVector.broadcast(S, bias[1]);
        FloatVector b2 = FloatVector.broadcast(S, bias[2]);
        FloatVector b3 = FloatVector.broadcast(S, bias[3]);
        FloatVector m0 = FloatVector.broadcast(S, NEG_INF);
        FloatVector m1 = m0;
        FloatVector m2 = m0;
        FloatVector m3 = m0;
        FloatVector chk = FloatVector.zero(S);
        float best = NEG_INF;
        int bestBlock = -1;
        int bound = S.loopBound(n);
        for (int j = 0; j < bound; ) {
            int start = j;
            FloatVector top = FloatVector.broadcast(S, NEG_INF);
            for (int end = Math.min(bound, j + BLOCK * L); j < end; j += L) {
                FloatVector v0 = FloatVector.fromArray(S, x0, j);
                FloatVector v1 = FloatVector.fromArray(S, x1, j);
                FloatVector v2 = FloatVector.fromArray(S, x2, j);
                FloatVector v3 = FloatVector.fromArray(S, x3, j);
                m0 = m0.blend(v0, v0.compare(VectorOperators.GT, m0));
                m1 = m1.blend(v1, v1.compare(VectorOperators.GT, m1));
                m2 = m2.blend(v2, v2.compare(VectorOperators.GT, m2));
                m3 = m3.blend(v3, v3.compare(VectorOperators.GT, m3));
                chk = chk.add(v0.add(v1).add(v2).add(v3));
                // Σ fma(x_i, c_i, bias_i), left to right; -inf where any row has -inf
                VectorMask<Float> masked = v0.compare(VectorOperators.EQ, NEG_INF)
                        .or(v1.compare(VectorOperators.EQ, NEG_INF)).or(v2.compare(VectorOperators.EQ, NEG_INF))
                        .or(v3.compare(VectorOperators.EQ, NEG_INF));
                FloatVector acc = v0.fma(c0, b0).add(v1.fma(c1, b1)).add(v2.fma(c2, b2)).add(v3.fma(c3, b3))
                        .blend(NEG_INF, masked);
                top = top.blend(acc, acc.compare(VectorOperators.GT, top));
            }
            if (top.compare(VectorOperators.GT, best).anyTrue()) {   // strict: an equal later block loses
                best = top.reduceLanes(VectorOperators.MAX);
                bestBlock = start;
            }
        }
        stats[0] = m0.reduceLanes(VectorOperators.MAX);
        stats[1] = m1.reduceLanes(VectorOperators.MAX);
        stats[2] = m2.reduceLanes(VectorOperators.MAX);
        stats[3] = m3.reduceLanes(VectorOperators.MAX);
        stats[5] = chk.reduceLanes(VectorOperators.ADD);
        return argmaxFinish(x, c, bias, 4, bound, n, stats, best, bestBlock);
    }

    // More than 4 components: the scalar twin (an inner loop over components would carry its
    // vectors through loop phis that C2 boxes); EFT with 5 or more models is rare, and their
    // forward passes dwarf this one.

    private static void weightedSumN(float[][] x, float[] c, float[] bias, int count, float[] out, int n, float[] stats) {
        ScalarKernels.INSTANCE.weightedSum(x, c, bias, count, out, n, stats);
    }

    private static int argmaxN(float[][] x, float[] c, float[] bias, int count, int n, float[] stats) {
        return ScalarKernels.INSTANCE.argmaxWeightedSum(x, c, bias, count, n, stats);
    }

    /** The scalar tail {@code [from, n)} of a weighted sum, folded into {@code stats}. */
    private static void weightedSumTail(float[][] x, float[] c, float[] bias, int count, float[] out, int from, int n,
            float[] stats) {
        for (int j = from; j < n; j++) {
            for (int i = 0; i < count; i++) {
                float v = x[i][j];
                stats[i] = v > stats[i] ? v : stats[i];
                stats[count + 1] += v;
            }
            float s = ScalarKernels.score(x, c, bias, count, j);
            out[j] = s;
            stats[count] = s > stats[count] ? s : stats[count];
        }
    }

    /**
     * Finishes an argmax: the first index holding {@code best} in the winning block (scored
     * again by the scalar twin, bit for bit as in the pass; no earlier block reached
     * {@code best}), then the scalar tail {@code [bound, n)} (strict >), folded into {@code stats}.
     */
    private static int argmaxFinish(float[][] x, float[] c, float[] bias, int count, int bound, int n, float[] stats,
            float best, int bestBlock) {
        int arg = 0;
        if (bestBlock >= 0) {
            arg = bestBlock;
            for (int end = Math.min(bound, bestBlock + BLOCK * L); arg < end; arg++) {
                if (ScalarKernels.score(x, c, bias, count, arg) == best) {
                    break;
                }
            }
        }
        for (int j = bound; j < n; j++) {
            for (int i = 0; i < count; i++) {
                float v = x[i][j];
                stats[i] = v > stats[i] ? v : stats[i];
                stats[count + 1] += v;
            }
            float s = ScalarKernels.score(x, c, bias, count, j);
            if (s > best) {
                best = s;
                arg = j;
            }
        }
        stats[count] = best;
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
        FloatVector log2e = FloatVector.broadcast(S, LOG2E);
        FloatVector round = FloatVector.broadcast(S, ROUND);
        FloatVector negLn2Hi = FloatVector.broadcast(S, -LN2_HI);
        FloatVector negLn2Lo = FloatVector.broadcast(S, -LN2_LO);
        FloatVector p0 = FloatVector.broadcast(S, P0);
        FloatVector p1 = FloatVector.broadcast(S, P1);
        FloatVector p2 = FloatVector.broadcast(S, P2);
        FloatVector p3 = FloatVector.broadcast(S, P3);
        FloatVector p4 = FloatVector.broadcast(S, P4);
        FloatVector p5 = FloatVector.broadcast(S, P5);
        for (int bound = S.loopBound(n); j < bound; j += L) {
            // exp, inlined by hand (see EXP above): c = clamp(x); x = n·ln2 + r; 2^n · (1 + r + r²·P(r))
            FloatVector c = FloatVector.fromArray(S, src, j).sub(shift);
            c = c.blend(EXP_LO, c.compare(VectorOperators.LT, EXP_LO)).blend(EXP_HI, c.compare(VectorOperators.GT, EXP_HI));
            FloatVector t = c.fma(log2e, round);
            FloatVector nk = t.sub(ROUND);
            FloatVector r = nk.fma(negLn2Hi, c);
            r = nk.fma(negLn2Lo, r);
            FloatVector p = r.fma(p0, p1);
            p = p.fma(r, p2);
            p = p.fma(r, p3);
            p = p.fma(r, p4);
            p = p.fma(r, p5);
            IntVector ni = ((IntVector) t.viewAsIntegralLanes()).sub(Float.floatToRawIntBits(ROUND));
            IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
            FloatVector e = p.fma(r.mul(r), r).add(1f)
                    .mul((FloatVector) n1.add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes())
                    .mul((FloatVector) ni.sub(n1).add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes());
            e.intoArray(dst, j);
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
        FloatVector log2e = FloatVector.broadcast(S, LOG2E);
        FloatVector round = FloatVector.broadcast(S, ROUND);
        FloatVector negLn2Hi = FloatVector.broadcast(S, -LN2_HI);
        FloatVector negLn2Lo = FloatVector.broadcast(S, -LN2_LO);
        FloatVector p0 = FloatVector.broadcast(S, P0);
        FloatVector p1 = FloatVector.broadcast(S, P1);
        FloatVector p2 = FloatVector.broadcast(S, P2);
        FloatVector p3 = FloatVector.broadcast(S, P3);
        FloatVector p4 = FloatVector.broadcast(S, P4);
        FloatVector p5 = FloatVector.broadcast(S, P5);
        for (int bound = S.loopBound(n); j < bound; j += L) {
            // exp, inlined by hand (see EXP above): c = clamp(x); x = n·ln2 + r; 2^n · (1 + r + r²·P(r))
            FloatVector c = FloatVector.fromArray(S, logProbs, j);
            c = c.blend(EXP_LO, c.compare(VectorOperators.LT, EXP_LO)).blend(EXP_HI, c.compare(VectorOperators.GT, EXP_HI));
            FloatVector t = c.fma(log2e, round);
            FloatVector nk = t.sub(ROUND);
            FloatVector r = nk.fma(negLn2Hi, c);
            r = nk.fma(negLn2Lo, r);
            FloatVector p = r.fma(p0, p1);
            p = p.fma(r, p2);
            p = p.fma(r, p3);
            p = p.fma(r, p4);
            p = p.fma(r, p5);
            IntVector ni = ((IntVector) t.viewAsIntegralLanes()).sub(Float.floatToRawIntBits(ROUND));
            IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
            FloatVector e = p.fma(r.mul(r), r).add(1f)
                    .mul((FloatVector) n1.add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes())
                    .mul((FloatVector) ni.sub(n1).add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes());
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
