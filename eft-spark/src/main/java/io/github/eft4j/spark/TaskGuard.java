package io.github.eft4j.spark;

import io.github.eft4j.model.BatchDecodingState;
import io.github.eft4j.model.Cancellation;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.model.ForwardingDecodingState;
import io.github.eft4j.model.LogitSource;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskInterruptListener;

/**
 * Stops a task's decoding when Spark kills the task, whether or not Spark interrupts its thread
 * ({@code interruptOnCancel}): Spark's interrupt listener cancels the task's prefills and
 * forward passes in flight ({@link DecodingState#cancel()}, {@link Cancellation}), and every
 * forward pass first checks the kill flag, so a killed task stops within one step. The
 * decoder then closes its states (the shared sources stay usable) and a
 * {@link CancellationException} ends the task, which Spark reports as killed. (A thread
 * interrupt alone is handled by the decoder, which ends the call with {@code CANCELLED}; the
 * caller turns that into the same exception.)
 *
 * <p>This works on the sources, so it stops generation, batched generation and scoring alike;
 * {@code Generation.cancel()} would cover generation only.
 */
final class TaskGuard {
    /**
     * Test hook, called before every forward pass of a guarded state (fault injection, slow
     * steps); null in production.
     */
    interface StepHook {
        /** Called with the task (null outside Spark) before a forward pass. */
        void beforeStep(TaskContext task);
    }

    static volatile StepHook hook;

    private final TaskContext task;
    private final Cancellation killed = new Cancellation();
    private final Set<Object> running = new LinkedHashSet<>();   // open states; guarded by itself

    /**
     * A guard for a task: registers Spark's interrupt listener.
     *
     * @param task the task, or null outside Spark
     */
    TaskGuard(TaskContext task) {
        this.task = task;
        if (task != null) {
            task.addTaskInterruptListener((TaskInterruptListener) (ctx, reason) -> cancelRunning());
        }
    }

    /** From Spark's killing thread: stops the task's prefills and forward passes in flight. */
    void cancelRunning() {
        killed.cancel();
        List<Object> states;
        synchronized (running) {
            states = new ArrayList<>(running);
        }
        for (Object s : states) {
            try {
                if (s instanceof DecodingState d) {
                    d.cancel();
                } else {
                    ((BatchDecodingState) s).cancel();
                }
            } catch (IllegalStateException closedMeanwhile) {
                // the decoder closed it after we copied the set: nothing to stop
            }
        }
    }

    /**
     * Throws if the task was killed or its thread interrupted.
     *
     * @throws CancellationException if so
     */
    void check() {
        if (killed.isCancelled() || (task != null && task.isInterrupted())) {
            // Spark reports a task that throws after being killed as killed, with its reason
            throw new CancellationException("eft-spark: task killed, decoding stopped");
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException("eft-spark: decoding thread interrupted");
        }
        StepHook h = hook;
        if (h != null) {
            h.beforeStep(task);
        }
    }

    private void track(Object state) {
        synchronized (running) {
            running.add(state);
        }
    }

    private void untrack(Object state) {
        synchronized (running) {
            running.remove(state);
        }
    }

    /** Wraps a shared source so that what this task opens from it is guarded. */
    LogitSource wrap(LogitSource source) {
        return new LogitSource() {
            @Override
            public int vocabSize() {
                return source.vocabSize();
            }

            @Override
            public String name() {
                return source.name();
            }

            @Override
            public int maxPositions() {
                return source.maxPositions();
            }

            @Override
            public DecodingState open(int[] promptTokens) {
                check();
                return guarded(source.open(promptTokens));
            }

            @Override
            public DecodingState open(int[] promptTokens, Cancellation cancellation) {
                check();
                // a kill during a long prefill stops it through the decoder's cancellation
                try (Cancellation.Registration link = killed.onCancel(cancellation::cancel)) {
                    return guarded(source.open(promptTokens, cancellation));
                }
            }

            @Override
            public BatchDecodingState openBatch(int[][] prompts) {
                check();
                return new GuardedBatch(source.openBatch(prompts));
            }

            @Override
            public BatchDecodingState openBatch(int[][] prompts, Cancellation cancellation) {
                check();
                try (Cancellation.Registration link = killed.onCancel(cancellation::cancel)) {
                    return new GuardedBatch(source.openBatch(prompts, cancellation));
                }
            }

            @Override
            public void close() {
                // the registry owns the shared source
            }
        };
    }

    private DecodingState guarded(DecodingState state) {
        track(state);
        return new ForwardingDecodingState(state) {
            @Override
            public void append(int... tokens) {
                check();
                super.append(tokens);
            }

            @Override
            public void close() {
                untrack(state);
                super.close();
            }
        };
    }

    private final class GuardedBatch implements BatchDecodingState {
        private final BatchDecodingState d;

        GuardedBatch(BatchDecodingState d) {
            this.d = d;
            track(d);
        }

        @Override
        public int batchSize() {
            return d.batchSize();
        }

        @Override
        public int vocabSize() {
            return d.vocabSize();
        }

        @Override
        public int length(int sequence) {
            return d.length(sequence);
        }

        @Override
        public MemorySegment logits(int sequence) {
            return d.logits(sequence);
        }

        @Override
        public void copyLogits(int sequence, float[] dst) {
            d.copyLogits(sequence, dst);
        }

        @Override
        public void append(int[] tokens) {
            check();
            d.append(tokens);
        }

        @Override
        public void cancel() {
            d.cancel();
        }

        @Override
        public void close() {
            untrack(d);
            d.close();
        }
    }
}
