package io.github.eft4j.decoder;

import io.github.eft4j.combine.EFTSpec;
import java.util.Arrays;

/**
 * What happened at one position of a generated (or scored) continuation.
 *
 * <p><b>Implicit reward.</b> EFT reads {@code log p} as an anchor model plus a delta (the reward
 * that fine-tuning, or scale, adds). The spec says which components form the delta ({@link
 * EFTSpec#delta()}); {@code implicitReward} is {@link EFTSpec#implicitReward(float[], float[])}
 * for the chosen token with this step's coefficients. For the factory specs: {@link
 * EFTSpec#upscale()} gives {@code log π_small-ft − log π_small-base}; {@link EFTSpec#downscale()}
 * gives {@code log π_large-ft − log π_large-base}; {@link EFTSpec#behaviourDelta(double)} gives
 * {@code β(log π_small-ft − log π_small-base)}; {@link EFTSpec#scaleDelta(double)} gives the scale
 * delta {@code β(log π_large-base − log π_small-base)}; {@link EFTSpec#lambdaInterpolation(double)}
 * gives {@code λ(small-ft − small-base) + (1−λ)(small-ft2 − small-base)} in log-probabilities.
 *
 * @param position the position in the continuation, from 0
 * @param token the token id
 * @param componentLogProbs each component's own log-probability of {@code token}, in spec order
 * @param combinedLogProb the EFT log-probability of {@code token} (the combiner's output,
 *     conservative filter included, before sampling processors)
 * @param sampledLogProb the log-probability of {@code token} in the processed EFT distribution
 *     of its position (after temperature, top-k/p, min-p, repetition penalty): the distribution a
 *     plain step draws from, and the target {@code p} of speculative decoding, also for accepted
 *     drafts and resampled tokens (not the draft's {@code q} or the residual); equal to
 *     {@code combinedLogProb} for scored tokens
 * @param implicitReward {@code Σ c_i · componentLogProbs[i]} over the spec's delta components
 * @param origin how the token was produced
 * @param rejectedDraft the draft token rejected at this position when {@code origin} is
 *     {@link TokenOrigin#RESAMPLED}, else -1
 */
public record TokenTrace(int position, int token, float[] componentLogProbs, float combinedLogProb,
        float sampledLogProb, float implicitReward, TokenOrigin origin, int rejectedDraft) {

    /** Validates and copies. */
    public TokenTrace {
        if (position < 0 || token < 0) {
            throw new IllegalArgumentException("position and token must be >= 0, got " + position + ", " + token);
        }
        if (origin == null) {
            throw new IllegalArgumentException("origin must not be null");
        }
        componentLogProbs = componentLogProbs.clone();
    }

    /**
     * Returns a copy of each component's log-probability of the token.
     *
     * @return one value per component, in spec order
     */
    @Override
    public float[] componentLogProbs() {
        return componentLogProbs.clone();
    }

    /**
     * Returns one component's log-probability of the token.
     *
     * @param component the component index in spec order
     * @return its log-probability
     */
    public float componentLogProb(int component) {
        return componentLogProbs[component];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenTrace t && position == t.position && token == t.token
                && Arrays.equals(componentLogProbs, t.componentLogProbs)
                && Float.compare(combinedLogProb, t.combinedLogProb) == 0
                && Float.compare(sampledLogProb, t.sampledLogProb) == 0
                && Float.compare(implicitReward, t.implicitReward) == 0 && origin == t.origin
                && rejectedDraft == t.rejectedDraft;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * position + token) + Arrays.hashCode(componentLogProbs) + origin.hashCode();
    }

    @Override
    public String toString() {
        return "TokenTrace[position=" + position + ", token=" + token + ", componentLogProbs="
                + Arrays.toString(componentLogProbs) + ", combinedLogProb=" + combinedLogProb + ", sampledLogProb="
                + sampledLogProb + ", implicitReward=" + implicitReward + ", origin=" + origin
                + (rejectedDraft >= 0 ? ", rejectedDraft=" + rejectedDraft : "") + "]";
    }
}
