package io.github.eft4j.sampling;

/**
 * Rewrites a row of scores in place before sampling: temperature, top-k, top-p, min-p,
 * repetition penalty, or the caller's own (a banned-token mask, a grammar, a bias; see
 * {@code GenerationConfig.Builder.processor}). Removing a token means setting it to
 * {@code -inf}. The row need not be normalized afterwards; the decoder renormalizes once after
 * all processors ran.
 *
 * <pre>{@code
 * LogitProcessor noEos = (scores, vocabSize, history, historyLength) -> scores[eos] = Float.NEGATIVE_INFINITY;
 * }</pre>
 *
 * <p>Processors hold preallocated work buffers and allocate nothing per call; an instance belongs
 * to one thread at a time.
 *
 * <p><b>A pure function of the row and the history.</b> The decoder applies a processor once per
 * scored position, and in speculative decoding also at draft positions that are later rejected
 * and to the draft's own distribution; a batch applies it to every sequence in turn. So its
 * result must depend only on {@code scores} and {@code history} (as with the built-in ones), not
 * on how often or in which order it was called; a processor that counts its calls would see a
 * different sequence of calls in speculative decoding than in plain decoding.
 */
@FunctionalInterface
public interface LogitProcessor {

    /**
     * Applies this processor.
     *
     * @param scores log-probabilities (or logits) in {@code [0, vocabSize)}, modified in place
     * @param vocabSize the number of entries
     * @param history the tokens generated so far (for penalties); {@code history[0..historyLength)}
     * @param historyLength how many entries of {@code history} are valid
     */
    void apply(float[] scores, int vocabSize, int[] history, int historyLength);
}
