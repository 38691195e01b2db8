package io.github.eft4j.internal.vector;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/** Straightforward float64 references and test data for the kernels. */
public final class Reference {

    private Reference() {
    }

    /** Odd sizes around vector widths plus real vocabulary sizes. */
    public static final int[] SIZES = {1, 2, 3, 7, 13, 31, 64, 65, 127, 1000, 4098, 32000, 32001, 32064, 65024, 128256};

    /** Logits like a model's: N(0, 1) scaled to a few units, a few peaks, seeded. */
    public static float[] logits(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int j = 0; j < n; j++) {
            x[j] = (float) (gaussian(r) * 2.5 + 3.0);
        }
        for (int p = 0; p < Math.max(1, n / 1000); p++) {
            x[r.nextInt(n)] += 8f;      // a few confident tokens, as in real rows
        }
        return x;
    }

    /** Sets about {@code fraction} of the entries to -inf (never all). */
    public static float[] mask(float[] x, double fraction, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int j = 0; j < x.length; j++) {
            if (r.nextDouble() < fraction) {
                x[j] = Float.NEGATIVE_INFINITY;
            }
        }
        x[r.nextInt(x.length)] = 1f;
        return x;
    }

    static double gaussian(SplittableRandom r) {
        double u = Math.max(r.nextDouble(), 1e-300);
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    /** The largest of {@code x[0, n)} (no NaN expected); -inf for an all -inf row. */
    public static float max(float[] x, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            m = Math.max(m, x[j]);
        }
        return m;
    }

    /** float64 log-sum-exp; -inf for an all -inf row. */
    public static double logSumExp(float[] x, int n) {
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            m = Math.max(m, x[j]);
        }
        if (m == Double.NEGATIVE_INFINITY) {
            return m;
        }
        double s = 0;
        for (int j = 0; j < n; j++) {
            s += Math.exp(x[j] - m);
        }
        return m + Math.log(s);
    }

    /**
     * float64 {@code Σ (c_i·x_i + bias_i)} with the masking rule (-inf in any component given is
     * -inf): what {@code VectorKernels.weightedSum} computes in float32.
     */
    public static double[] weightedSum(float[][] x, double[] c, double[] bias, int count, int n) {
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            double acc = 0;
            boolean masked = false;
            for (int i = 0; i < count; i++) {
                masked |= x[i][j] == Float.NEGATIVE_INFINITY;
                acc += c[i] * x[i][j] + bias[i];
            }
            out[j] = masked ? Double.NEGATIVE_INFINITY : acc;
        }
        return out;
    }

    /** float64 log-softmax. */
    public static double[] logSoftmax(float[] x, int n) {
        double z = logSumExp(x, n);
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            out[j] = x[j] - z;
        }
        return out;
    }

    /** float64 log-softmax of a double row. */
    public static double[] logSoftmax(double[] x) {
        double m = Arrays.stream(x).max().orElseThrow();
        double s = 0;
        for (double v : x) {
            s += Math.exp(v - m);
        }
        double z = m + Math.log(s);
        return Arrays.stream(x).map(v -> v - z).toArray();
    }

    /**
     * float64 EFT combination, before renormalization, with the masking rule: a token -inf in any
     * component with c != 0 is -inf.
     */
    public static double[] combineRaw(float[][] x, double[] c, int n) {
        double[] out = new double[n];
        for (int i = 0; i < x.length; i++) {
            if (c[i] == 0) {
                continue;
            }
            double[] lp = logSoftmax(x[i], n);
            for (int j = 0; j < n; j++) {
                out[j] = (lp[j] == Double.NEGATIVE_INFINITY || out[j] == Double.NEGATIVE_INFINITY)
                        ? Double.NEGATIVE_INFINITY : out[j] + c[i] * lp[j];
            }
        }
        return out;
    }

    /** float64 top-p nucleus of a row of log-probs (up to a shift): probability desc, id asc. */
    public static boolean[] nucleus(double[] logProbs, double topP) {
        int n = logProbs.length;
        double[] p = Arrays.stream(logSoftmax(logProbs)).map(Math::exp).toArray();
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.<Integer>comparingDouble(j -> -p[j]).thenComparingInt(j -> j));
        boolean[] keep = new boolean[n];
        double before = 0;
        for (int j : order) {
            if (before >= topP || p[j] == 0) {
                break;
            }
            keep[j] = true;
            before += p[j];
        }
        return keep;
    }

    /**
     * float64 mass of the tokens ranked strictly before each token (probability desc, id asc);
     * HF keeps token j in the top-p nucleus iff this is below p.
     */
    public static double[] massBefore(double[] logProbs) {
        int n = logProbs.length;
        double[] p = Arrays.stream(logSoftmax(logProbs)).map(Math::exp).toArray();
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.<Integer>comparingDouble(j -> -p[j]).thenComparingInt(j -> j));
        double[] before = new double[n];
        double acc = 0;
        for (int j : order) {
            before[j] = acc;
            acc += p[j];
        }
        return before;
    }

    /** The tolerance for a reduction over n float32 terms: grows like sqrt(n). */
    public static double tol(int n, double scale) {
        return (2e-6 + 1e-6 * Math.sqrt(n)) * Math.max(1, Math.abs(scale));
    }

    /** Converts to double. */
    public static double[] toDouble(float[] x, int n) {
        double[] d = new double[n];
        for (int j = 0; j < n; j++) {
            d[j] = x[j];
        }
        return d;
    }
}
