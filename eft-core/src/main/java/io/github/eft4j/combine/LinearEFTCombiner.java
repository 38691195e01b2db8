package io.github.eft4j.combine;

import io.github.eft4j.internal.vector.Selection;
import io.github.eft4j.internal.vector.VectorKernels;
import io.github.eft4j.internal.vector.VectorizationProvider;
import io.github.eft4j.model.DecodingState;

/**
 * The standard {@link EFTCombiner}: the linear EFT combination of Mitchell et al. (2023),
 * renormalized. For components {@code i} with raw logits {@code x_i} and this step's coefficients
 * {@code c_i}, over the shared vocabulary {@code [0, V)}, the result is
 * {@code log_softmax(Σ_{c_i ≠ 0} c_i · log_softmax(x_i))}. Up-scaling, for example, is
 * {@code c = (+1, +1, −1)} over (large base, small fine-tuned, small base): the large base plus
 * the small models' implicit reward.
 *
 * <p><b>How it is computed.</b> {@code log_softmax(x_i) = x_i − lse_i} and {@code lse_i} is a
 * constant of the row, so {@code Σ c_i·log_softmax(x_i)} and {@code Σ c_i·(x_i − k_i)} differ by a
 * constant for any constants {@code k_i}, which the final normalization removes. So no
 * per-component log-sum-exp is needed for the result:
 * <pre>
 *   k_i     ≈ max_y x_i[y]                          (the max of a 256-entry sample of the row)
 *   s[y]    = Σ_{i : c_i ≠ 0} c_i · (x_i[y] − k_i)  (one fused pass over the rows, as
 *                                                    Σ fma(x_i, c_i, −c_i·k_i); it also yields
 *                                                    every row's maximum m_i)
 *   out[y]  = s[y] − log Σ_y' exp(s[y'])             (one exp pass over s, one shift)
 * </pre>
 * <b>Precision.</b> {@code fma(x_i, c_i, −c_i·k_i)} rounds once a number as small as
 * {@code c_i·(x_i − k_i)}, plus {@code δ_i}, the rounding of {@code −c_i·k_i}, which is the same
 * for every token and so cancels in the normalization. Each term thus carries the rounding error
 * of a log-probability, not of the logit: rows of magnitude 1e4 combine as accurately as rows of
 * magnitude 10 (a plain {@code Σ c_i·x_i}, or {@code Σ c_i·x_i − Σ c_i·lse_i}, cancels there and
 * keeps about 3 decimal digits). The sample maximum lies below {@code m_i}; when the pass shows it
 * was more than {@value #MAX_SHIFT_GAP} below (or above, when the sample was all masked), the pass
 * runs again with {@code k_i = m_i}, so a term never carries more than the error of a
 * {@value #MAX_SHIFT_GAP}-unit offset (about {@code 2e-6·|c_i|}).
 *
 * <p><b>Per-component log-sum-exps</b> ({@code lse_i = m_i + log Σ exp(x_i − m_i)}) are computed
 * only when something reads them, at most once per component and step: {@link #componentLogProb}
 * (traces, implicit rewards, scoring), and the conservative filter (the anchor's for its nucleus;
 * in {@code ANCHOR_ONLY} mode every active component's, to put the anchor's log-probabilities on
 * the scale of {@code s}).
 *
 * <p><b>Greedy.</b> {@link #argmax} is the argmax of {@code s} straight out of the fused pass: no
 * normalization, no stored row, no exp. It is computed bit for bit like {@link #combine}'s scores, so it
 * is the argmax of {@code combine}'s row up to the rounding of the final shift (which can merge
 * two scores less than an ulp apart; the lower id then wins there).
 *
 * <p><b>Masked tokens.</b> A {@code -inf} logit is a masked token. A token masked in ANY
 * component with a nonzero coefficient is masked ({@code -inf}) in the result, whatever the sign
 * of the coefficient; this is what IEEE arithmetic gives for positive coefficients, and it keeps
 * {@code c·(−inf)} with {@code c < 0} from turning a masked token into the most likely one (or
 * into NaN next to another {@code -inf}). A component with coefficient 0 does not take part. A
 * step where every token ends up masked, a NaN or {@code +inf} logit (in any component, also one
 * with coefficient 0), a non-finite coefficient, short rows and a combined score that overflows
 * are rejected with {@link IllegalArgumentException}; the combiner's state (what
 * {@link #componentLogProb} reads) stays that of the last successful call. The argument checks
 * (counts, lengths, coefficients) run before {@code out} is written; the checks on the logits'
 * values come out of the fused pass, so when one fails, {@code out} holds partial scores.
 *
 * <p><b>Conservative filter</b> ({@link EFTSpec.ConservativeFilter}, the paper's conservative
 * decoding): the anchor component's top-p nucleus is computed on its own distribution
 * {@code softmax(x_a)} (probability descending, lower token id first on ties; the shortest
 * prefix whose mass reaches {@code topP}). Tokens in the nucleus get {@code s[y]} above. Tokens
 * outside it get, before the final renormalization,
 * <ul>
 *   <li>{@link EFTSpec.ConservativeMode#REMOVE}: {@code -inf}, i.e. probability 0;</li>
 *   <li>{@link EFTSpec.ConservativeMode#ANCHOR_ONLY}: {@code x_a[y] − lse_a}, the anchor's own
 *       log-probability, the other components' deltas dropped (on the scale of {@code s}: plus
 *       {@code Σ c_i·(lse_i − k_i) + δ_i}); a token masked by the rule above stays masked.</li>
 * </ul>
 * {@code topP = 1} disables the filter.
 *
 * <p>{@link #componentLogProb} reads the rows passed to the last successful {@link #combine} or
 * {@link #argmax} (it keeps references, not copies): call it before those rows change, e.g.
 * before {@code DecodingState.append}.
 *
 * <p>Work buffers (per-component scalars, and for the conservative filter a key buffer and two
 * rows) are allocated once here; {@link #combine} and {@link #argmax} allocate nothing.
 */
