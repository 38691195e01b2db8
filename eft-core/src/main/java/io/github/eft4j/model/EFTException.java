package io.github.eft4j.model;

/**
 * Unchecked failure of a backend (a native runtime, a model file) that is not the caller's bad
 * argument. The backend's own exception, if any, is kept as the cause.
 */
public class EFTException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message what failed
     */
    public EFTException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and a cause.
     *
     * @param message what failed
     * @param cause the backend's exception
     */
    public EFTException(String message, Throwable cause) {
        super(message, cause);
    }
}
