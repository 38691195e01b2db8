package io.github.eft4j.spark;

import io.github.eft4j.model.BatchDecodingState;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.model.ForwardingDecodingState;
import io.github.eft4j.model.LogitSource;
import io.github.eft4j.onnx.OnnxDecodingState;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskInterruptListener;

/**
 * Stops a task's decoding when Spark kills the task: every forward pass (each {@code append} of
 * each component) first checks the task's kill flag and the thread's interrupt, and Spark's
 * interrupt listener asks ONNX Runtime to abandon the passes in flight
 * ({@link OnnxDecodingState#cancel()}), so a killed task stops within one step. The decoder then
 * closes its states (the shared sources stay usable) and the exception ends the task; Spark
 * sees a killed task, or retries a failed one.
 *
 * <p>Batched states ({@code batchSize > 1}) have no in-flight cancel in eft-onnx; they stop at
 * the next pass. With eft-core's {@code Generation.cancel()} (branch {@code decoder}) the
 * interrupt listener can cancel the generation itself instead of its states.
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
    private final Set<OnnxDecodingState> running = new LinkedHashSet<>();   // guarded by itself

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

    /** From Spark's killing thread: ONNX Runtime abandons the task's runs in flight. */
    void cancelRunning() {
        List<OnnxDecodingState> states;
        synchronized (running) {
            states = new ArrayList<>(running);
        }
        for (OnnxDecodingState s : states) {
            try {
                s.cancel();
            } catch (IllegalStateException closedMeanwhile) {
                // the decoder closed it after we copied the set: nothing to cancel
            }
        }
    }

    /**
     * Throws if the task was killed or its thread interrupted.
     *
     * @throws CancellationException if Spark killed the task or the thread was interrupted
     */
    void check() {
        if (task != null && task.isInterrupted()) {
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

    /** Wraps a shared source so that the states this task opens are guarded. */
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
            public DecodingState open(int[] promptTokens) {
                check();
                DecodingState state = source.open(promptTokens);
                OnnxDecodingState onnx = state instanceof OnnxDecodingState o ? o : null;
                if (onnx != null) {
                    synchronized (running) {
                        running.add(onnx);
                    }
                }
                return new ForwardingDecodingState(state) {
                    @Override
                    public void append(int... tokens) {
                        check();
                        super.append(tokens);
                    }

                    @Override
                    public void close() {
                        if (onnx != null) {
                            synchronized (running) {
                                running.remove(onnx);
                            }
                        }
                        super.close();
                    }
                };
            }

            @Override
            public BatchDecodingState openBatch(int[][] prompts) {
                check();
                return new GuardedBatch(source.openBatch(prompts));
            }

            @Override
            public void close() {
                // the registry owns the shared source
            }
        };
    }

    private final class GuardedBatch implements BatchDecodingState {
        private final BatchDecodingState d;

        GuardedBatch(BatchDecodingState d) {
            this.d = d;
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
        public void close() {
            d.close();
        }
    }
}
