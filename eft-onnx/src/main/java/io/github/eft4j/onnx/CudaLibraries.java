package io.github.eft4j.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.eft4j.model.EFTException;

/**
 * CUDA-only: makes {@code libonnxruntime_providers_cuda.so} available next to the loaded
 * {@code libonnxruntime.so} (where the C API looks for it): copied once into the per-user library
 * cache (a later JVM finds it there instead of copying 583 MB again), then the official package's
 * {@code addCUDA}, which extracts it only if it is not in that directory and tries to load it, so
 * a machine without usable CUDA fails here with ORT's message.
 */
final class CudaLibraries {
    private CudaLibraries() {
    }

    static void extract(int deviceId) {
        OrtStartup.cacheProvider("onnxruntime_providers_cuda");
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.addCUDA(deviceId);
        } catch (OrtException e) {
            throw new EFTException("CUDA execution provider: " + e.getMessage(), e);
        }
    }
}
