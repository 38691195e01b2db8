package io.github.eft4j.onnx;

import io.github.eft4j.BatchDecodingState;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CancellationException;

/**
 * Several sequences of one {@link OnnxLogitSource} advanced in one forward pass per step.
 * Prompts are left-padded to the longest: padding columns have attention mask 0 and position id
 * 1 (as HF does), real tokens count positions from 0 in every row, so each row's logits equal
 * those of the row decoded alone.
 *
 * <p>Threads, {@link #cancel()}, {@link #close()} and logits views behave as in
 * {@link OnnxDecodingState}: one thread at a time (a concurrent call throws
 * {@link IllegalStateException} naming the thread inside), a cross-thread close stops and waits
 * for the call in flight, and a view read after the next {@code append} reads its own values or
 * throws, never freed memory.
 */
public final class OnnxBatchDecodingState implements BatchDecodingState {
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG;

    private final OnnxLogitSource src;
    private final KvStepper step;
    private final int[] lengths;
    private final CallGuard guard;

    OnnxBatchDecodingState(OnnxLogitSource src, int[][] prompts) {
        this.src = src;
        int b = prompts.length;
        this.lengths = new int[b];
        this.step = new KvStepper(src, b);
        this.guard = new CallGuard("batch decoding state of " + src.name(), this::free);
        try {
            int p = 0;
            for (int[] pr : prompts) {
                p = Math.max(p, pr.length);
            }
            step.ensureTokens(p);
            step.ensureColumns(p);
            for (int r = 0; r < b; r++) {
                int pad = p - prompts[r].length;
                for (int j = 0; j < p; j++) {
                    boolean real = j >= pad;
                    step.ids.setAtIndex(I64, (long) r * p + j, real ? prompts[r][j - pad] : 0);
                    step.pos.setAtIndex(I64, (long) r * p + j, real ? j - pad : 1);
                    step.mask(r, j, real ? 1 : 0);
                }
                lengths[r] = prompts[r].length;
            }
            step.run(p, 1);
        } catch (RuntimeException e) {
            step.close();
            throw e;
        }
    }

    @Override
    public int batchSize() {
        return lengths.length;
    }

    @Override
    public int vocabSize() {
        return src.vocabSize();
    }

    @Override
    public int length(int sequence) {
        guard.ensureOpen();
        check(sequence);
        return lengths[sequence];
    }

    @Override
    public MemorySegment logits(int sequence) {
        guard.enter();
        try {
            check(sequence);
            return step.row(sequence, 0);
        } finally {
            guard.exit();
        }
    }

    /** Copies a sequence's next-token logits without creating a view (no allocation). */
    @Override
    public void copyLogits(int sequence, float[] dst) {
        guard.enter();
        try {
            check(sequence);
            if (dst.length < src.vocabSize()) {
                throw new IllegalArgumentException("destination holds " + dst.length + " floats, expected at least vocabSize "
                        + src.vocabSize());
            }
            step.copyRow(sequence, 0, dst);
        } finally {
            guard.exit();
        }
    }

    @Override
    public void append(int[] tokens) {
        guard.enter();
        try {
            if (tokens == null || tokens.length != lengths.length) {
                throw new IllegalArgumentException("tokens: expected one per sequence (" + lengths.length + "), got "
                        + (tokens == null ? "null" : tokens.length));
            }
            src.checkIds(tokens, "append");
            for (int len : lengths) {
                src.checkLength(len + 1);
            }
            int c = step.columns();
            step.ensureColumns(c + 1);
            for (int r = 0; r < tokens.length; r++) {
                step.ids.setAtIndex(I64, r, tokens[r]);
                step.pos.setAtIndex(I64, r, lengths[r]);
                step.mask(r, c, 1);
            }
            step.run(1, 1);
            for (int r = 0; r < lengths.length; r++) {
                lengths[r]++;
            }
        } catch (CancellationException e) {
            throw guard.closedDuring(e);
        } finally {
            guard.exit();
        }
    }

    private void check(int sequence) {
        if (sequence < 0 || sequence >= lengths.length) {
            throw new IndexOutOfBoundsException("sequence " + sequence + " out of range [0, " + lengths.length + ")");
        }
    }

    /**
     * Asks ORT to abandon the {@code append} in progress (or the next one), from any thread; it
     * throws {@link CancellationException} and leaves the batch as it was. Cancelling a closed
     * state does nothing.
     */
    @Override
    public void cancel() {
        if (guard.isClosed()) {
            return;
        }
        try {
            step.cancel();
        } catch (IllegalStateException e) {
            if (!guard.isClosed()) {
                throw e;
            }
        }
    }

    /** Closes the batch: idempotent, and safe from another thread during a call. */
    @Override
    public void close() {
        guard.close(step::cancel);
    }

    private void free() {
        try {
            step.close();
        } finally {
            src.unregister();
        }
    }
}
