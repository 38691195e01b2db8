package io.github.eft4j.onnx;

import static io.github.eft4j.onnx.OrtApi.A;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An {@code OrtIoBinding}. The hot-path methods take raw addresses (names allocated once by the
 * caller, values owned by the caller) so that a decode step allocates nothing on the Java heap.
 */
final class OrtIoBinding extends NativeHandle {
    private final long addr;

    private OrtIoBinding(MemorySegment p) {
        super("OrtIoBinding", p);
        this.addr = p.address();
    }

    /**
     * Creates a binding for a session ({@code CreateIoBinding}).
     *
     * @param session the session
     * @return a new binding
     */
    public static OrtIoBinding create(OrtSession session) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(A);
            try {
                OrtApi.call("CreateIoBinding", OrtApi.CREATE_IO_BINDING, MemorySegment.ofAddress(session.use()), out);
            } finally {
                session.done();
            }
            return new OrtIoBinding(out.get(A, 0));
        }
    }

    /** Clears all bound inputs and outputs ({@code ClearBoundInputs}/{@code ClearBoundOutputs}). */
    public void clear() {
        ptr();
        try {
            OrtApi.J_CLEAR_BOUND_INPUTS.invokeExact(addr);
            OrtApi.J_CLEAR_BOUND_OUTPUTS.invokeExact(addr);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Binds a value to an input ({@code BindInput}).
     *
     * @param name the address of a NUL-terminated input name
     * @param value the address of an {@code OrtValue}
     */
    public void bindInput(long name, long value) {
        long st;
        try {
            st = (long) OrtApi.J_BIND_INPUT.invokeExact(addr, name, value);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        OrtApi.check("BindInput", st);
    }

    /**
     * Binds an output to a value the caller owns ({@code BindOutput}): ORT writes into it instead
     * of allocating. Binding the value that is also bound as an input shares one buffer between
     * them (GroupQueryAttention's past/present in place).
     *
     * @param name the address of a NUL-terminated output name
     * @param value the address of an {@code OrtValue} of the shape the output will have
     */
    public void bindOutput(long name, long value) {
        long st;
        try {
            st = (long) OrtApi.J_BIND_OUTPUT.invokeExact(addr, name, value);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        OrtApi.check("BindOutput", st);
    }

    /**
     * Binds an output to a device; ORT allocates it there at run time ({@code BindOutputToDevice}).
     *
     * @param name the address of a NUL-terminated output name
     * @param memoryInfo the address of an {@code OrtMemoryInfo}
     */
    public void bindOutputToDevice(long name, long memoryInfo) {
        long st;
        try {
            st = (long) OrtApi.J_BIND_OUTPUT_TO_DEVICE.invokeExact(addr, name, memoryInfo);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        OrtApi.check("BindOutputToDevice", st);
    }

    /**
     * Runs the session on this binding ({@code RunWithBinding}).
     *
     * @param session the address of the {@code OrtSession}
     * @param runOptions the address of the {@code OrtRunOptions}
     */
    public void run(long session, long runOptions) {
        long st;
        try {
            st = (long) OrtApi.J_RUN_WITH_BINDING.invokeExact(session, runOptions, addr);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        OrtApi.check("RunWithBinding", st);
    }

    /**
     * Moves the output values of the last run into {@code dst} in bind order
     * ({@code GetBoundOutputValues}); the caller owns them and must release each one.
     *
     * @param scratch at least 16 bytes of caller memory for the two out-parameters
     * @param dst receives the value addresses
     * @return the number of values
     */
    public int takeOutputs(MemorySegment scratch, long[] dst) {
        long st;
        try {
            st = (long) OrtApi.J_GET_BOUND_OUTPUT_VALUES.invokeExact(addr, OrtApi.defaultAllocator().address(),
                    scratch.address(), scratch.address() + 8);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        OrtApi.check("GetBoundOutputValues", st);
        long array = scratch.get(OrtApi.J, 0);
        int n = (int) scratch.get(OrtApi.J, 8);
        if (n > dst.length) {
            throw new IllegalStateException("binding returned " + n + " outputs, expected at most " + dst.length);
        }
        MemorySegment arr = MemorySegment.ofAddress(array).reinterpret(8L * n);
        for (int i = 0; i < n; i++) {
            dst[i] = arr.getAtIndex(OrtApi.J, i);
        }
        NativeHandle.countRaw(n);
        try {
            long fst = (long) OrtApi.J_ALLOCATOR_FREE.invokeExact(OrtApi.defaultAllocator().address(), array);
            OrtApi.check("AllocatorFree", fst);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return n;
    }

    @Override
    protected void release(MemorySegment p) {
        OrtApi.release(OrtApi.RELEASE_IO_BINDING, p);
    }
}
