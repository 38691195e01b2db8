package io.github.eft4j.sampling;

import io.github.eft4j.internal.vector.VectorKernels;
import io.github.eft4j.internal.vector.VectorizationProvider;
import java.util.random.RandomGenerator;

/**
 * Picks the most likely token, the lowest id on ties; ignores the random generator. Stateless.
 */
public final class GreedySampler implements Sampler {
    private final VectorKernels kernels = VectorizationProvider.kernels();

    /** Creates the sampler. */
    public GreedySampler() {
    }

    @Override
    public int sample(float[] logProbs, int vocabSize, RandomGenerator rng) {
        float max = CategoricalSampler.checkRow(kernels, logProbs, vocabSize);
        return kernels.indexOf(logProbs, vocabSize, max);
    }
}
