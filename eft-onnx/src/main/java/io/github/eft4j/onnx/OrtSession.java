package io.github.eft4j.onnx;

import static io.github.eft4j.onnx.OrtApi.A;
import static io.github.eft4j.onnx.OrtApi.I;
import static io.github.eft4j.onnx.OrtApi.J;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@code OrtSession} and what it reports about its inputs and outputs. Shared by every state
 * of a source: runs register through {@link #use()}, so {@link #close()} never releases the
 * session under a running call.
 */
final class OrtSession extends NativeHandle {
    private final List<TensorInfo> inputs;
    private final List<TensorInfo> outputs;

    private OrtSession(MemorySegment p) {
        super("OrtSession", p);
        List<TensorInfo> in;
        List<TensorInfo> out;
        try {
            in = describe(true);
            out = describe(false);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.inputs = in;
        this.outputs = out;
    }

    /**
     * Loads a model file ({@code CreateSession}).
     *
     * @param model the .onnx file
     * @param options the session options
     * @return the session
     * @throws io.github.eft4j.onnx.OrtStatusException if ORT cannot load it
     */
    public static OrtSession create(Path model, OrtSessionOptions options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(A);
            OrtApi.call("CreateSession", OrtApi.CREATE_SESSION, OrtEnv.get(), a.allocateFrom(model.toString()),
                    options.ptr(), out);
            return new OrtSession(out.get(A, 0));
        }
    }

    /**
     * Returns the inputs in graph order.
     *
     * @return the input descriptions
     */
    public List<TensorInfo> inputs() {
        return inputs;
    }

    /**
     * Returns the outputs in graph order.
     *
     * @return the output descriptions
     */
    public List<TensorInfo> outputs() {
        return outputs;
    }

    /**
     * Runs the session without a binding ({@code Run}); ORT allocates the outputs on the CPU.
     *
     * @param inputNames the input names
     * @param inputValues the {@code OrtValue} addresses, one per name
     * @param outputNames the outputs to compute
     * @param runOptions the run options
     * @return the output {@code OrtValue} addresses; the caller releases each with
     *     {@link OrtValues#release(long)}
     */
    public long[] run(String[] inputNames, long[] inputValues, String[] outputNames, OrtRunOptions runOptions) {
        if (inputNames.length != inputValues.length) {
            throw new IllegalArgumentException("input names " + inputNames.length + " != values " + inputValues.length);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment in = a.allocate(A, inputNames.length);
            MemorySegment vals = a.allocate(J, inputNames.length);
            for (int i = 0; i < inputNames.length; i++) {
                in.setAtIndex(A, i, a.allocateFrom(inputNames[i]));
                vals.setAtIndex(J, i, inputValues[i]);
            }
            MemorySegment out = a.allocate(A, outputNames.length);
            MemorySegment outVals = a.allocate(J, outputNames.length); // nulls: ORT allocates
            for (int i = 0; i < outputNames.length; i++) {
                out.setAtIndex(A, i, a.allocateFrom(outputNames[i]));
            }
            MemorySegment session = MemorySegment.ofAddress(use());
            try {
                OrtApi.call("Run", OrtApi.RUN, session, runOptions.ptr(), in, vals, (long) inputNames.length, out,
                        (long) outputNames.length, outVals);
            } finally {
                done();
            }
            long[] result = new long[outputNames.length];
            for (int i = 0; i < result.length; i++) {
                result[i] = outVals.getAtIndex(J, i);
            }
            NativeHandle.countRaw(result.length);
            return result;
        }
    }

    private List<TensorInfo> describe(boolean input) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(J);
            OrtApi.call(input ? "SessionGetInputCount" : "SessionGetOutputCount",
                    input ? OrtApi.SESSION_GET_INPUT_COUNT : OrtApi.SESSION_GET_OUTPUT_COUNT, ptr(), n);
            int count = (int) n.get(J, 0);
            List<TensorInfo> list = new ArrayList<>(count);
            MethodHandle nameFn = input ? OrtApi.SESSION_GET_INPUT_NAME : OrtApi.SESSION_GET_OUTPUT_NAME;
            MethodHandle typeFn = input ? OrtApi.SESSION_GET_INPUT_TYPE_INFO : OrtApi.SESSION_GET_OUTPUT_TYPE_INFO;
            for (long i = 0; i < count; i++) {
                MemorySegment out = a.allocate(A);
                OrtApi.call("SessionGetName", nameFn, ptr(), i, OrtApi.defaultAllocator(), out);
                MemorySegment namePtr = out.get(OrtApi.PTR, 0);
                String name = namePtr.getString(0);
                OrtApi.free(namePtr);
                OrtApi.call("SessionGetTypeInfo", typeFn, ptr(), i, out);
                MemorySegment typeInfo = out.get(A, 0);
                try {
                    list.add(tensorInfo(name, typeInfo, a));
                } finally {
                    OrtApi.release(OrtApi.RELEASE_TYPE_INFO, typeInfo);
                }
            }
            return List.copyOf(list);
        }
    }

    private static TensorInfo tensorInfo(String name, MemorySegment typeInfo, Arena a) {
        MemorySegment i32 = a.allocate(I);
        OrtApi.call("GetOnnxTypeFromTypeInfo", OrtApi.GET_ONNX_TYPE_FROM_TYPE_INFO, typeInfo, i32);
        int onnxType = i32.get(I, 0);
        if (onnxType != OrtApi.ONNX_TYPE_TENSOR) {
            return new TensorInfo(name, onnxType, 0, new long[0], new String[0]);
        }
        MemorySegment out = a.allocate(A);
        // borrowed: valid while typeInfo lives, not released separately
        OrtApi.call("CastTypeInfoToTensorInfo", OrtApi.CAST_TYPE_INFO_TO_TENSOR_INFO, typeInfo, out);
        MemorySegment ti = out.get(A, 0);
        OrtApi.call("GetTensorElementType", OrtApi.GET_TENSOR_ELEMENT_TYPE, ti, i32);
        int elem = i32.get(I, 0);
        MemorySegment n = a.allocate(J);
        OrtApi.call("GetDimensionsCount", OrtApi.GET_DIMENSIONS_COUNT, ti, n);
        int rank = (int) n.get(J, 0);
        long[] dims = new long[rank];
        String[] symbols = new String[rank];
        if (rank > 0) {
            MemorySegment d = a.allocate(J, rank);
            OrtApi.call("GetDimensions", OrtApi.GET_DIMENSIONS, ti, d, (long) rank);
            MemorySegment s = a.allocate(A, rank);
            OrtApi.call("GetSymbolicDimensions", OrtApi.GET_SYMBOLIC_DIMENSIONS, ti, s, (long) rank);
            for (int k = 0; k < rank; k++) {
                dims[k] = d.getAtIndex(J, k);
                MemorySegment sym = s.getAtIndex(OrtApi.PTR, k);
                symbols[k] = sym.address() == 0 ? "" : sym.getString(0);
            }
        }
        return new TensorInfo(name, onnxType, elem, dims, symbols);
    }

    @Override
    protected void release(MemorySegment p) {
        OrtApi.release(OrtApi.RELEASE_SESSION, p);
    }
}
