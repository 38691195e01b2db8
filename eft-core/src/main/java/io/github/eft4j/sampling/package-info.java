/**
 * Samplers and logit processors with Hugging Face {@code generate()} semantics: {@link
 * io.github.eft4j.sampling.GreedySampler}, {@link io.github.eft4j.sampling.CategoricalSampler},
 * {@link io.github.eft4j.sampling.RepetitionPenalty}, {@link io.github.eft4j.sampling.Temperature},
 * {@link io.github.eft4j.sampling.TopK}, {@link io.github.eft4j.sampling.TopP}, {@link
 * io.github.eft4j.sampling.MinP}, and {@link io.github.eft4j.sampling.SamplingPipeline}, which
 * composes them from a {@link io.github.eft4j.sampling.SamplingConfig}. All take the random
 * generator as an argument (a seeded generator reproduces a run) and allocate nothing per token.
 */
package io.github.eft4j.sampling;