final class LinearEFTCombiner implements EFTCombiner {
    /**
     * How far (in logit units) the sampled shift may lie from a row's maximum before the fused
     * pass is redone with the maximum: bounds the extra rounding error per term by
     * {@code 2^-24·32·|c_i|} ≈ {@code 2e-6·|c_i|}. Model logits rarely put their top more than
     * 32 above the largest of 256 sampled entries, so the redo is rare.
     */
    static final float MAX_SHIFT_GAP = 32f;
    /** Rows up to this size get their exact maximum as the shift; longer ones a sample of it. */
    private static final int SAMPLE = 256;
    private static final int SAMPLE_CHUNKS = 8;

    private final EFTSpec spec;
    private final int vocabSize;
    private final VectorKernels kernels;
    private final int count;
    // the call in progress, over the components with c_i != 0 ("active"), in spec order
    private final float[][] activeRows;
    private final float[] activeC;
    private final int[] activeIndex;  // active position -> spec index
    private final float[] shift;      // k_i per active component
    private final float[] bias;       // −c_i·k_i (rounded) per active component
    private final float[] stats;      // (active + 2) the fused pass's row maxima, max s, checksum
    private final float[] maxWork;    // (count) m_i per spec component
    private final float[] logSumWork; // (count) log Σ exp(x_i − m_i), where known
    private final boolean[] knownWork;
    // committed at the end of a successful call, for componentLogProb
    private final float[][] last;
    private final float[] max;
    private final float[] logSum;
    private final boolean[] known;
    // conservative filter
    private final int anchor;         // index of the conservative anchor, or -1
    private final float anchorTopP;
    private final boolean anchorOnly;
    private final long[] keys;        // (V) nucleus keys
    private final float[] saved;      // (V) nucleus scores kept while the row is rewritten
    private final float[] scores;     // (V) argmax's row when the filter needs the whole row

    LinearEFTCombiner(EFTSpec spec, int vocabSize) {
        this(spec, vocabSize, VectorizationProvider.kernels());
    }

