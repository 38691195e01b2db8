package io.github.eft4j.sampling;

import io.github.eft4j.internal.vector.VectorKernels;
import io.github.eft4j.internal.vector.VectorizationProvider;
import java.util.random.RandomGenerator;

/**
 * Draws a token from a normalized log-probability row by inverting the CDF with one uniform
 * {@code float} from the injected generator (as llama3.java's {@code CategoricalSampler}); the
 * exponentials are summed a vector at a time and only the crossing block is rescanned. If
 * rounding leaves the total mass at or below the draw, the last finite token is returned.
 * Stateless; the same seed reproduces the same tokens.
 */
public final class CategoricalSampler implements Sampler {
    private final VectorKernels kernels = VectorizationProvider.kernels();

    /** Creates the sampler. */
    public CategoricalSampler() {
    }

    @Override
    public int sample(float[] logProbs, int vocabSize, RandomGenerator rng) {
        if (rng == null) {
            throw new IllegalArgumentException("categorical sampling needs a RandomGenerator, got null");
        }
        checkRow(kernels, logProbs, vocabSize);
        int token = kernels.inverseCdf(logProbs, vocabSize, rng.nextFloat());
        if (token >= 0) {
            return token;
        }
        for (int j = vocabSize - 1; ; j--) {
            if (logProbs[j] != Float.NEGATIVE_INFINITY) {
                return j;
            }
        }
    }

    /** Rejects a row that cannot be sampled; returns its maximum. */
    static float checkRow(VectorKernels kernels, float[] row, int vocabSize) {
        if (row == null) {
            throw new IllegalArgumentException("log-probability row must not be null");
        }
        if (vocabSize < 1 || vocabSize > row.length) {
            throw new IllegalArgumentException("vocabSize " + vocabSize + " out of range [1, " + row.length + "] for this row");
        }
        float max = kernels.max(row, vocabSize);
        if (Float.isNaN(max)) {
            throw new IllegalArgumentException("log-probability row holds NaN; expected finite values or -inf");
        }
        if (max == Float.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("every token is masked (-inf); nothing can be sampled");
        }
        if (max == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("log-probability row holds +inf; expected finite values or -inf");
        }
        return max;
    }
}
