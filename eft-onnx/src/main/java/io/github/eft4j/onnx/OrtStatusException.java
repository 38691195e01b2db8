package io.github.eft4j.onnx;

import io.github.eft4j.model.EFTException;

/**
 * A failure reported by ONNX Runtime through an {@code OrtStatus}: keeps ORT's error code
 * ({@code OrtErrorCode}) and message.
 */
public final class OrtStatusException extends EFTException {
    private static final long serialVersionUID = 1L;

    /** {@code ORT_FAIL}. */
    public static final int ORT_FAIL = 1;
    /** {@code ORT_INVALID_ARGUMENT}. */
    public static final int ORT_INVALID_ARGUMENT = 2;
    /** {@code ORT_NO_SUCHFILE}. */
    public static final int ORT_NO_SUCHFILE = 3;
    /** {@code ORT_INVALID_PROTOBUF}. */
    public static final int ORT_INVALID_PROTOBUF = 7;

    /** The C API function that returned the status. */
    private final String function;
    /** ORT's {@code OrtErrorCode}. */
    private final int code;
    /** ORT's message, verbatim. */
    private final String ortMessage;

    /**
     * Creates the exception.
     *
     * @param function the C API function that failed
     * @param code ORT's error code
     * @param ortMessage ORT's message
     */
    public OrtStatusException(String function, int code, String ortMessage) {
        super(function + " failed: " + codeName(code) + ": " + ortMessage);
        this.function = function;
        this.code = code;
        this.ortMessage = ortMessage;
    }

    /**
     * Returns the C API function that reported the error.
     *
     * @return e.g. {@code CreateSession}
     */
    public String function() {
        return function;
    }

    /**
     * Returns ORT's error code.
     *
     * @return an {@code OrtErrorCode} value (1 = ORT_FAIL, 2 = ORT_INVALID_ARGUMENT, ...)
     */
    public int errorCode() {
        return code;
    }

    /**
     * Returns ORT's own message.
     *
     * @return the message
     */
    public String ortMessage() {
        return ortMessage;
    }

    /**
     * Returns the name of an {@code OrtErrorCode}.
     *
     * @param code the code
     * @return e.g. {@code ORT_NO_SUCHFILE}
     */
    public static String codeName(int code) {
        return switch (code) {
            case 0 -> "ORT_OK";
            case 1 -> "ORT_FAIL";
            case 2 -> "ORT_INVALID_ARGUMENT";
            case 3 -> "ORT_NO_SUCHFILE";
            case 4 -> "ORT_NO_MODEL";
            case 5 -> "ORT_ENGINE_ERROR";
            case 6 -> "ORT_RUNTIME_EXCEPTION";
            case 7 -> "ORT_INVALID_PROTOBUF";
            case 8 -> "ORT_MODEL_LOADED";
            case 9 -> "ORT_NOT_IMPLEMENTED";
            case 10 -> "ORT_INVALID_GRAPH";
            case 11 -> "ORT_EP_FAIL";
            default -> "ORT_ERROR_" + code;
        };
    }
}
