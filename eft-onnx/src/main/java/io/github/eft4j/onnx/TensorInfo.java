package io.github.eft4j.onnx;

import java.util.Arrays;

/**
 * Name, element type and shape of one session input or output, as ONNX Runtime reports them.
 *
 * @param name the input or output name
 * @param onnxType the {@code ONNXType} (1 = tensor)
 * @param elementType the {@code ONNXTensorElementDataType} (1 float, 7 int64, 10 float16, ...)
 * @param dims the dimensions; -1 for a symbolic (dynamic) dimension
 * @param symbols the symbolic dimension names ("" where fixed or unnamed)
 */
record TensorInfo(String name, int onnxType, int elementType, long[] dims, String[] symbols) {
    /**
     * Validates and defensively copies.
     *
     * @throws IllegalArgumentException if dims and symbols differ in length
     */
    public TensorInfo {
        if (dims.length != symbols.length) {
            throw new IllegalArgumentException("dims " + dims.length + " != symbols " + symbols.length);
        }
        dims = dims.clone();
        symbols = symbols.clone();
    }

    /**
     * Returns a copy of the dimensions.
     *
     * @return the dimensions; -1 where dynamic
     */
    @Override
    public long[] dims() {
        return dims.clone();
    }

    /**
     * Returns one dimension.
     *
     * @param i the axis
     * @return its size, or -1 if dynamic
     */
    public long dim(int i) {
        return dims[i];
    }

    /**
     * Returns the rank.
     *
     * @return the number of dimensions
     */
    public int rank() {
        return dims.length;
    }

    /**
     * Returns a readable element type name.
     *
     * @param elementType an {@code ONNXTensorElementDataType}
     * @return e.g. {@code float16}
     */
    public static String typeName(int elementType) {
        return switch (elementType) {
            case 1 -> "float32";
            case 2 -> "uint8";
            case 3 -> "int8";
            case 5 -> "int16";
            case 6 -> "int32";
            case 7 -> "int64";
            case 8 -> "string";
            case 9 -> "bool";
            case 10 -> "float16";
            case 11 -> "float64";
            case 16 -> "bfloat16";
            default -> "type#" + elementType;
        };
    }

    /**
     * Returns a copy of the symbolic dimension names.
     *
     * @return the names ("" where fixed or unnamed)
     */
    @Override
    public String[] symbols() {
        return symbols.clone();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name).append(' ').append(typeName(elementType)).append('[');
        for (int i = 0; i < dims.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(dims[i] >= 0 ? Long.toString(dims[i])
                    : symbols[i].isEmpty() ? "?" : symbols[i]);
        }
        return sb.append(']').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.name.equals(name) && t.onnxType == onnxType
                && t.elementType == elementType && Arrays.equals(t.dims, dims) && Arrays.equals(t.symbols, symbols);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }
}
