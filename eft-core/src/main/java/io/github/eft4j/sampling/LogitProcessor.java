package io.github.eft4j.sampling;

/**
 * Rewrites a row of scores in place before sampling: temperature, top-k, top-p, min-p,
 * repetition penalty. Removing a token means setting it to {@code -inf}. The row need not be
 * normalized afterwards; the decoder renormalizes once after all processors ran.
 *
 * <p>Processors hold preallocated work buffers and allocate nothing per call; an instance belongs
 * to one thread at a time.
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
