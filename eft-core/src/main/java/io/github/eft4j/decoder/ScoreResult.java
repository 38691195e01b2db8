package io.github.eft4j.decoder;

import java.util.List;

/**
 * The EFT log-likelihood of a given continuation (teacher forcing; see
 * {@link EFTDecoder#score(Prompt, int[])}).
 *
 * @param tokens one entry per continuation token, with origin {@link TokenOrigin#SCORED}: the
 *     EFT log-probability ({@link TokenTrace#combinedLogProb()}), each component's, and the
 *     implicit reward
 * @param totalLogProb the sum of the EFT log-probabilities, accumulated in double
 */
public record ScoreResult(List<TokenTrace> tokens, double totalLogProb) {

    /** Copies the list. */
    public ScoreResult {
        tokens = List.copyOf(tokens);
    }

    /**
     * Returns the per-token EFT log-probabilities.
     *
     * @return one value per continuation token
     */
    public float[] logProbs() {
        float[] out = new float[tokens.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = tokens.get(i).combinedLogProb();
        }
        return out;
    }
}
