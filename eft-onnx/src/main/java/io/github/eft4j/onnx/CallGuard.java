package io.github.eft4j.onnx;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The in-flight guard of one decoding state (single or batch): which thread is inside a call, and
 * the close protocol. Allocation-free on entry and exit: one compare-and-set of the owner field.
 *
 * <ul>
 *   <li>A thread entering while another thread is inside gets an {@link IllegalStateException}
 *       naming that thread. Calls from different threads one after another are fine (a decoder may
 *       step a state on a pool thread and read it on its own).
 *   <li>{@link #close} from another thread while a call is inside: the state is marked closed at
 *       once (new calls throw), the running call is asked to stop ({@code RunOptions} terminate
 *       flag; it then fails with an {@link IllegalStateException} saying the state was closed), and
 *       close waits up to {@link #CLOSE_WAIT_MILLIS} ms for it to leave before freeing. If it
 *       has not left by then (a long step that cannot be interrupted), the call frees the state
 *       itself when it leaves. Native memory is never freed under a running call.
 * </ul>
 */
final class CallGuard {
    /** How long a cross-thread {@code close} waits for the call in flight. */
    static final long CLOSE_WAIT_MILLIS = 10_000;
    private static final System.Logger LOG = System.getLogger(CallGuard.class.getName());
    private static final VarHandle OWNER;
    private static final VarHandle CLOSED;
    private static final VarHandle FREED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            OWNER = l.findVarHandle(CallGuard.class, "owner", Thread.class);
            CLOSED = l.findVarHandle(CallGuard.class, "closed", boolean.class);
            FREED = l.findVarHandle(CallGuard.class, "freed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String what;
    private final Runnable free;
    private volatile Thread owner;
    private volatile boolean closed;
    private volatile boolean freed;
    private volatile boolean freeDone;

    /**
     * @param what the guarded object, for messages (e.g. "decoding state of model.onnx")
     * @param free releases everything native; run exactly once, never during a call
     */
    CallGuard(String what, Runnable free) {
        this.what = what;
        this.free = free;
    }

    /** Enters a call on the current thread; pair with {@link #exit()} in a {@code finally}. */
    void enter() {
        Thread me = Thread.currentThread();
        while (!OWNER.compareAndSet(this, null, me)) {
            Thread o = owner;
            if (o != null) {
                throw busy(me, o);
            } // the other call left between the two reads: try again
        }
        if (closed) {
            exit();
            throw closedException();
        }
    }

    /** Leaves the call; frees the state if a close gave up waiting for this call. */
    void exit() {
        owner = null;
        if (closed) {
            freeOnce();
        }
    }

    /** Throws if closed (for calls that touch nothing native). */
    void ensureOpen() {
        if (closed) {
            throw closedException();
        }
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * The exception a call that was stopped by a concurrent close throws instead of
     * {@code cause}: the state is closed, not merely cancelled.
     */
    RuntimeException closedDuring(RuntimeException cause) {
        if (!closed) {
            return cause;
        }
        return new IllegalStateException(what + " was closed by another thread during the call", cause);
    }

    /**
     * Closes: idempotent; see the class comment.
     *
     * @param stop asks the call in flight, if any, to stop (sets ORT's terminate flag)
     */
    void close(Runnable stop) {
        if (!CLOSED.compareAndSet(this, false, true)) {
            return;
        }
        Thread me = Thread.currentThread();
        Thread o = owner;
        if (o == me) {
            return; // closed from inside one of our own calls: freed when it exits
        }
        if (o != null) {
            try {
                stop.run();
            } catch (RuntimeException e) {
                // the call ended and freed meanwhile; nothing to stop
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
            while (owner != null && System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(100_000);
            }
        }
        o = owner;
        if (o == null) {
            freeOnce();
            // the call that just left may be freeing (it saw the close first): return when it is done
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
            while (!freeDone && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            }
        } else if (o != me) {
            LOG.log(System.Logger.Level.WARNING, "{0}: closed while thread \"{1}\" is still in a call after {2} ms; "
                    + "its native memory is freed when that call returns", what, o.getName(), CLOSE_WAIT_MILLIS);
        }
    }

    private void freeOnce() {
        if (FREED.compareAndSet(this, false, true)) {
            try {
                free.run();
            } finally {
                freeDone = true;
            }
        }
    }

    private IllegalStateException closedException() {
        return new IllegalStateException(what + " is closed");
    }

    private IllegalStateException busy(Thread me, Thread o) {
        if (o == me) {
            return new IllegalStateException(what + ": call re-entered on thread \"" + me.getName() + "\"");
        }
        return new IllegalStateException(what + " is in use by thread \"" + o.getName() + "\" (id " + o.threadId()
                + "); a decoding state serves one thread at a time");
    }
}
