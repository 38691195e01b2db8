package io.github.eft4j.onnx;

/** Where an {@link OnnxLogitSource} runs its graph. */
public enum ExecutionProvider {
    /** ONNX Runtime's CPU provider; KV cache in host memory. */
    CPU,
    /** ONNX Runtime's CUDA provider (needs the onnxruntime_gpu jar and CUDA 12); KV cache in device memory. */
    CUDA
}
