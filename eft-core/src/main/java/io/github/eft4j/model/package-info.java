/**
 * A language model seen through its next-token logits: {@link io.github.eft4j.model.LogitSource}
 * (thread-safe, one per model) opens a {@link io.github.eft4j.model.DecodingState} per sequence (one
 * thread at a time; multi-token {@code append}, {@code truncate}). Backends such as eft-onnx implement
 * these; {@link io.github.eft4j.model.ForwardingDecodingState} wraps a state to observe or alter it.
 * Backend failures are {@link io.github.eft4j.model.EFTException}s that keep their cause.
 * {@link io.github.eft4j.model.Cancellation} stops a long prefill, and
 * {@link io.github.eft4j.model.DecodingState#cancel()} a call in flight, from another thread.
 */
package io.github.eft4j.model;
