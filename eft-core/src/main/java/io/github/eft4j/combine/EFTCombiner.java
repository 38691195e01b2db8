package io.github.eft4j.combine;

/**
 * Combines the next-token rows of several models into one distribution, the core of emulated
 * fine-tuning:
 *
 * <pre>
 *   log p(y) = log_softmax( Σ_i c_i · log_softmax(logits_i) )(y)
 * </pre>
 *
 * The components and their default coefficients come from an {@link EFTSpec}; the coefficients
 * of each call may differ (a β or λ schedule during generation). A combiner owns work buffers
 * for one vocabulary size, allocates nothing per call, and belongs to one thread at a time.
 *
 * <pre>{@code
 * EFTCombiner eft = EFTCombiner.create(EFTSpec.upscale(), 32000);
 * float[] out = new float[32000];
 * eft.combine(new float[][] {largeBase, smallFt, smallBase}, eft.spec().coefficients(), out);
 * }</pre>
 */
public interface EFTCombiner {

    /**
     * Returns the spec this combiner was built from.
     *
     * @return the components, default coefficients and optional conservative filter
     */
    EFTSpec spec();

    /**
     * Returns the shared vocabulary size: every row is read in {@code [0, vocabSize())}; a
     * component row may be longer (padding rows) and its tail is ignored.
     *
     * @return the shared vocabulary size
     */
    int vocabSize();

    /**
     * Combines one step.
     *
     * @param logits raw logits of each component, in spec order, each at least
     *     {@link #vocabSize()} long; {@code -inf} entries (masked tokens) are allowed
     * @param coefficients this step's coefficient per component, finite
     * @param out receives the combined log-probabilities in {@code [0, vocabSize())}
     * @throws IllegalArgumentException on a wrong count, a short row, a non-finite coefficient,
     *     a NaN logit, or a row where every token ends up masked
     */
    void combine(float[][] logits, float[] coefficients, float[] out);

    /**
     * Returns {@code log_softmax(logits_i)[token]} for the last {@link #combine} call: the
     * component's own log-probability of a token (for traces and implicit rewards).
     *
     * @param component the component index in spec order
     * @param token the token id
     * @return that component's log-probability of {@code token}
     */
    float componentLogProb(int component, int token);

    /**
     * Creates the standard linear combiner.
     *
     * @param spec the components and coefficients
     * @param vocabSize the shared vocabulary size
     * @return a new combiner
     */
    static EFTCombiner create(EFTSpec spec, int vocabSize) {
        return new LinearEFTCombiner(spec, vocabSize);
    }
}
