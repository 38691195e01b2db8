package com.example.eft;

import io.github.eft4j.sampling.LogitProcessor;

/** A user-written {@link LogitProcessor}: the given tokens can never be chosen. */
public final class BanTokens implements LogitProcessor {
    private final int[] banned;

    /**
     * Creates the processor.
     *
     * @param banned the token ids to ban
     */
    public BanTokens(int... banned) {
        this.banned = banned.clone();
    }

    @Override
    public void apply(float[] scores, int vocabSize, int[] history, int historyLength) {
        for (int t : banned) {
            if (t < vocabSize) {
                scores[t] = Float.NEGATIVE_INFINITY;
            }
        }
    }
}
