/**
 * ONNX Runtime backend of eft4j: {@link io.github.eft4j.onnx.OnnxLogitSource} runs exported decoder
 * graphs (HF optimum layout) through ORT's C API via FFM, with IoBinding keeping the KV cache in
 * the execution provider's memory.
 */
package io.github.eft4j.onnx;
