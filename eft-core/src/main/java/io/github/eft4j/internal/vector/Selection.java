package io.github.eft4j.internal.vector;

/**
 * Selection helpers for top-k and top-p without sorting the vocabulary: a three-way quickselect
 * for the k-th largest value, and a mass-guided quickselect for the top-p nucleus. Both work in
 * caller-owned, preallocated buffers and allocate nothing.
 *
 * <p>The nucleus uses a total order: probability descending, then token id ascending. Tokens are
 * packed as {@code long} keys, {@code floatBits(p) << 32 | ~id}, so that a larger key is a more
 * probable token, or an equally probable token with a lower id. The nucleus is the shortest
 * prefix of that order whose mass reaches {@code topP} (Hugging Face's rule: a token is kept when
 * the mass strictly before it is below {@code topP}); on exact probability ties at the boundary the
 * lower ids are kept.
 */
public final class Selection {

    private Selection() {
    }

    /**
     * Returns the k-th largest value of {@code x[0, n)} (k = 1 is the maximum). For small
     * {@code k} a vector pre-pass bounds it from below: the smallest of the maxima of {@code k}
     * disjoint blocks is at most the k-th largest (those k maxima are k distinct entries), so only
     * entries at or above that bound are copied; a three-way quickselect (robust to the many equal
     * {@code -inf} of masked rows) then runs on them.
     *
     * @param kernels the kernels for the block maxima
     * @param x the row, without NaN; not modified
     * @param n the number of entries
     * @param k the rank, in {@code [1, n]}
     * @param scratch a work buffer at least {@code n} long
     * @return the k-th largest value
     */
    public static float kthLargest(VectorKernels kernels, float[] x, int n, int k, float[] scratch) {
        int m;
        if (k <= n / 64) {
            int block = n / k;
            float bound = Float.POSITIVE_INFINITY;
            for (int b = 0; b < k; b++) {
                bound = Math.min(bound, kernels.max(x, b * block, b == k - 1 ? n : (b + 1) * block));
            }
            m = 0;
            for (int j = 0; j < n; j++) {
                float v = x[j];
                if (v >= bound) {
                    scratch[m++] = v;
                }
            }
        } else {
            System.arraycopy(x, 0, scratch, 0, n);
            m = n;
        }
        return quickselect(scratch, m, k);
    }

    /** The k-th largest of {@code a[0, m)} by three-way quickselect; reorders {@code a}. */
    private static float quickselect(float[] scratch, int m, int k) {
        int target = k - 1;
        int lo = 0;
        int hi = m - 1;
        while (lo < hi) {
            float pivot = median(scratch[lo], scratch[(lo + hi) >>> 1], scratch[hi]);
            // descending: [lo, lt) > pivot, [lt, gt] == pivot, (gt, hi] < pivot
            int lt = lo;
            int i = lo;
            int gt = hi;
            while (i <= gt) {
                float v = scratch[i];
                if (v > pivot) {
                    scratch[i++] = scratch[lt];
                    scratch[lt++] = v;
                } else if (v < pivot) {
                    scratch[i] = scratch[gt];
                    scratch[gt--] = v;
                } else {
                    i++;
                }
            }
            if (target < lt) {
                hi = lt - 1;
            } else if (target > gt) {
                lo = gt + 1;
            } else {
                return pivot;
            }
        }
        return scratch[target];
    }

