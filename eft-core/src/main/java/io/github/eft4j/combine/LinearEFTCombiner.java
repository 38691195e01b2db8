package io.github.eft4j.combine;

import io.github.eft4j.model.DecodingState;

import io.github.eft4j.internal.vector.Selection;
import io.github.eft4j.internal.vector.VectorKernels;
import io.github.eft4j.internal.vector.VectorizationProvider;

/**
 * The standard {@link EFTCombiner}: the linear EFT combination of Mitchell et al. (2023),
 * renormalized. For components {@code i} with raw logits {@code x_i} and this step's coefficients
 * {@code c_i}, over the shared vocabulary {@code [0, V)}:
 *
 * <pre>
 *   lse_i   = log Σ_y exp(x_i[y])                       (per component; one max + one exp pass)
 *   s[y]    = Σ_{i : c_i ≠ 0} c_i · (x_i[y] − lse_i)    (= Σ c_i · log_softmax(x_i)[y]; one fused pass)
 *   out[y]  = s[y] − log Σ_y' exp(s[y'])                 (renormalize: log_softmax(s))
 * </pre>
 *
 * Up-scaling, for example, is {@code c = (+1, +1, −1)} over (large base, small fine-tuned, small
 * base): the large base plus the small models' implicit reward.
 *
 * <p><b>Masked tokens.</b> A {@code -inf} logit is a masked token. A token masked in ANY
 * component with a nonzero coefficient is masked ({@code -inf}) in the result, whatever the sign
 * of the coefficient; this is what IEEE arithmetic gives for positive coefficients, and it keeps
 * {@code c·(−inf)} with {@code c < 0} from turning a masked token into the most likely one (or
 * into NaN next to another {@code -inf}). A component with coefficient 0 does not take part. A
 * step where every token ends up masked, a NaN or {@code +inf} logit, a non-finite coefficient
 * and short rows are rejected with {@link IllegalArgumentException}; the combiner's state (what
 * {@link #componentLogProb} reads) stays that of the last successful call. Only the all-masked
 * case is detected after {@code out} was written; every other check runs before.
 *
 * <p><b>Conservative filter</b> ({@link EFTSpec.ConservativeFilter}, the paper's conservative
 * decoding): the anchor component's top-p nucleus is computed on its own distribution
 * {@code softmax(x_a)} (probability descending, lower token id first on ties; the shortest
 * prefix whose mass reaches {@code topP}). Tokens in the nucleus get {@code s[y]} above. Tokens
 * outside it get, before the final renormalization,
 * <ul>
 *   <li>{@link EFTSpec.ConservativeMode#REMOVE}: {@code -inf}, i.e. probability 0;</li>
 *   <li>{@link EFTSpec.ConservativeMode#ANCHOR_ONLY}: {@code x_a[y] − lse_a}, the anchor's own
 *       log-probability, the other components' deltas dropped; a token masked by the rule
 *       below stays masked.</li>
 * </ul>
 * {@code topP = 1} disables the filter.
 *
 * <p>{@link #componentLogProb} reads the rows passed to the last successful {@link #combine}
 * (it keeps references, not copies): call it before those rows change, e.g. before
 * {@code DecodingState.append}.
 *
 * <p>Work buffers (one row of scores, the per-component log-sum-exps, and for the conservative
 * filter a key buffer) are allocated once here; {@link #combine} allocates nothing.
 */
