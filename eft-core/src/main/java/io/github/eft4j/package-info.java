/**
 * eft4j: emulated fine-tuning (Mitchell et al. 2023) for the JVM. Several language models that
 * share a vocabulary ({@link io.github.eft4j.LogitSource}) are combined at every decoding step,
 * {@code log p(y) = log_softmax(Σ_i c_i · log_softmax(logits_i))(y)}
 * ({@link io.github.eft4j.EFTCombiner}, {@link io.github.eft4j.EFTSpec}), and
 * {@link io.github.eft4j.EftDecoder} runs the loop: plain or speculative, streamed, batched, or
 * scoring a given continuation.
 */
package io.github.eft4j;
