package io.github.eft4j.decoder;

import io.github.eft4j.model.EFTException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Runs one piece of work per source index, the calling thread taking one share and an
 * {@link Executor} the rest, and waits for all of them. The tasks are allocated once; whatever
 * the executor allocates per {@code execute} is its own. Each index touches only its own
 * decoding state and rows, so the result equals stepping the sources one after the other.
 *
 * <p>The calling thread waits parked, not spinning, also when it is interrupted: it keeps the
 * interrupt status (restored before returning) and reports the interrupt once to
 * {@code onInterrupt}, which stops the sources' calls in flight on the other threads.
 */
final class ParallelSteps {
    private final Executor executor;
    private final IntConsumer work;
    private final Runnable[] tasks;
    private final Throwable[] errors;
    private final Runnable onInterrupt;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Thread waiter;

    /**
     * @param executor runs the other threads' shares
     * @param count the number of indices
     * @param work the work of one index
     * @param onInterrupt called (on the waiting thread) when it sees its interrupt status while
     *     waiting, or null
     */
    ParallelSteps(Executor executor, int count, IntConsumer work, Runnable onInterrupt) {
        this.executor = executor;
        this.work = work;
        this.onInterrupt = onInterrupt;
        this.tasks = new Runnable[count];
        this.errors = new Throwable[count];
        for (int i = 0; i < count; i++) {
            int index = i;
            tasks[i] = () -> {
                try {
                    work.accept(index);
                } catch (Throwable t) {
                    errors[index] = t;
                } finally {
                    if (pending.decrementAndGet() == 0) {
                        LockSupport.unpark(waiter);
                    }
                }
            };
        }
    }

    /** Runs {@code work(i)} for every index except {@code skip} (-1: none) and waits. */
    void runAll(int skip) {
        int local = skip == 0 ? 1 : 0;
        if (local >= tasks.length) {
            return;
        }
        int remote = tasks.length - 1 - (skip >= 0 ? 1 : 0);
        waiter = Thread.currentThread();
        pending.set(remote);
        for (int i = local + 1; i < tasks.length; i++) {
            if (i == skip) {
                continue;
            }
            try {
                executor.execute(tasks[i]);
            } catch (RejectedExecutionException e) {
                tasks[i].run();    // a saturated executor degrades to sequential stepping
            }
        }
        Throwable first = null;
        try {
            work.accept(local);
        } catch (Throwable t) {
            first = t;
        }
        boolean interrupted = false;
        while (pending.get() > 0) {
            LockSupport.park(this);
            // park returns at once while the interrupt status is set: clear it (and restore it
            // below) or this loop spins for the rest of the generation
            if (Thread.interrupted() && !interrupted) {
                interrupted = true;
                if (onInterrupt != null) {
                    onInterrupt.run();
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        for (int i = 0; i < errors.length; i++) {
            if (errors[i] != null) {
                if (first == null) {
                    first = errors[i];
                }
                errors[i] = null;
            }
        }
        if (first instanceof RuntimeException e) {
            throw e;
        } else if (first instanceof Error e) {
            throw e;
        } else if (first != null) {
            throw new EFTException("source step failed", first);
        }
    }
}
