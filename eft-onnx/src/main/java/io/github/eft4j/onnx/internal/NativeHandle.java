package io.github.eft4j.onnx.internal;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Base of every owned ONNX Runtime object: holds the native pointer, releases it exactly once on
 * {@link #close()}, and counts live objects JVM-wide so tests can prove nothing leaks.
 * Use after close throws {@link IllegalStateException}.
 */
public abstract class NativeHandle implements AutoCloseable {
    private static final AtomicLong LIVE = new AtomicLong();

    private final String kind;
    private MemorySegment ptr;

    /**
     * Takes ownership of {@code ptr}.
     *
     * @param kind the ORT type name, for messages
     * @param ptr the native object; not null
     */
    protected NativeHandle(String kind, MemorySegment ptr) {
        if (ptr.address() == 0) {
            throw new IllegalArgumentException(kind + ": null native pointer");
        }
        this.kind = kind;
        this.ptr = ptr;
        LIVE.incrementAndGet();
    }

    /**
     * Returns how many owned ORT objects are alive in this JVM (handles plus raw values counted
     * through {@link #countRaw(int)}).
     *
     * @return the live count
     */
    public static long liveCount() {
        return LIVE.get();
    }

    /**
     * Adjusts the live count for values held as raw addresses on the hot path.
     *
     * @param delta +1 when a raw value is taken over, -1 when it is released
     */
    public static void countRaw(int delta) {
        LIVE.addAndGet(delta);
    }

    /**
     * Returns the native pointer.
     *
     * @return the pointer
     * @throws IllegalStateException if this handle is closed
     */
    public final MemorySegment ptr() {
        MemorySegment p = ptr;
        if (p == null) {
            throw new IllegalStateException(kind + " is closed");
        }
        return p;
    }

    /**
     * Returns whether {@link #close()} has run.
     *
     * @return true once closed
     */
    public final boolean isClosed() {
        return ptr == null;
    }

    /**
     * Releases the native object.
     *
     * @param p the pointer, never null
     */
    protected abstract void release(MemorySegment p);

    /** Releases the native object once; later calls do nothing. */
    @Override
    public final synchronized void close() {
        MemorySegment p = ptr;
        if (p != null) {
            ptr = null;
            LIVE.decrementAndGet();
            release(p);
        }
    }
}
