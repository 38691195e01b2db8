package io.github.eft4j.internal.vector;

/**
 * The float32 row kernels behind the combiner and the samplers, in a scalar and a Panama
 * (Vector API) flavour chosen once by {@link VectorizationProvider}. Every method reads
 * {@code [0, n)} of its arrays and allocates nothing.
 *
 * <p><b>Masking rule.</b> {@code -inf} marks a masked token. Kernels never turn a masked entry
 * into NaN: {@link #weightedSum} masks a token in the result when it is {@code -inf} in ANY
 * component it is given (so {@code c·(-inf)} with {@code c < 0}, which IEEE would make
 * {@code +inf}, and {@code -inf + inf}, which would be NaN, never reach the result); callers
 * leave components with coefficient exactly 0 out, so those cannot mask. Scores computed from
 * NaN or {@code +inf} inputs are unspecified: callers detect such rows with {@link #max} (NaN
 * propagates, as in {@link Math#max}) or the checksum that {@link #weightedSum} reports.
 */
public interface VectorKernels {

    /**
     * Returns a short name for logs and benchmarks.
     *
     * @return {@code "scalar"} or {@code "panama(<bits>)"}
     */
    String name();

    /**
     * Returns the largest entry.
     *
     * @param x the row
     * @param n the number of entries, at least 1
     * @return the maximum; NaN if any entry is NaN; {@code -inf} if all are {@code -inf}
     */
    default float max(float[] x, int n) {
        return max(x, 0, n);
    }

    /**
     * Returns the largest entry of {@code x[from, to)}.
     *
     * @param x the row
     * @param from the first index, inclusive
     * @param to the last index, exclusive, {@code > from}
     * @return the maximum; NaN if any entry is NaN; {@code -inf} if all are {@code -inf}
     */
    float max(float[] x, int from, int to);

    /**
     * Returns {@code Σ exp(x[j] - shift)} in float32.
     *
     * @param x the row
     * @param n the number of entries
     * @param shift the value subtracted before {@code exp}, usually the row maximum (finite)
     * @return the sum; {@code -inf} entries contribute 0
     */
    float sumExp(float[] x, int n, float shift);

    /**
     * Returns {@code log Σ exp(x[j])}, computed stably as {@code max + log Σ exp(x - max)}.
     *
     * @param x the row
     * @param n the number of entries, at least 1
     * @return the log-sum-exp; {@code -inf} if every entry is {@code -inf}; NaN or {@code +inf}
     *     if the row holds such values
     */
    default float logSumExp(float[] x, int n) {
        float m = max(x, n);
        if (m == Float.NEGATIVE_INFINITY || !Float.isFinite(m)) {
            return m;
        }
        return m + (float) Math.log(sumExp(x, n, m));
    }

    /**
     * The fused EFT pass: {@code out[j] = Σ_i fma(x[i][j], c[i], bias[i])} over {@code count}
     * components, summed left to right, with the masking rule of this interface, reading every
     * row once. The row statistics the caller's checks need come out of the same pass.
     *
     * <p>Callers pass {@code bias[i] = −c[i]·k[i]} for a shift {@code k[i]} near the row's
     * maximum. Then each {@code fma} rounds a number as small as a log-probability difference,
     * {@code c_i·(x_i − k_i) + δ_i}, even for logits of magnitude 1e4 (where {@code Σ c_i·x_i}
     * alone would lose most of its bits to cancellation); {@code δ_i}, the rounding of the bias
     * itself, is the same for every token, so normalization removes it.
     *
     * @param x the component rows, {@code x[i]} at least {@code n} long; only components with a
     *     nonzero coefficient belong here (a row passed here masks its {@code -inf} tokens)
     * @param c the coefficients, finite and nonzero
     * @param bias the constant added to each row's weighted logits, finite
     * @param count how many components to read, at least 1
     * @param out receives the unnormalized combined scores; not one of the rows
     * @param n the number of entries, at least 1
     * @param stats at least {@code count + 2} long; receives in {@code stats[i]} the largest
     *     entry of {@code x[i][0, n)} ({@code -inf} if all are; unspecified if the row holds
     *     NaN), in {@code stats[count]} the largest score (NaN scores, which only an overflow
     *     {@code inf − inf} makes, are skipped; {@code -inf} if every token is masked) and in
     *     {@code stats[count + 1]} a checksum of every entry read: NaN or {@code +inf} when some
     *     entry is NaN or {@code +inf} (and, rarely, when huge finite entries overflow the sum:
     *     callers then look at the rows exactly), else finite or {@code -inf}
     */
    void weightedSum(float[][] x, float[] c, float[] bias, int count, float[] out, int n, float[] stats);

