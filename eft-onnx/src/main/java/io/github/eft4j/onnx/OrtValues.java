package io.github.eft4j.onnx;

import java.lang.foreign.MemorySegment;

/**
 * {@code OrtValue}s held as raw addresses on the decode hot path (KV tensors, logits, small input
 * tensors over our own buffers). Every create/take is counted in {@link NativeHandle#liveCount()}
 * and every {@link #release(long)} uncounts, so leaks show up in tests.
 */
final class OrtValues {
    private OrtValues() {
    }

    /**
     * Creates a tensor over caller memory ({@code CreateTensorWithDataAsOrtValue}); the data is
     * not copied and must outlive the value.
     *
     * @param memoryInfo address of the memory info describing {@code data}
     * @param data address of the data
     * @param bytes size of the data in bytes
     * @param shape address of the int64 dims
     * @param rank number of dims
     * @param type element type
     * @param scratch 8 bytes for the out-parameter
     * @return the new value's address
     */
    public static long createTensor(long memoryInfo, long data, long bytes, long shape, int rank, int type,
            MemorySegment scratch) {
        long st;
        try {
            st = (long) OrtApi.J_CREATE_TENSOR_WITH_DATA.invokeExact(memoryInfo, data, bytes, shape, (long) rank, type,
                    scratch.address());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        OrtApi.check("CreateTensorWithDataAsOrtValue", st);
        NativeHandle.countRaw(1);
        return scratch.get(OrtApi.J, 0);
    }

    /**
     * Returns the data address of a tensor ({@code GetTensorMutableData}).
     *
     * @param value the tensor
     * @param scratch 8 bytes for the out-parameter
     * @return the data address
     */
    public static long data(long value, MemorySegment scratch) {
        long st;
        try {
            st = (long) OrtApi.J_GET_TENSOR_MUTABLE_DATA.invokeExact(value, scratch.address());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        OrtApi.check("GetTensorMutableData", st);
        return scratch.get(OrtApi.J, 0);
    }

    /**
     * Returns the element count of a tensor ({@code GetTensorTypeAndShape},
     * {@code GetTensorShapeElementCount}), without allocating on the Java heap.
     *
     * @param value the tensor
     * @param scratch 8 bytes for the out-parameters
     * @return the number of elements
     */
    public static long elementCount(long value, MemorySegment scratch) {
        long st;
        try {
            st = (long) OrtApi.J_GET_TENSOR_TYPE_AND_SHAPE.invokeExact(value, scratch.address());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        OrtApi.check("GetTensorTypeAndShape", st);
        long info = scratch.get(OrtApi.J, 0);
        try {
            st = (long) OrtApi.J_GET_TENSOR_SHAPE_ELEMENT_COUNT.invokeExact(info, scratch.address());
            OrtApi.J_RELEASE_TENSOR_TYPE_AND_SHAPE_INFO.invokeExact(info);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        OrtApi.check("GetTensorShapeElementCount", st);
        return scratch.get(OrtApi.J, 0);
    }

    /**
     * Releases a value ({@code ReleaseValue}); 0 is ignored.
     *
     * @param value the value's address
     */
    public static void release(long value) {
        if (value == 0) {
            return;
        }
        try {
            OrtApi.J_RELEASE_VALUE.invokeExact(value);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        NativeHandle.countRaw(-1);
    }
}
