package io.github.eft4j.onnx;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.Supplier;

/**
 * ONNX Runtime's log messages, routed through {@link System.Logger} (logger
 * {@value #LOGGER_NAME}) by an {@code OrtLoggingFunction} upcall given to the environment, so ORT
 * writes nothing to stderr itself.
 *
 * <p>Levels: {@code VERBOSE} → {@code TRACE}, {@code INFO} → {@code DEBUG}, {@code WARNING} →
 * {@code WARNING}, {@code ERROR} and {@code FATAL} → {@code ERROR}. The environment's severity
 * threshold is fixed when it is created, from what that logger has enabled then
 * ({@link #ortSeverity()}): ORT does not even format messages nobody would see.
 *
 * <p>The upcall never throws into native code: anything thrown while logging is dropped.
 */
final class OrtLog {
    /** The {@link System.Logger} name ORT's messages are logged under. */
    public static final String LOGGER_NAME = "io.github.eft4j.onnx.OnnxRuntime";
    private static final System.Logger LOG = System.getLogger(LOGGER_NAME);
    private static final AddressLayout CSTR = ValueLayout.ADDRESS.withTargetLayout(
            MemoryLayout.sequenceLayout(Long.MAX_VALUE, ValueLayout.JAVA_BYTE));
    /** Messages of WARNING and above captured (instead of logged) on this thread. */
    private static final ThreadLocal<StringBuilder> CAPTURE = new ThreadLocal<>();
    private static volatile MemorySegment stub;

    private OrtLog() {
    }

    /**
     * Returns the native function pointer of the logging upcall, created once for the JVM's life
     * (ORT may log until the process exits).
     *
     * @return an {@code OrtLoggingFunction}
     */
    static synchronized MemorySegment function() {
        if (stub == null) {
            try {
                var mh = MethodHandles.lookup().findStatic(OrtLog.class, "log", MethodType.methodType(void.class,
                        MemorySegment.class, int.class, MemorySegment.class, MemorySegment.class, MemorySegment.class,
                        MemorySegment.class));
                stub = Linker.nativeLinker().upcallStub(mh, FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT, CSTR, CSTR, CSTR, CSTR), Arena.global());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return stub;
    }

    /**
     * Returns the lowest ORT severity whose {@link System.Logger} level is enabled now.
     *
     * @return an {@code OrtLoggingLevel}: 0 verbose, 1 info, 2 warning, 3 error
     */
    static int ortSeverity() {
        return LOG.isLoggable(System.Logger.Level.TRACE) ? 0 : LOG.isLoggable(System.Logger.Level.DEBUG) ? 1
                : LOG.isLoggable(System.Logger.Level.WARNING) ? 2 : 3;
    }

    /**
     * Maps an ORT severity to a {@link System.Logger.Level}.
     *
     * @param severity {@code OrtLoggingLevel}: 0 verbose, 1 info, 2 warning, 3 error, 4 fatal
     * @return the level ORT's message is logged at
     */
    public static System.Logger.Level level(int severity) {
        return switch (severity) {
            case 0 -> System.Logger.Level.TRACE;
            case 1 -> System.Logger.Level.DEBUG;
            case 2 -> System.Logger.Level.WARNING;
            default -> System.Logger.Level.ERROR;
        };
    }

    /**
     * Runs {@code action} with ORT's warnings and errors on this thread collected into
     * {@code sink} (and logged at DEBUG) instead of logged at their own level: for calls whose
     * failure the caller reports itself, once, with ORT's words.
     *
     * @param <T> the result type
     * @param sink receives the messages, one per line
     * @param action the call
     * @return the action's result
     */
    public static <T> T capturing(StringBuilder sink, Supplier<T> action) {
        StringBuilder previous = CAPTURE.get();
        CAPTURE.set(sink);
        try {
            return action.get();
        } finally {
            if (previous == null) {
                CAPTURE.remove();
            } else {
                CAPTURE.set(previous);
            }
        }
    }

    /** The {@code OrtLoggingFunction}: (param, severity, category, logid, code_location, message). */
    private static void log(MemorySegment param, int severity, MemorySegment category, MemorySegment logId,
            MemorySegment location, MemorySegment message) {
        try {
            System.Logger.Level level = level(severity);
            String msg = message.address() == 0 ? "" : message.getString(0);
            StringBuilder sink = severity >= 2 ? CAPTURE.get() : null;
            if (sink != null) {
                sink.append(msg).append('\n');
                level = System.Logger.Level.DEBUG;
            }
            if (LOG.isLoggable(level)) {
                String where = location.address() == 0 ? "" : location.getString(0);
                LOG.log(level, where.isEmpty() ? msg : msg + " [" + where + "]");
            }
        } catch (Throwable t) {
            // never unwind into ORT: an exception escaping an upcall ends the JVM
        }
    }
}
