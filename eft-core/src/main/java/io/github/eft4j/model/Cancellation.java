package io.github.eft4j.model;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CancellationException;

/**
 * A request to stop work in progress, shared between the thread that works and any thread that
 * wants it stopped. {@link #cancel()} is idempotent and thread-safe; it sets the flag that work
 * polls ({@link #isCancelled()}, {@link #throwIfCancelled()}) and runs, once, the hooks that a
 * backend registered to stop a native call in flight ({@link #onCancel(Runnable)}; eft-onnx sets
 * ONNX Runtime's terminate flag). {@link LogitSource#open(int[], Cancellation)} takes one, so a
 * long prefill can be stopped; the decoder creates one per generation.
 *
 * <pre>{@code
 * Cancellation c = new Cancellation();
 * Future<DecodingState> f = executor.submit(() -> source.open(longPrompt, c));
 * c.cancel();   // from any thread: the prefill fails with CancellationException (or, if it
 *               // had already finished, open still throws and closes the state it made)
 * }</pre>
 *
 * <p>Hooks run on the thread that calls {@code cancel()}, under this object's lock: once
 * {@link Registration#close()} returns, its hook is not running and never will, so a backend can
 * release what the hook touches right after. Hooks must be short (set a flag) and must not call
 * back into this object from another thread.
 */
public final class Cancellation {
    private static final System.Logger LOG = System.getLogger(Cancellation.class.getName());

    private volatile boolean cancelled;
    private Registration[] hooks = new Registration[4];
    private int count;

    /** Creates a cancellation that has not been requested. */
    public Cancellation() {
    }

    /**
     * Requests cancellation: sets the flag, then runs every registered hook once. Idempotent;
     * safe from any thread. A hook that throws is logged and does not stop the others.
     */
    public void cancel() {
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            for (int i = 0; i < count; i++) {
                run(hooks[i].hook);
            }
        }
    }

    /**
     * Returns whether cancellation was requested.
     *
     * @return true once {@link #cancel()} was called
     */
    public boolean isCancelled() {
        return cancelled;
    }

    /**
     * Throws if cancellation was requested.
     *
     * @throws CancellationException if {@link #cancel()} was called
     */
    public void throwIfCancelled() {
        if (cancelled) {
            throw new CancellationException("cancelled");
        }
    }

    /**
     * Registers a hook that stops work in flight; if cancellation was already requested, the hook
     * runs at once, on this thread.
     *
     * @param hook what to run on {@link #cancel()}; short and thread-safe
     * @return the registration; close it when the work it guards is over
     */
    public Registration onCancel(Runnable hook) {
        Objects.requireNonNull(hook, "hook");
        Registration r = new Registration(hook);
        synchronized (this) {
            if (cancelled) {
                run(hook);
                r.removed = true;
                return r;
            }
            if (count == hooks.length) {
                hooks = Arrays.copyOf(hooks, count * 2);
            }
            hooks[count++] = r;
        }
        return r;
    }

    private static void run(Runnable hook) {
        try {
            hook.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "a cancellation hook failed; the work it guards runs to its end", e);
        }
    }

    private synchronized void remove(Registration r) {
        if (r.removed) {
            return;
        }
        r.removed = true;
        for (int i = 0; i < count; i++) {
            if (hooks[i] == r) {
                hooks[i] = hooks[--count];
                hooks[count] = null;
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "Cancellation[" + (cancelled ? "cancelled" : "not cancelled") + "]";
    }

    /** A registered hook; {@link #close()} removes it. */
    public final class Registration implements AutoCloseable {
        private final Runnable hook;
        private boolean removed;   // guarded by the enclosing Cancellation

        private Registration(Runnable hook) {
            this.hook = hook;
        }

        /**
         * Removes the hook; afterwards it is not running and never runs. Idempotent.
         */
        @Override
        public void close() {
            remove(this);
        }
    }
}
