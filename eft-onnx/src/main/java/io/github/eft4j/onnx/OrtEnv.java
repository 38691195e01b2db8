package io.github.eft4j.onnx;

import static io.github.eft4j.onnx.OrtApi.A;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The process-wide {@code OrtEnv}, created on first use with a global intra-op thread pool that
 * every session created with {@link OrtSessionOptions#useSharedThreadPool()} shares: several
 * sources in one process then divide the cores between them instead of each spawning a pool of
 * {@code cores} threads. The pool has {@code availableProcessors()} threads and does not spin
 * (spinning workers would steal cycles from the other sources). Never released: ORT allows one
 * environment per process and sessions of the official API may share it.
 *
 * <p>Created with {@code CreateEnvWithCustomLoggerAndGlobalThreadPools} and {@link OrtLog}'s
 * upcall, so ORT's messages go to {@link System.Logger} instead of stderr; on a large-stack
 * thread ({@link OrtStartup}), because ORT's telemetry start-up copies the command line onto the
 * creating thread's stack; and followed by {@code DisableTelemetryEvents}. If the process already
 * had an environment (created by the official Java API), ORT returns that one and keeps its
 * logger and threads.
 */
final class OrtEnv {
    private static volatile MemorySegment env;

    private OrtEnv() {
    }

    /**
     * Returns the environment, creating it on first call.
     *
     * @return the {@code OrtEnv*}
     */
    public static MemorySegment get() {
        MemorySegment e = env;
        if (e == null) {
            synchronized (OrtEnv.class) {
                e = env;
                if (e == null) {
                    OrtApi.version(); // the library first, on this thread's call into OrtStartup
                    env = e = OrtStartup.onLargeStack("eft4j-onnxruntime-env", OrtEnv::create);
                }
            }
        }
        return e;
    }

    private static MemorySegment create() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(A);
            OrtApi.call("CreateThreadingOptions", OrtApi.CREATE_THREADING_OPTIONS, out);
            MemorySegment tp = out.get(A, 0);
            MemorySegment e;
            try {
                OrtApi.call("SetGlobalIntraOpNumThreads", OrtApi.SET_GLOBAL_INTRA_OP_NUM_THREADS, tp,
                        Runtime.getRuntime().availableProcessors());
                OrtApi.call("SetGlobalInterOpNumThreads", OrtApi.SET_GLOBAL_INTER_OP_NUM_THREADS, tp, 1);
                OrtApi.call("SetGlobalSpinControl", OrtApi.SET_GLOBAL_SPIN_CONTROL, tp, 0);
                OrtApi.call("CreateEnvWithCustomLoggerAndGlobalThreadPools",
                        OrtApi.CREATE_ENV_WITH_CUSTOM_LOGGER_AND_GLOBAL_THREAD_POOLS, OrtLog.function(),
                        MemorySegment.NULL, OrtLog.ortSeverity(), a.allocateFrom("eft4j"), tp, out);
                e = out.get(A, 0);
            } finally {
                OrtApi.release(OrtApi.RELEASE_THREADING_OPTIONS, tp);
            }
            OrtApi.call("DisableTelemetryEvents", OrtApi.DISABLE_TELEMETRY_EVENTS, e);
            return e;
        }
    }
}