    LinearEFTCombiner(EFTSpec spec, int vocabSize, VectorKernels kernels) {
        if (spec == null) {
            throw new IllegalArgumentException("spec must not be null");
        }
        if (vocabSize < 1) {
            throw new IllegalArgumentException("vocabSize must be >= 1, got " + vocabSize);
        }
        this.spec = spec;
        this.vocabSize = vocabSize;
        this.kernels = kernels;
        this.count = spec.size();
        this.activeRows = new float[count][];
        this.activeC = new float[count];
        this.activeIndex = new int[count];
        this.shift = new float[count];
        this.bias = new float[count];
        this.stats = new float[count + 2];
        this.maxWork = new float[count];
        this.logSumWork = new float[count];
        this.knownWork = new boolean[count];
        this.last = new float[count][];
        this.max = new float[count];
        this.logSum = new float[count];
        this.known = new boolean[count];
        EFTSpec.ConservativeFilter f = spec.conservative();
        if (f != null && f.topP() < 1) {
            this.anchor = spec.indexOf(f.anchor());
            this.anchorTopP = (float) f.topP();
            this.anchorOnly = f.mode() == EFTSpec.ConservativeMode.ANCHOR_ONLY;
            this.keys = new long[vocabSize];
            this.saved = new float[vocabSize];
            this.scores = new float[vocabSize];
        } else {
            this.anchor = -1;
            this.anchorTopP = 1;
            this.anchorOnly = false;
            this.keys = null;
            this.saved = null;
            this.scores = null;
        }
    }

