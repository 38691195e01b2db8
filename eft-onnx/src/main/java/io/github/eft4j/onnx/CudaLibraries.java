package io.github.eft4j.onnx;

import io.github.eft4j.model.EFTException;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.eft4j.model.EFTException;

/**
 * CUDA-only: makes the official package extract {@code libonnxruntime_providers_cuda.so} next to
 * the loaded {@code libonnxruntime.so} (where the C API looks for it). The official
 * {@code addCUDA} both extracts and tries to load it, so a machine without usable CUDA fails here
 * with ORT's message.
 */
final class CudaLibraries {
    private CudaLibraries() {
    }

    static void extract(int deviceId) {
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.addCUDA(deviceId);
        } catch (OrtException e) {
            throw new EFTException("CUDA execution provider: " + e.getMessage(), e);
        }
    }
}
