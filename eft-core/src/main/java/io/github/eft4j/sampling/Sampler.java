package io.github.eft4j.sampling;


import java.util.random.RandomGenerator;

/**
 * Picks the next token from a row of log-probabilities.
 *
 * <p>Implementations are small and composable (see {@code io.github.eft4j.sampling}), take the
 * random generator as an argument so that a seeded generator reproduces a run, and allocate
 * nothing per call (work buffers are preallocated for the vocabulary size they are built for).
 * A sampler instance holds such buffers and belongs to one thread at a time.
 *
 * <pre>{@code
 * Sampler sampler = new CategoricalSampler();            // or new GreedySampler()
 * RandomGenerator rng = new SplittableRandom(42);        // seeded: the same draws every run
 * int token = sampler.sample(logProbs, vocabSize, rng);  // logProbs from EFTCombiner.combine
 * }</pre>
 *
 * <p>{@link io.github.eft4j.sampling.SamplingPipeline} chains the processors (temperature,
 * top-k, top-p, min-p, repetition penalty) in front of a sampler.
 */
public interface Sampler {

    /**
     * Draws one token.
     *
     * @param logProbs normalized log-probabilities in {@code [0, vocabSize)}; {@code -inf}
     *     marks an excluded token; not modified
     * @param vocabSize the number of entries to read
     * @param rng the source of randomness (unused by deterministic samplers)
     * @return a token id in {@code [0, vocabSize)} with a finite log-probability
     * @throws IllegalArgumentException if every entry is {@code -inf} or one is NaN
     */
    int sample(float[] logProbs, int vocabSize, RandomGenerator rng);
}
