/**
 * The generation loop: {@link io.github.eft4j.decoder.EFTDecoder} drives one
 * {@link io.github.eft4j.model.DecodingState} per component through the EFT combination, the sampling
 * processors and the sampler: plain or speculative, streamed ({@link io.github.eft4j.decoder.Generation}),
 * batched, or scoring a given continuation. Settings are {@link io.github.eft4j.decoder.GenerationConfig}
 * and {@link io.github.eft4j.decoder.SpeculativeConfig}; per-source prompts are a
 * {@link io.github.eft4j.decoder.Prompt}, built from chat formats by
 * {@link io.github.eft4j.decoder.SourcePrompts}. Every position goes through one decoding step;
 * {@link io.github.eft4j.decoder.StepObserver} watches it, and interrupts, timeouts and
 * {@link io.github.eft4j.decoder.Generation#cancel()} stop a call within one step
 * ({@link io.github.eft4j.decoder.FinishReason}). See {@code docs/decoder.md}.
 */
package io.github.eft4j.decoder;
