package io.github.eft4j.onnx;

import static io.github.eft4j.onnx.OrtApi.A;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** An {@code OrtSessionOptions}: threads, graph optimisation, and the CUDA provider. */
final class OrtSessionOptions extends NativeHandle {

    private OrtSessionOptions(MemorySegment p) {
        super("OrtSessionOptions", p);
    }

    /**
     * Creates default options with all graph optimisations enabled.
     *
     * @return new options; close them after creating the session
     */
    public static OrtSessionOptions create() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(A);
            OrtApi.call("CreateSessionOptions", OrtApi.CREATE_SESSION_OPTIONS, out);
            OrtSessionOptions o = new OrtSessionOptions(out.get(A, 0));
            try {
                OrtApi.call("SetSessionGraphOptimizationLevel", OrtApi.SET_GRAPH_OPTIMIZATION_LEVEL, o.ptr(), 99);
            } catch (RuntimeException e) {
                o.close();
                throw e;
            }
            return o;
        }
    }

    /**
     * Gives the session its own intra-op pool of {@code threads} threads (1 = run on the caller).
     *
     * @param threads at least 1
     */
    public void intraOpThreads(int threads) {
        OrtApi.call("SetIntraOpNumThreads", OrtApi.SET_INTRA_OP_NUM_THREADS, ptr(), threads);
        OrtApi.call("SetInterOpNumThreads", OrtApi.SET_INTER_OP_NUM_THREADS, ptr(), 1);
        config("session.intra_op.allow_spinning", threads > 1 ? "1" : "0");
    }

    /** Makes the session use the environment's global thread pool ({@link OrtEnv}). */
    public void useSharedThreadPool() {
        OrtApi.call("DisablePerSessionThreads", OrtApi.DISABLE_PER_SESSION_THREADS, ptr());
    }

    /**
     * Sets a session configuration entry ({@code AddSessionConfigEntry}).
     *
     * @param key the key, see onnxruntime_session_options_config_keys.h
     * @param value the value
     */
    public void config(String key, String value) {
        try (Arena a = Arena.ofConfined()) {
            OrtApi.call("AddSessionConfigEntry", OrtApi.ADD_SESSION_CONFIG_ENTRY, ptr(), a.allocateFrom(key),
                    a.allocateFrom(value));
        }
    }

    /**
     * Appends the CUDA execution provider (V2 options). CUDA-only.
     *
     * @param deviceId the CUDA device
     * @param memoryLimitBytes the arena limit, or 0 for no limit
     * @throws io.github.eft4j.onnx.OrtStatusException if the provider cannot be appended
     */
    public void appendCuda(int deviceId, long memoryLimitBytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(A);
            OrtApi.call("CreateCUDAProviderOptions", OrtApi.CREATE_CUDA_PROVIDER_OPTIONS, out);
            MemorySegment cuda = out.get(A, 0);
            try {
                int n = memoryLimitBytes > 0 ? 2 : 1;
                MemorySegment keys = a.allocate(A, n);
                MemorySegment values = a.allocate(A, n);
                keys.setAtIndex(A, 0, a.allocateFrom("device_id"));
                values.setAtIndex(A, 0, a.allocateFrom(Integer.toString(deviceId)));
                if (n == 2) {
                    keys.setAtIndex(A, 1, a.allocateFrom("gpu_mem_limit"));
                    values.setAtIndex(A, 1, a.allocateFrom(Long.toString(memoryLimitBytes)));
                }
                OrtApi.call("UpdateCUDAProviderOptions", OrtApi.UPDATE_CUDA_PROVIDER_OPTIONS, cuda, keys, values,
                        (long) n);
                OrtApi.call("SessionOptionsAppendExecutionProvider_CUDA_V2", OrtApi.APPEND_CUDA_V2, ptr(), cuda);
            } finally {
                OrtApi.release(OrtApi.RELEASE_CUDA_PROVIDER_OPTIONS, cuda);
            }
        }
    }

    @Override
    protected void release(MemorySegment p) {
        OrtApi.release(OrtApi.RELEASE_SESSION_OPTIONS, p);
    }
}
