package io.github.eft4j.decoder;

import io.github.eft4j.internal.Closeables;
import io.github.eft4j.model.Cancellation;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Why and whether one decoder call (a generation, a batch, a scoring) must stop: an interrupt of
 * the thread running it, {@link Generation#cancel()}, or its deadline. The calling thread polls
 * it between steps ({@link #poll()}: no allocation); the {@link Watchdog} checks it from outside
 * while a native call may be in flight and then cancels {@link #cancellation}, whose hooks stop
 * the sources' calls. The first reason wins.
 */
final class StopControl {
    final Cancellation cancellation = new Cancellation();
    private final AtomicReference<FinishReason> reason = new AtomicReference<>();
    private final boolean hasDeadline;
    private final long deadline;              // System.nanoTime() value
    volatile Thread owner;                    // the thread in a step right now, or null

    StopControl(Duration timeout) {
        this.hasDeadline = timeout != null;
        long now = System.nanoTime();
        long nanos = timeout == null ? 0 : saturatedNanos(timeout);
        this.deadline = now + Math.min(nanos, Long.MAX_VALUE / 4);   // far enough to never wrap
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * On the running thread, between steps: the reason to stop, or null to go on. Notices an
     * interrupt of this thread and the deadline itself, so no step starts after either.
     */
    FinishReason poll() {
        FinishReason r = reason.get();
        if (r != null) {
            return r;
        }
        if (Thread.currentThread().isInterrupted()) {
            return stop(FinishReason.CANCELLED);
        }
        if (hasDeadline && System.nanoTime() - deadline >= 0) {
            return stop(FinishReason.TIMEOUT);
        }
        return null;
    }

    /** From the watchdog: stops if the thread in a step was interrupted or the deadline passed. */
    void watch(long now) {
        if (reason.get() != null) {
            return;
        }
        Thread t = owner;
        if (t != null && t.isInterrupted()) {
            stop(FinishReason.CANCELLED);
        } else if (hasDeadline && now - deadline >= 0) {
            stop(FinishReason.TIMEOUT);
        }
    }

    /** Nanoseconds from {@code now} to the deadline (0 if passed), or MAX_VALUE without one. */
    long nanosToDeadline(long now) {
        return hasDeadline ? Math.max(0, deadline - now) : Long.MAX_VALUE;
    }

    /** Requests a stop for {@code r} (unless another reason came first); thread-safe. */
    /**
     * Ends a call: the watchdog forgets it, the cancel hooks go (before the states close, so that no
     * hook cancels a closed state), and every state is closed; a failing close is added to
     * {@code primary} or, without one, thrown.
     */
    void release(Cancellation.Registration[] hooks, AutoCloseable[] states, Throwable primary) {
        owner = null;
        Watchdog.unregister(this);
        for (Cancellation.Registration h : hooks) {
            if (h != null) {
                h.close();
            }
        }
        Closeables.closeAll(states, primary);
    }

    FinishReason stop(FinishReason r) {
        reason.compareAndSet(null, r);
        cancellation.cancel();
        return reason.get();
    }

    /** The reason to stop, or null if none was requested. */
    FinishReason reason() {
        return reason.get();
    }
}