final class LinearEFTCombiner implements EFTCombiner {
    private final EFTSpec spec;
    private final int vocabSize;
    private final VectorKernels kernels;
    private final int count;
    private final float[] lse;        // committed lse_i of the last successful combine
    private final float[] lseWork;    // lse_i of the call in progress
    private final int anchor;         // index of the conservative anchor, or -1
    private final float anchorTopP;
    private final boolean anchorOnly;
    private final long[] keys;        // (V) nucleus keys
    private final float[] saved;      // (V) nucleus scores kept while the row is rewritten
    private final float[][] last;     // rows of the last successful combine, for componentLogProb

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
        this.lse = new float[count];
        this.lseWork = new float[count];
        this.last = new float[count][];
        EFTSpec.ConservativeFilter f = spec.conservative();
        if (f != null && f.topP() < 1) {
            this.anchor = spec.indexOf(f.anchor());
            this.anchorTopP = (float) f.topP();
            this.anchorOnly = f.mode() == EFTSpec.ConservativeMode.ANCHOR_ONLY;
            this.keys = new long[vocabSize];
            this.saved = new float[vocabSize];
        } else {
            this.anchor = -1;
            this.anchorTopP = 1;
            this.anchorOnly = false;
            this.keys = null;
            this.saved = null;
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
        validate(logits, coefficients, out);
        int n = vocabSize;
        boolean anyActive = false;
        // lse_i = max_i + log Σ exp(x_i − max_i); the max pass also catches NaN and +inf
        for (int i = 0; i < count; i++) {
            float m = kernels.max(logits[i], n);
            if (Float.isNaN(m)) {
                throw new IllegalArgumentException("NaN logit in component " + i + " ('" + spec.components().get(i).name()
                        + "'); expected finite logits or -inf for masked tokens");
            }
            if (m == Float.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("+inf logit in component " + i + " ('" + spec.components().get(i).name()
                        + "'); expected finite logits or -inf for masked tokens");
            }
            if (m == Float.NEGATIVE_INFINITY) {
                if (coefficients[i] != 0 || i == anchor) {
                    throw new IllegalArgumentException("every token is masked (-inf) in component " + i + " ('"
                            + spec.components().get(i).name() + "'), so the EFT row would be all -inf");
                }
                lseWork[i] = Float.NEGATIVE_INFINITY;
            } else {
                lseWork[i] = m + (float) Math.log(kernels.sumExp(logits[i], n, m));
            }
            anyActive |= coefficients[i] != 0;
        }
        if (!anyActive) {
            throw new IllegalArgumentException("every coefficient is 0; expected at least one nonzero coefficient");
        }
        // s[y] = Σ_{c_i ≠ 0} c_i·(x_i[y] − lse_i), masked where any such x_i[y] is -inf; m = max_y s[y]
        float m = kernels.combine(logits, coefficients, lseWork, count, out, n);
        if (m == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("combined score overflowed to +inf; coefficients " + java.util.Arrays.toString(coefficients)
                    + " are too large for these logits");
        }
        if (anchor >= 0) {
            m = conservative(logits[anchor], lseWork[anchor], out, n);
        }
        if (m == Float.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("every token is masked (-inf) after combining: each token is -inf in some "
                    + "component with a nonzero coefficient");
        }
        // out[y] = s[y] − log Σ exp(s)
        kernels.add(out, n, -(m + (float) Math.log(kernels.sumExp(out, n, m))));
        System.arraycopy(lseWork, 0, lse, 0, count);
        System.arraycopy(logits, 0, last, 0, count);
    }

    /** Applies the conservative filter to the unnormalized scores; returns their new maximum. */
    private float conservative(float[] anchorLogits, float anchorLse, float[] out, int n) {
        int size = Selection.nucleus(kernels, anchorLogits, n, anchorLse, anchorTopP, saved, keys);
        if (anchorOnly) {
            for (int t = 0; t < size; t++) {
                saved[t] = out[Selection.tokenOf(keys[t])];
            }
            kernels.replaceUnmasked(anchorLogits, -anchorLse, out, n);   // masked tokens stay masked
            for (int t = 0; t < size; t++) {
                out[Selection.tokenOf(keys[t])] = saved[t];
            }
        } else {
            Selection.keepOnly(out, n, keys, size, saved);
        }
        return kernels.max(out, n);
    }

    private void validate(float[][] logits, float[] coefficients, float[] out) {
        if (logits == null || coefficients == null || out == null) {
            throw new IllegalArgumentException("logits, coefficients and out must not be null");
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
        if (out.length < vocabSize) {
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
        // A component that is all -inf (allowed with coefficient 0) has lse -inf: its tokens have log-prob -inf.
        return x == Float.NEGATIVE_INFINITY ? Float.NEGATIVE_INFINITY : x - lse[component];
    }
}
