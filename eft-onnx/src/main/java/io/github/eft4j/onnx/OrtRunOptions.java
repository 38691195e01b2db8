package io.github.eft4j.onnx;

import static io.github.eft4j.onnx.OrtApi.A;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** An {@code OrtRunOptions}; {@link #terminate()} makes a run in progress (or the next one) fail. */
final class OrtRunOptions extends NativeHandle {

    private OrtRunOptions(MemorySegment p) {
        super("OrtRunOptions", p);
    }

    /**
     * Creates run options.
     *
     * @return new run options
     */
    public static OrtRunOptions create() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(A);
            OrtApi.call("CreateRunOptions", OrtApi.CREATE_RUN_OPTIONS, out);
            return new OrtRunOptions(out.get(A, 0));
        }
    }

    /**
     * Sets the terminate flag ({@code RunOptionsSetTerminate}); safe from any thread, also racing
     * {@link #close()}: the call is counted as in flight, so close waits for it, and a call after
     * close throws instead of writing into freed memory.
     *
     * @throws IllegalStateException if closed
     */
    public void terminate() {
        MemorySegment p = MemorySegment.ofAddress(use());
        try {
            OrtApi.call("RunOptionsSetTerminate", OrtApi.RUN_OPTIONS_SET_TERMINATE, p);
        } finally {
            done();
        }
    }

    /** Clears the terminate flag ({@code RunOptionsUnsetTerminate}). */
    public void clearTerminate() {
        OrtApi.call("RunOptionsUnsetTerminate", OrtApi.RUN_OPTIONS_UNSET_TERMINATE, ptr());
    }

    @Override
    protected void release(MemorySegment p) {
        OrtApi.release(OrtApi.RELEASE_RUN_OPTIONS, p);
    }
}
