package io.github.eft4j.sampling;

import io.github.eft4j.internal.vector.VectorKernels;
import io.github.eft4j.internal.vector.VectorizationProvider;

/**
 * Min-p filtering (Hugging Face {@code MinPLogitsWarper}): removes tokens whose probability is
 * below {@code minP} times the probability of the most likely token; in log space, scores below
 * {@code max + log(minP)}. The most likely token always survives.
 */
public final class MinP implements LogitProcessor {
    private final float minP;
    private final float logMinP;
    private final VectorKernels kernels = VectorizationProvider.kernels();

    /**
     * Creates the processor.
     *
     * @param minP the relative threshold, in {@code [0, 1]}; 0 keeps everything
     * @throws IllegalArgumentException if {@code minP} is outside {@code [0, 1]}
     */
    public MinP(float minP) {
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min-p must be in [0, 1], got " + minP);
        }
        this.minP = minP;
        this.logMinP = (float) Math.log(minP);
    }

    /**
     * Returns min-p.
     *
     * @return the relative threshold
     */
    public float minP() {
        return minP;
    }

    @Override
    public void apply(float[] scores, int vocabSize, int[] history, int historyLength) {
        if (minP == 0) {
            return;
        }
        float max = kernels.max(scores, vocabSize);
        if (Float.isFinite(max)) {
            kernels.maskBelow(scores, vocabSize, max + logMinP);
        }
    }
}
