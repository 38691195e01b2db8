package io.github.eft4j.onnx;

import io.github.eft4j.model.BatchDecodingState;
import io.github.eft4j.model.Cancellation;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.CancellationException;

/**
 * Several sequences of one {@link OnnxLogitSource} advanced in one forward pass per step, each row
 * giving the logits it would give decoded alone.
 *
 * <p><b>Padding.</b> On optimum graphs prompts are left-padded to the longest: padding columns
 * have attention mask 0 and position id 1 (as HF does), real tokens count positions from 0 in
 * every row. {@code GroupQueryAttention} reads only each row's count of mask ones (it assumes
 * right padding; a left-padded row would silently attend to padding), so there prompts are
 * right-padded: row {@code r} holds its tokens at positions {@code [0, len_r)}, its next token is
 * written at {@code len_r}, and the prefill logits of row {@code r} are read at {@code len_r - 1}.
 * A GroupQueryAttention graph that returns only the last position's logits cannot give the
 * shorter rows theirs, so prompts of different lengths are refused there.
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
    private final int[] logitsRow; // exposed row holding each sequence's next-token logits
    private final CallGuard guard;

    /** Runs the prompts; a cancel of {@code cancellation} (null: none) terminates the prefill's run. */
    OnnxBatchDecodingState(OnnxLogitSource src, int[][] prompts, Cancellation cancellation) {
        this.src = src;
        int b = prompts.length;
        this.lengths = new int[b];
        this.logitsRow = new int[b];
        int p = 0;
        int shortest = Integer.MAX_VALUE;
        for (int[] pr : prompts) {
            p = Math.max(p, pr.length);
            shortest = Math.min(shortest, pr.length);
        }
        OnnxGraphLayout layout = src.layout();
        boolean rightPad = layout.attention() == OnnxGraphLayout.Attention.GROUP_QUERY;
        if (rightPad && (layout.lastRowOnly() || src.lastRowOnlyObserved()) && shortest != p) {
            throw ragged(src, prompts, null);
        }
        this.step = new KvStepper(src, b);
        this.guard = new CallGuard("batch decoding state of " + src.name(), this::free);
        try (Cancellation.Registration _ = cancellation == null ? null : cancellation.onCancel(step::cancel)) {
            step.ensureTokens(p);
            step.ensureColumns(p + 1);
            for (int r = 0; r < b; r++) {
                int len = prompts[r].length;
                int pad = rightPad ? 0 : p - len; // first real column
                for (int j = 0; j < p; j++) {
                    boolean real = j >= pad && j < pad + len;
                    step.ids.setAtIndex(I64, (long) r * p + j, real ? prompts[r][j - pad] : 0);
                    step.pos.setAtIndex(I64, (long) r * p + j, real ? j - pad : rightPad ? j : 1);
                    step.mask(r, j, real ? 1 : 0);
                }
                lengths[r] = len;
                // right padding: row len - 1 holds the next-token logits (the last row only if len == p)
                logitsRow[r] = rightPad && shortest != p ? len - 1 : 0;
            }
            step.run(p, rightPad && shortest != p ? p : 1);
            if (cancellation != null && cancellation.isCancelled()) {   // too late for the run
                throw new CancellationException("batched prefill cancelled");
            }
        } catch (RuntimeException e) {
            step.close();
            if (rightPad && shortest != p && src.lastRowOnlyObserved() && e instanceof IllegalArgumentException) {
                throw ragged(src, prompts, e); // the graph declared every position but returned the last only
            }
            throw e;
        }
    }

    private static IllegalArgumentException ragged(OnnxLogitSource src, int[][] prompts, Throwable cause) {
        int[] lens = Arrays.stream(prompts).mapToInt(pr -> pr.length).toArray();
        return new IllegalArgumentException("prompts of different lengths " + Arrays.toString(lens)
                + " cannot be batched on " + src.path() + ": its GroupQueryAttention needs right padding, and its "
                + "logits hold only the last position, which is padding for the shorter prompts; open them as "
                + "separate states or give them one length", cause);
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
            return step.row(sequence, logitsRow[sequence]);
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
            step.copyRowTo(sequence, logitsRow[sequence], dst);
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
                // right padding: the new token is the row's next position; left padding: the new column
                step.mask(r, step.countsMask() ? lengths[r] : c, 1);
            }
            step.run(1, 1);
            for (int r = 0; r < lengths.length; r++) {
                lengths[r]++;
                logitsRow[r] = 0;
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
        step.cancelUnlessClosed(guard);
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