    /**
     * The argmax of the scores of {@link #weightedSum} without storing them: greedy decoding needs
     * neither the normalizer nor the row. The scores are bit-identical to
     * {@link #weightedSum}'s, so this is {@code argmax(out)} of that call.
     *
     * @param x the component rows, as for {@link #weightedSum}
     * @param c the coefficients, finite and nonzero
     * @param bias the constant added to each row's weighted logits, finite
     * @param count how many components to read, at least 1
     * @param n the number of entries, at least 1
     * @param stats as for {@link #weightedSum}
     * @return the index of the largest score, the lowest on ties; NaN scores are never chosen;
     *     unspecified when every score is {@code -inf} (callers reject that row)
     */
    int argmaxWeightedSum(float[][] x, float[] c, float[] bias, int count, int n, float[] stats);

    /**
     * Adds a constant in place: {@code x[j] += delta}; {@code -inf} entries stay {@code -inf}.
     *
     * @param x the row
     * @param n the number of entries
     * @param delta the constant, finite
     */
    void add(float[] x, int n, float delta);

    /**
     * Writes {@code dst[j] = src[j] + delta}.
     *
     * @param src the source row
     * @param delta the constant, finite
     * @param dst the destination row (may be {@code src})
     * @param n the number of entries
     */
    void addInto(float[] src, float delta, float[] dst, int n);

    /**
     * Replaces every unmasked entry: {@code dst[j] = dst[j] == -inf ? -inf : src[j] + delta}.
     *
     * @param src the source row
     * @param delta the constant, finite
     * @param dst the destination row, whose {@code -inf} entries stay {@code -inf}
     * @param n the number of entries
     */
    void replaceUnmasked(float[] src, float delta, float[] dst, int n);

    /**
     * Writes {@code dst[j] = exp(src[j] − shift)} (probabilities from log-probabilities when
     * {@code shift} is the log-sum-exp); {@code -inf} gives 0.
     *
     * @param src the source row
     * @param shift the value subtracted before {@code exp}, finite
     * @param dst the destination row (may be {@code src})
     * @param n the number of entries
     */
    void expInto(float[] src, float shift, float[] dst, int n);

    /**
     * Multiplies in place: {@code x[j] *= factor}.
     *
     * @param x the row
     * @param n the number of entries
     * @param factor the positive, finite factor
     */
    void scale(float[] x, int n, float factor);

    /**
     * Masks every entry strictly below a threshold: {@code x[j] < t ? -inf : x[j]}.
     *
     * @param x the row
     * @param n the number of entries
     * @param threshold the smallest value kept
     */
    void maskBelow(float[] x, int n, float threshold);

    /**
     * Returns the first index holding exactly {@code value}.
     *
     * @param x the row
     * @param n the number of entries
     * @param value the value to find (not NaN)
     * @return the lowest such index, or -1
     */
    int indexOf(float[] x, int n, float value);

    /**
     * Returns the index of the largest entry, the lowest index on ties.
     *
     * @param x the row, without NaN
     * @param n the number of entries, at least 1
     * @return the argmax (index 0 if every entry is {@code -inf}; callers reject that row)
     */
    default int argmax(float[] x, int n) {
        return indexOf(x, n, max(x, n));
    }

    /**
     * Normalizes in place to log-probabilities: {@code x[j] -= logSumExp(x)}.
     *
     * @param x the row, no NaN, no {@code +inf}, at least one finite entry
     * @param n the number of entries
     * @return the log-sum-exp that was subtracted
     */
    default float logSoftmaxInPlace(float[] x, int n) {
        float z = logSumExp(x, n);
        add(x, n, -z);
        return z;
    }

    /**
     * Inverse CDF of a normalized log-probability row: the first {@code j} with
     * {@code Σ_{i<=j} exp(logProbs[i]) > u}.
     *
     * @param logProbs normalized log-probabilities
     * @param n the number of entries
     * @param u a uniform draw in {@code [0, 1)}
     * @return that index, or -1 when rounding leaves the total at or below {@code u} (the
     *     caller then takes the last finite entry)
     */
    int inverseCdf(float[] logProbs, int n, float u);
}