    private static float median(float a, float b, float c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    /**
     * Finds the top-p nucleus of a row of scores with {@code p_j = exp(scores[j] − lse)}.
     *
     * @param kernels the kernels that compute the probabilities (one vector pass)
     * @param scores the row (log-probabilities up to the shift {@code lse}); not modified
     * @param n the number of entries
     * @param lse the log-sum-exp of the row, finite
     * @param topP the nucleus mass, in {@code (0, 1]}
     * @param probs a work buffer at least {@code n} long (receives the probabilities)
     * @param keys a work buffer at least {@code n} long; on return {@code keys[0, size)} hold the
     *     nucleus (see {@link #tokenOf}), in no particular order
     * @return the size of the nucleus, at least 1 ({@code topP = 1}: every token that is not
     *     {@code -inf})
     */
    public static int nucleus(VectorKernels kernels, float[] scores, int n, float lse, float topP, float[] probs, long[] keys) {
        int m = 0;
        if (topP >= 1) {
            for (int j = 0; j < n; j++) {
                if (scores[j] != Float.NEGATIVE_INFINITY) {
                    keys[m++] = key((float) Math.exp(scores[j] - lse), j);
                }
            }
            return m;
        }
        kernels.expInto(scores, lse, probs, n);
        // llama2.c's cut: when the most likely token is kept, the at most n - 1 tokens below
        // (1 - p) / (n - 1) hold less than 1 - p together, so the nucleus lies among the others;
        // it usually leaves a small part of the vocabulary. Capping the cut at the top
        // probability keeps that token (a near-uniform row with p < 1/n would lose every token).
        float cut = n > 1 ? (1 - topP) / (n - 1) * 0.999f : 0f;     // margin for rounding
        cut = Math.min(cut, kernels.max(probs, n));
        for (int j = 0; j < n; j++) {
            float p = probs[j];
            if (p >= cut && scores[j] != Float.NEGATIVE_INFINITY) {
                keys[m++] = key(p, j);
            }
        }
        return topMass(keys, m, topP);
    }

    /**
     * Reorders {@code keys[0, m)} so that its shortest top prefix with mass at least
     * {@code target} comes first, and returns that prefix's length.
     *
     * @param keys packed keys
     * @param m the number of keys
     * @param target the mass to reach
     * @return the prefix length ({@code m} when rounding leaves the total below the target)
     */
    static int topMass(long[] keys, int m, double target) {
        int lo = 0;
        int hi = m;
        double need = target;
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            long pivot = median(keys[lo], keys[mid], keys[hi - 1]);
            int p = keys[lo] == pivot ? lo : keys[mid] == pivot ? mid : hi - 1;
            keys[p] = keys[hi - 1];
            keys[hi - 1] = pivot;
            // [lo, store) > pivot; the pivot then goes to store
            int store = lo;
            double massHigh = 0;
            for (int t = lo; t < hi - 1; t++) {
                long v = keys[t];
                if (v > pivot) {
                    keys[t] = keys[store];
                    keys[store++] = v;
                    massHigh += probOf(v);
                }
            }
            keys[hi - 1] = keys[store];
            keys[store] = pivot;
            if (massHigh >= need) {
                hi = store;
            } else {
                double withPivot = massHigh + probOf(pivot);
                if (withPivot >= need) {
                    return store + 1;
                }
                need -= withPivot;
                lo = store + 1;
            }
        }
        return hi;
    }

    private static long median(long a, long b, long c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    /**
     * Packs a probability and a token id into an ordered key.
     *
     * @param prob a probability, {@code >= 0}
     * @param token the token id, {@code >= 0}
     * @return the key
     */
    public static long key(float prob, int token) {
        return ((long) Float.floatToRawIntBits(prob) << 32) | (~token & 0xFFFF_FFFFL);
    }

    /**
     * Returns the token id of a packed key.
     *
     * @param key a key from {@link #key}
     * @return the token id
     */
    public static int tokenOf(long key) {
        return ~(int) key;
    }

    /**
     * Returns the probability of a packed key.
     *
     * @param key a key from {@link #key}
     * @return the probability
     */
    public static float probOf(long key) {
        return Float.intBitsToFloat((int) (key >>> 32));
    }

    /**
     * Masks every entry of {@code row} except the tokens in {@code keys[0, size)}.
     *
     * @param row the row, modified in place
     * @param n the number of entries
     * @param keys the tokens to keep, as packed keys
     * @param size how many keys
     * @param scratch a work buffer at least {@code size} long
     */
    public static void keepOnly(float[] row, int n, long[] keys, int size, float[] scratch) {
        for (int t = 0; t < size; t++) {
            scratch[t] = row[tokenOf(keys[t])];
        }
        java.util.Arrays.fill(row, 0, n, Float.NEGATIVE_INFINITY);
        for (int t = 0; t < size; t++) {
            row[tokenOf(keys[t])] = scratch[t];
        }
    }
}
