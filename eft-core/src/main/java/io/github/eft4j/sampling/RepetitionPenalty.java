package io.github.eft4j.sampling;

/**
 * The CTRL repetition penalty with Hugging Face semantics
 * ({@code RepetitionPenaltyLogitsProcessor}): for every distinct token in the history, a
 * positive score is divided by the penalty and a negative one multiplied by it. A token that
 * occurs several times is penalized once. On log-probabilities (all {@code <= 0}) a penalty
 * {@code > 1} therefore always lowers repeated tokens.
 */
public final class RepetitionPenalty implements LogitProcessor {
    private final float penalty;
    private final int[] stamp;   // (V) generation in which a token was last penalized
    private int generation;

    /**
     * Creates the processor.
     *
     * @param penalty the penalty, finite and {@code > 0}; 1 does nothing, {@code > 1} discourages
     *     repetition
     * @param maxVocabSize the largest vocabulary size it will see (sizes its work buffer)
     * @throws IllegalArgumentException if the penalty is not in {@code (0, +inf)} or
     *     {@code maxVocabSize < 1}
     */
    public RepetitionPenalty(float penalty, int maxVocabSize) {
        if (!(penalty > 0) || !Float.isFinite(penalty)) {
            throw new IllegalArgumentException("repetition penalty must be in (0, +inf), got " + penalty);
        }
        if (maxVocabSize < 1) {
            throw new IllegalArgumentException("maxVocabSize must be >= 1, got " + maxVocabSize);
        }
        this.penalty = penalty;
        this.stamp = new int[maxVocabSize];
    }

    /**
     * Returns the penalty.
     *
     * @return the penalty
     */
    public float penalty() {
        return penalty;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if a history token is outside {@code [0, vocabSize)} (the
     *     scores are then left unchanged)
     */
    @Override
    public void apply(float[] scores, int vocabSize, int[] history, int historyLength) {
        if (vocabSize > stamp.length) {
            throw new IllegalArgumentException("vocabSize " + vocabSize + " exceeds the " + stamp.length
                    + " this RepetitionPenalty was built for");
        }
        SamplingPipeline.checkHistory(history, historyLength, vocabSize);
        if (penalty == 1f || historyLength == 0) {
            return;
        }
        if (++generation == Integer.MAX_VALUE) {
            java.util.Arrays.fill(stamp, 0);
            generation = 1;
        }
        for (int t = 0; t < historyLength; t++) {
            int token = history[t];
            if (stamp[token] != generation) {
                stamp[token] = generation;
                float s = scores[token];
                scores[token] = s < 0 ? s * penalty : s / penalty;
            }
        }
    }
}
