/**
 * The FFM layer over ONNX Runtime's C API: one class per native object, each {@code AutoCloseable}
 * with an idempotent close and a JVM-wide live-object count. Not part of the public API.
 */
package io.github.eft4j.onnx.internal;
