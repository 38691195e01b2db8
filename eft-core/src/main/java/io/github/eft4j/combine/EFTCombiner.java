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
 * float[][] rows = {largeBase, smallFt, smallBase};
 * eft.combine(rows, eft.spec().coefficients(), out);     // log-probabilities
 * int greedy = eft.argmax(rows, eft.spec().coefficients()); // or only the greedy token: one pass
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
     * @param out receives the combined log-probabilities in {@code [0, vocabSize())}; its
     *     contents are unspecified after an exception
     * @throws IllegalArgumentException on a wrong count, a short row, a non-finite coefficient,
     *     a NaN or {@code +inf} logit, or a row where every token ends up masked
     */
    void combine(float[][] logits, float[] coefficients, float[] out);

    /**
     * The token greedy decoding picks from {@link #combine}'s row, without computing that row:
     * the argmax of the unnormalized combined scores (the normalizer is a constant of the step
     * and cannot move it), the lowest id on ties. The same checks as {@link #combine} apply, and
     * {@link #componentLogProb} then reads this call's rows.
     *
     * @param logits raw logits of each component, in spec order, each at least
     *     {@link #vocabSize()} long; {@code -inf} entries (masked tokens) are allowed
     * @param coefficients this step's coefficient per component, finite
     * @return the most likely token id, in {@code [0, vocabSize())}
     * @throws IllegalArgumentException as {@link #combine} does
     */
    int argmax(float[][] logits, float[] coefficients);

    /**
     * Returns {@code log_softmax(logits_i)[token]} for the last {@link #combine} or
     * {@link #argmax} call: the component's own log-probability of a token (for traces and
     * implicit rewards). Its normalizer is computed on the first call per step and component.
     *
     * @param component the component index in spec order
     * @param token the token id
     * @return that component's log-probability of {@code token}
     * @throws IllegalArgumentException if the component or token is out of range
     * @throws IllegalStateException before the first successful call
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