    @Override
    public EFTSpec spec() {
        return spec;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public void combine(float[][] logits, float[] coefficients, float[] out) {
        validate(logits, coefficients, out, true);
        int n = vocabSize;
        float m = unnormalized(logits, coefficients, out);
        // out[y] = s[y] − log Σ exp(s)
        kernels.add(out, n, -(m + (float) Math.log(kernels.sumExp(out, n, m))));
        commit(logits);
    }

    @Override
    public int argmax(float[][] logits, float[] coefficients) {
        validate(logits, coefficients, null, false);
        int n = vocabSize;
        int token;
        if (anchor >= 0) {
            // the filter rewrites scores by the anchor's nucleus: it needs the whole row
            token = kernels.indexOf(scores, n, unnormalized(logits, coefficients, scores));
        } else {
            int k = prepare(logits, coefficients);
            token = kernels.argmaxWeightedSum(activeRows, activeC, bias, k, n, stats);
            if (checkRows(coefficients, k)) {
                token = kernels.argmaxWeightedSum(activeRows, activeC, bias, k, n, stats);
            }
            if (checkScores(coefficients, k) == Float.NEGATIVE_INFINITY) {
                throw allMasked();
            }
        }
        commit(logits);
        return token;
    }

    /** Writes the unnormalized scores {@code s} (conservative filter applied); returns their maximum. */
    private float unnormalized(float[][] logits, float[] coefficients, float[] out) {
        int n = vocabSize;
        int k = prepare(logits, coefficients);
        kernels.weightedSum(activeRows, activeC, bias, k, out, n, stats);
        if (checkRows(coefficients, k)) {
            kernels.weightedSum(activeRows, activeC, bias, k, out, n, stats);
        }
        float m = checkScores(coefficients, k);
        if (anchor >= 0) {
            m = conservative(logits, k, out, n);
        }
        if (m == Float.NEGATIVE_INFINITY) {
            throw allMasked();
        }
        return m;
    }

    /**
     * Gathers the active components and their shifts; takes the maxima of the others (they take
     * no part, but their NaN / +inf is still an error). Returns the number of active components.
     */
    private int prepare(float[][] logits, float[] coefficients) {
        int k = 0;
        for (int i = 0; i < count; i++) {
            knownWork[i] = false;
            if (coefficients[i] != 0) {
                activeRows[k] = logits[i];
                activeC[k] = coefficients[i];
                activeIndex[k] = i;
                shift[k] = sampleMax(logits[i]);
                bias[k] = -coefficients[i] * shift[k];
                k++;
            } else {
                maxWork[i] = kernels.max(logits[i], vocabSize);
            }
        }
        if (k == 0) {
            checkRows(coefficients, 0);
            throw new IllegalArgumentException("every coefficient is 0; expected at least one nonzero coefficient");
        }
        return k;
    }

    /**
     * The maximum of a sample of the row (the whole row when short): a shift near the row's
     * maximum at a fraction of a pass. 0 when the sample is all masked; the pass then shows how
     * far off that is.
     */
    private float sampleMax(float[] row) {
        int n = vocabSize;
        float m;
        if (n <= SAMPLE) {
            m = kernels.max(row, 0, n);
        } else {
            m = Float.NEGATIVE_INFINITY;
            int chunk = SAMPLE / SAMPLE_CHUNKS;
            for (int q = 0; q < SAMPLE_CHUNKS; q++) {
                int from = (int) ((long) (n - chunk) * q / (SAMPLE_CHUNKS - 1));
                m = Math.max(m, kernels.max(row, from, from + chunk));
            }
        }
        return Float.isFinite(m) ? m : 0f;     // NaN / +inf: the pass reports the row anyway
    }

    /**
     * Records the fused pass's row maxima and rejects NaN / +inf / all-masked rows, in spec order
     * and with the messages of a per-row check; then re-aims every shift that lies more than
     * {@link #MAX_SHIFT_GAP} from its row's maximum. Returns whether the pass must run again.
     */
    private boolean checkRows(float[] coefficients, int k) {
        float checksum = stats[k + 1];
        boolean suspect = Float.isNaN(checksum) || checksum == Float.POSITIVE_INFINITY;
        for (int a = 0; a < k; a++) {
            // a NaN or +inf somewhere (or a sum of huge logits that overflowed): exact maxima, NaN included
            maxWork[activeIndex[a]] = suspect ? kernels.max(activeRows[a], vocabSize) : stats[a];
        }
        for (int i = 0; i < count; i++) {
            float m = maxWork[i];
            if (Float.isNaN(m)) {
                throw new IllegalArgumentException("NaN logit in component " + i + " ('" + spec.components().get(i).name()
                        + "'); expected finite logits or -inf for masked tokens");
            }
            if (m == Float.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("+inf logit in component " + i + " ('" + spec.components().get(i).name()
                        + "'); expected finite logits or -inf for masked tokens");
            }
            if (m == Float.NEGATIVE_INFINITY && (coefficients[i] != 0 || i == anchor)) {
                throw new IllegalArgumentException("every token is masked (-inf) in component " + i + " ('"
                        + spec.components().get(i).name() + "'), so the EFT row would be all -inf");
            }
        }
        boolean again = false;
        for (int a = 0; a < k; a++) {
            float m = maxWork[activeIndex[a]];
            if (!(Math.abs(m - shift[a]) <= MAX_SHIFT_GAP)) {
                shift[a] = m;
                bias[a] = -activeC[a] * m;
                again = true;
            }
        }
        return again;
    }

    /** Rejects a combined score that overflowed to +inf; returns the maximum score. */
    private float checkScores(float[] coefficients, int k) {
        float m = stats[k];
        if (m == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("combined score overflowed to +inf; coefficients "
                    + java.util.Arrays.toString(coefficients) + " are too large for these logits");
        }
        return m;
    }

    private IllegalArgumentException allMasked() {
        return new IllegalArgumentException("every token is masked (-inf) after combining: each token is -inf in some "
                + "component with a nonzero coefficient");
    }

    /** log Σ exp(x_i − m_i) of component {@code i} of the call in progress, computed once. */
    private float logSumWork(int i, float[] row) {
        if (!knownWork[i]) {
            float m = maxWork[i];
            logSumWork[i] = m == Float.NEGATIVE_INFINITY ? 0f : (float) Math.log(kernels.sumExp(row, vocabSize, m));
            knownWork[i] = true;
        }
        return logSumWork[i];
    }

    /** Applies the conservative filter to the unnormalized scores; returns their new maximum. */
    private float conservative(float[][] logits, int k, float[] out, int n) {
        float[] anchorLogits = logits[anchor];
        float anchorMax = maxWork[anchor];
        float anchorLogSum = logSumWork(anchor, anchorLogits);
        int size = Selection.nucleus(kernels, anchorLogits, n, anchorMax + anchorLogSum, anchorTopP, saved, keys);
        if (anchorOnly) {
            for (int t = 0; t < size; t++) {
                saved[t] = out[Selection.tokenOf(keys[t])];
            }
            // s = Σ c_i·log_softmax(x_i) + Σ [c_i·(lse_i − k_i) + δ_i], δ_i = bias_i + c_i·k_i the
            // rounding of the bias: the anchor's log-prob gets the same offset. Two steps,
            // (x_a − m_a) then the small rest, so that large logits lose no bits.
            double offset = 0;
            for (int a = 0; a < k; a++) {
                int i = activeIndex[a];
                offset += activeC[a] * ((double) (maxWork[i] - shift[a]) + logSumWork(i, activeRows[a]))
                        + ((double) bias[a] + (double) activeC[a] * shift[a]);
            }
            kernels.replaceUnmasked(anchorLogits, -anchorMax, out, n);   // masked tokens stay masked
            kernels.add(out, n, (float) (offset - anchorLogSum));
            for (int t = 0; t < size; t++) {
                out[Selection.tokenOf(keys[t])] = saved[t];
            }
        } else {
            Selection.keepOnly(out, n, keys, size, saved);
        }
        return kernels.max(out, n);
    }

    /** Makes this call's rows, maxima and log-sums what {@link #componentLogProb} reads. */
    private void commit(float[][] logits) {
        System.arraycopy(logits, 0, last, 0, count);
        System.arraycopy(maxWork, 0, max, 0, count);
        System.arraycopy(logSumWork, 0, logSum, 0, count);
        System.arraycopy(knownWork, 0, known, 0, count);
    }

    /** The argument checks; {@code withOut} for {@link #combine} (argmax has no output row). */
    private void validate(float[][] logits, float[] coefficients, float[] out, boolean withOut) {
        if (withOut && (logits == null || coefficients == null || out == null)) {
            throw new IllegalArgumentException("logits, coefficients and out must not be null");
        }
        if (logits == null || coefficients == null) {
            throw new IllegalArgumentException("logits and coefficients must not be null");
        }
        if (logits.length != count) {
            throw new IllegalArgumentException("expected " + count + " logit rows " + spec.names() + ", got " + logits.length);
        }
        if (coefficients.length != count) {
            throw new IllegalArgumentException("expected " + count + " coefficients " + spec.names() + ", got " + coefficients.length);
        }
        for (int i = 0; i < count; i++) {
            if (logits[i] == null) {
                throw new IllegalArgumentException("logit row " + i + " ('" + spec.components().get(i).name() + "') is null");
            }
            if (logits[i].length < vocabSize) {
                throw new IllegalArgumentException("logit row " + i + " ('" + spec.components().get(i).name() + "') has "
                        + logits[i].length + " entries; expected at least the shared vocabulary size " + vocabSize);
            }
            if (logits[i] == out) {
                throw new IllegalArgumentException("out must not be logit row " + i + " ('" + spec.components().get(i).name()
                        + "'): the rows are read again by componentLogProb; expected a separate array");
            }
            if (!Float.isFinite(coefficients[i])) {
                throw new IllegalArgumentException("coefficient " + i + " ('" + spec.components().get(i).name()
                        + "') must be finite, got " + coefficients[i]);
            }
        }
        if (withOut && out.length < vocabSize) {
            throw new IllegalArgumentException("out has " + out.length + " entries; expected at least " + vocabSize);
        }
    }

    @Override
    public float componentLogProb(int component, int token) {
        if (component < 0 || component >= count) {
            throw new IllegalArgumentException("component " + component + " out of range [0, " + count + ")");
        }
        if (token < 0 || token >= vocabSize) {
            throw new IllegalArgumentException("token " + token + " out of range [0, " + vocabSize + ")");
        }
        float[] row = last[component];
        if (row == null) {
            throw new IllegalStateException("componentLogProb called before a successful combine");
        }
        float x = row[token];
        // A component that is all -inf (allowed with coefficient 0) has max -inf: its tokens have log-prob -inf.
        if (x == Float.NEGATIVE_INFINITY) {
            return Float.NEGATIVE_INFINITY;
        }
        if (!known[component]) {   // computed on first use, once per step
            logSum[component] = (float) Math.log(kernels.sumExp(row, vocabSize, max[component]));
            known[component] = true;
        }
        // (x − m) − log Σ exp(x − m): exact first step, so large logits keep their bits
        return (x - max[component]) - logSum[component];
    }
}
