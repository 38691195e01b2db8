package io.github.eft4j.onnx;

import static io.github.eft4j.onnx.OrtApi.A;
import static io.github.eft4j.onnx.OrtApi.I;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** An {@code OrtMemoryInfo}: where a tensor lives ("Cpu", or "Cuda" with a device id). */
final class OrtMemoryInfo extends NativeHandle {

    private OrtMemoryInfo(MemorySegment p) {
        super("OrtMemoryInfo", p);
    }

    /**
     * Creates the memory info of host memory ({@code CreateCpuMemoryInfo}, arena, default).
     *
     * @return new memory info
     */
    public static OrtMemoryInfo cpu() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(A);
            OrtApi.call("CreateCpuMemoryInfo", OrtApi.CREATE_CPU_MEMORY_INFO, OrtApi.ARENA_ALLOCATOR,
                    OrtApi.MEM_TYPE_DEFAULT, out);
            return new OrtMemoryInfo(out.get(A, 0));
        }
    }

    /**
     * Creates a named device memory info ({@code CreateMemoryInfo}), e.g. {@code "Cuda"}.
     *
     * @param name the allocator name
     * @param deviceId the device
     * @return new memory info
     */
    public static OrtMemoryInfo device(String name, int deviceId) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(A);
            OrtApi.call("CreateMemoryInfo", OrtApi.CREATE_MEMORY_INFO, a.allocateFrom(name), OrtApi.DEVICE_ALLOCATOR,
                    deviceId, OrtApi.MEM_TYPE_DEFAULT, out);
            return new OrtMemoryInfo(out.get(A, 0));
        }
    }

    /**
     * Returns the allocator name of this memory info.
     *
     * @return e.g. {@code "Cpu"} or {@code "Cuda"}
     */
    public String name() {
        return nameOf(ptr());
    }

    /**
     * Returns the device id of this memory info.
     *
     * @return the id
     */
    public int deviceId() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(I);
            OrtApi.call("MemoryInfoGetId", OrtApi.MEMORY_INFO_GET_ID, ptr(), out);
            return out.get(I, 0);
        }
    }

    /**
     * Returns the allocator name of a borrowed {@code OrtMemoryInfo*}.
     *
     * @param info the memory info
     * @return its name
     */
    public static String nameOf(MemorySegment info) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(A);
            OrtApi.call("MemoryInfoGetName", OrtApi.MEMORY_INFO_GET_NAME, info, out);
            return out.get(OrtApi.PTR, 0).getString(0);
        }
    }

    /**
     * Returns where an {@code OrtValue} tensor actually lives ({@code GetTensorMemoryInfo}).
     *
     * @param value the tensor value
     * @return the allocator name, e.g. {@code "Cpu"}
     */
    public static String placementOf(MemorySegment value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(A);
            OrtApi.call("GetTensorMemoryInfo", OrtApi.GET_TENSOR_MEMORY_INFO, value, out);
            return nameOf(out.get(A, 0));
        }
    }

    @Override
    protected void release(MemorySegment p) {
        OrtApi.release(OrtApi.RELEASE_MEMORY_INFO, p);
    }
}
