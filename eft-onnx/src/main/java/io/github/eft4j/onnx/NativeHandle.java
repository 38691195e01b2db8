package io.github.eft4j.onnx;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Base of every owned ONNX Runtime object: holds the native pointer, releases it exactly once,
 * and counts live objects JVM-wide so tests can prove nothing leaks.
 *
 * <p><b>In-flight uses.</b> As ORT's own Java objects do, a handle counts the native calls that
 * are using it: {@link #use()} before the call, {@link #done()} after (a counter in one
 * {@code long}, no allocation). {@link #close()} marks the handle closed at once (later
 * {@code use()} and {@link #ptr()} throw {@link IllegalStateException}), then waits up to
 * {@link #CLOSE_WAIT_MILLIS} ms for the calls in flight to finish; if one is still running then,
 * the release is left to it: the last {@code done()} frees the object. So memory is never freed
 * under a running native call, and never leaked.
 */
abstract class NativeHandle implements AutoCloseable {
    /** How long {@link #close()} waits for in-flight calls before leaving the release to them. */
    public static final long CLOSE_WAIT_MILLIS = 10_000;

    private static final AtomicLong LIVE = new AtomicLong();
    private static final long CLOSED = 1L << 62;
    private static final long COUNT = CLOSED - 1;
    private static final VarHandle STATE;
    private static final VarHandle RELEASED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(NativeHandle.class, "state", long.class);
            RELEASED = l.findVarHandle(NativeHandle.class, "released", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String kind;
    private final MemorySegment ptr;
    /** In-flight uses in the low bits; {@link #CLOSED} once close has begun. */
    private volatile long state;
    private volatile boolean released;

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
     * Returns the native pointer, for objects used by one thread at a time (options, a state's
     * own objects). Shared objects are used through {@link #use()}.
     *
     * @return the pointer
     * @throws IllegalStateException if this handle is closed
     */
    public final MemorySegment ptr() {
        if ((state & CLOSED) != 0) {
            throw closed();
        }
        return ptr;
    }

    /**
     * Registers a native call on this object and returns its address; pair with {@link #done()}
     * in a {@code finally}. Allocation-free.
     *
     * @return the native address
     * @throws IllegalStateException if this handle is closed
     */
    public final long use() {
        long s;
        do {
            s = state;
            if ((s & CLOSED) != 0) {
                throw closed();
            }
        } while (!STATE.weakCompareAndSet(this, s, s + 1));
        return ptr.address();
    }

    /** Ends a call registered by {@link #use()}; the last one out after a close releases the object. */
    public final void done() {
        long s = (long) STATE.getAndAdd(this, -1L) - 1;
        if (s == CLOSED) {
            releaseOnce();
        }
    }

    /**
     * Returns whether {@link #close()} has begun.
     *
     * @return true once closed
     */
    public final boolean isClosed() {
        return (state & CLOSED) != 0;
    }

    /**
     * Releases the native object.
     *
     * @param p the pointer, never null
     */
    protected abstract void release(MemorySegment p);

    /**
     * Closes this handle: idempotent, refuses new uses at once, and releases the native object
     * when no call is using it (waiting up to {@link #CLOSE_WAIT_MILLIS} ms, then leaving the
     * release to the last call still running).
     */
    @Override
    public final void close() {
        long s;
        do {
            s = state;
            if ((s & CLOSED) != 0) {
                return;
            }
        } while (!STATE.compareAndSet(this, s, s | CLOSED));
        if ((s & COUNT) != 0) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
            while ((state & COUNT) != 0 && System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(50_000);
            }
        }
        if (state == CLOSED) {
            releaseOnce();
        }
    }

    private void releaseOnce() {
        if (RELEASED.compareAndSet(this, false, true)) {
            LIVE.decrementAndGet();
            release(ptr);
        }
    }

    private IllegalStateException closed() {
        return new IllegalStateException(kind + " is closed");
    }
}
