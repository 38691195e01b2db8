package io.github.eft4j.internal.vector;

/**
 * Plain-loop twin of {@link PanamaKernels}: the fallback when the Vector API is unavailable and
 * the baseline of the benchmarks: straight loops, which C2 auto-vectorizes where it can (the
 * element-wise ones), with {@link Math#exp} for the exponentials.
 */
public final class ScalarKernels implements VectorKernels {

    /** The shared instance; the class is stateless. */
    public static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public float max(float[] x, int from, int to) {
        float m = Float.NEGATIVE_INFINITY;
        for (int j = from; j < to; j++) {
            m = Math.max(m, x[j]);
        }
        return m;
    }

    @Override
    public float sumExp(float[] x, int n, float shift) {
        // Math.exp is double already; summing in double is the plain way and keeps 128256-term
        // sums accurate to 1e-7 without tricks.
        double s = 0;
        for (int j = 0; j < n; j++) {
            s += Math.exp(x[j] - shift);
        }
        return (float) s;
    }

    @Override
    public void weightedSum(float[][] x, float[] c, float[] bias, int count, float[] out, int n, float[] stats) {
        rowStats(x, count, n, stats);
        float m = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            float s = score(x, c, bias, count, j);
            out[j] = s;
            m = s > m ? s : m;
        }
        stats[count] = m;
    }

    @Override
    public int argmaxWeightedSum(float[][] x, float[] c, float[] bias, int count, int n, float[] stats) {
        rowStats(x, count, n, stats);
        float best = Float.NEGATIVE_INFINITY;
        int arg = 0;
        for (int j = 0; j < n; j++) {
            float s = score(x, c, bias, count, j);
            if (s > best) {                // strict: the lowest index wins a tie
                best = s;
                arg = j;
            }
        }
        stats[count] = best;
        return arg;
    }

    /** Row maxima (NaN skipped) and the checksum, in their own passes: simple, and the rows stay cached. */
    private static void rowStats(float[][] x, int count, int n, float[] stats) {
        float sum = 0;
        for (int i = 0; i < count; i++) {
            float[] row = x[i];
            float m = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                float v = row[j];
                m = v > m ? v : m;
                sum += v;
            }
            stats[i] = m;
        }
        stats[count + 1] = sum;
    }

    /**
     * The score of token {@code j}, rounded exactly as {@link VectorKernels#weightedSum}
     * specifies (the Panama kernels' scalar tails call this too, so both flavours agree to the
     * bit): {@code fma(x_0, c_0, b_0) + fma(x_1, c_1, b_1) + ...} left to right, {@code -inf} if
     * any component masks the token.
     */
    static float score(float[][] x, float[] c, float[] bias, int count, int j) {
        float v = x[0][j];
        boolean masked = v == Float.NEGATIVE_INFINITY;
        float acc = Math.fma(v, c[0], bias[0]);
        for (int i = 1; i < count; i++) {
            v = x[i][j];
            masked |= v == Float.NEGATIVE_INFINITY;
            acc += Math.fma(v, c[i], bias[i]);
        }
        return masked ? Float.NEGATIVE_INFINITY : acc;
    }

    @Override
    public void add(float[] x, int n, float delta) {
        for (int j = 0; j < n; j++) {
            x[j] += delta;
        }
    }

    @Override
    public void addInto(float[] src, float delta, float[] dst, int n) {
        for (int j = 0; j < n; j++) {
            dst[j] = src[j] + delta;
        }
    }

    @Override
    public void replaceUnmasked(float[] src, float delta, float[] dst, int n) {
        for (int j = 0; j < n; j++) {
            if (dst[j] != Float.NEGATIVE_INFINITY) {
                dst[j] = src[j] + delta;
            }
        }
    }

    @Override
    public void expInto(float[] src, float shift, float[] dst, int n) {
        for (int j = 0; j < n; j++) {
            dst[j] = (float) Math.exp(src[j] - shift);
        }
    }

    @Override
    public void scale(float[] x, int n, float factor) {
        for (int j = 0; j < n; j++) {
            x[j] *= factor;
        }
    }

    @Override
    public void maskBelow(float[] x, int n, float threshold) {
        for (int j = 0; j < n; j++) {
            if (x[j] < threshold) {
                x[j] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    @Override
    public int indexOf(float[] x, int n, float value) {
        for (int j = 0; j < n; j++) {
            if (x[j] == value) {
                return j;
            }
        }
        return -1;
    }

    @Override
    public int inverseCdf(float[] logProbs, int n, float u) {
        float cdf = 0;
        for (int j = 0; j < n; j++) {
            cdf += (float) Math.exp(logProbs[j]);
            if (cdf > u) {
                return j;
            }
        }
        return -1;
    }
}
