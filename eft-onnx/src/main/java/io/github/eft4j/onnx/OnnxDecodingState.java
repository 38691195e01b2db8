package io.github.eft4j.onnx;

import io.github.eft4j.model.Cancellation;
import io.github.eft4j.model.DecodingState;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.CancellationException;

/**
 * One sequence decoded by an {@link OnnxLogitSource}. The KV cache stays in the provider's memory;
 * logits are read in place from the host tensor ORT wrote (float16/bfloat16 logits are converted
 * into a preallocated float32 buffer).
 *
 * <p><b>Rollback.</b> {@link #truncate(int)} does not copy the KV cache: it sets the attention
 * mask to 0 at the rolled-back columns (the graph then ignores them, and position ids keep
 * counting real tokens) and either re-exposes a logits row it already has (when the new last
 * token was among the last appended ones: the speculative-decoding case) or re-runs that one
 * token. The dead columns stay in the cache until they outnumber the live ones, or the physical
 * length would pass the model's maximum positions; then the state recomputes its cache from the
 * kept tokens. This relies on the graph honouring {@code attention_mask} for every key column,
 * which HF exports do.
 *
 * <p>On a {@code GroupQueryAttention} graph the mask is only counted, so rollback rewinds the
 * length instead (the next run writes over the dropped positions, in place when the source keeps
 * the KV buffer itself); nothing dead is left and no compaction is needed.
 *
 * <p><b>Threads.</b> One thread at a time: a call that arrives while another thread is inside
 * one throws {@link IllegalStateException} naming that thread (calls from different threads one
 * after another are fine). {@link #cancel()} may be called from any thread. {@link #close()} from
 * another thread during a call stops that call (it throws {@link IllegalStateException}) and waits
 * for it before freeing anything; see {@link CallGuard}.
 *
 * <p><b>Logits views.</b> A view from {@link #logits(int)} is valid until the next
 * {@code append}, {@code truncate} or {@code close}. Reading one later is a bug, but a safe one:
 * it still reads the values it was made for, or throws {@link IllegalStateException}; it never
 * reads freed memory or another step's logits (see {@link LogitsViews}). {@link #copyLogits} reads
 * without making a view.
 */
public final class OnnxDecodingState implements DecodingState {
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG;

    private final OnnxLogitSource src;
    private final KvStepper step;
    private final CallGuard guard;
    private int[] tokens = new int[64];
    private int[] column = new int[64]; // KV column of each kept token
    private int length;
    private int rows;
    private int rowBase;
    // the cache no longer matches tokens[0, length) (a recompute or rollback failed): rebuild before the next run
    private boolean rebuild;

    /** Runs the prompt; a cancel of {@code cancellation} (null: none) terminates the prefill's run. */
    OnnxDecodingState(OnnxLogitSource src, int[] prompt, Cancellation cancellation) {
        this.src = src;
        this.step = new KvStepper(src, 1);
        this.guard = new CallGuard("decoding state of " + src.name(), this::free);
        try {
            if (cancellation == null) {
                prefill(prompt, prompt.length);
            } else {
                try (Cancellation.Registration _ = cancellation.onCancel(step::cancel)) {
                    prefill(prompt, prompt.length);
                }
                if (cancellation.isCancelled()) {   // too late for the run: the stepper would fail its next one
                    throw new CancellationException("prefill cancelled");
                }
            }
        } catch (RuntimeException e) {
            step.close();
            throw e;
        }
    }

    private void prefill(int[] prompt, int n) {
        rebuild = true; // until the run succeeds: reset drops the cache
        step.reset();
        step.ensureTokens(n);
        step.ensureColumns(2 * n + 16); // headroom: the mask does not grow during the next n steps
        for (int j = 0; j < n; j++) {
            step.ids.setAtIndex(I64, j, prompt[j]);
            step.pos.setAtIndex(I64, j, j);
            step.mask(0, j, 1);
        }
        step.run(n, 1);
        grow(n);
        if (prompt != tokens) {
            System.arraycopy(prompt, 0, tokens, 0, n);
        }
        for (int j = 0; j < n; j++) {
            column[j] = j;
        }
        length = n;
        rows = 1;
        rowBase = 0;
        rebuild = false;
    }

    private void grow(int n) {
        if (n > tokens.length) {
            int cap = Math.max(n, tokens.length * 2);
            tokens = Arrays.copyOf(tokens, cap);
            column = Arrays.copyOf(column, cap);
        }
    }

    @Override
    public int vocabSize() {
        return src.vocabSize();
    }

    @Override
    public int length() {
        guard.ensureOpen();
        return length;
    }

    @Override
    public int logitRows() {
        guard.ensureOpen();
        return rows;
    }

    @Override
    public MemorySegment logits(int row) {
        guard.enter();
        try {
            checkRow(row);
            return step.row(0, rowBase + row);
        } finally {
            guard.exit();
        }
    }

    /** Copies a logits row without creating a view (no allocation). */
    @Override
    public void copyLogits(int row, float[] dst) {
        guard.enter();
        try {
            checkRow(row);
            if (dst.length < src.vocabSize()) {
                throw new IllegalArgumentException("destination holds " + dst.length + " floats, expected at least vocabSize "
                        + src.vocabSize());
            }
            step.copyRowTo(0, rowBase + row, dst);
        } finally {
            guard.exit();
        }
    }

    private void checkRow(int row) {
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException("row " + row + " out of range [0, " + rows + ")");
        }
    }

    @Override
    public void append(int... newTokens) {
        guard.enter();
        try {
            if (newTokens == null || newTokens.length == 0) {
                throw new IllegalArgumentException("append: expected at least one token, got "
                        + (newTokens == null ? "null" : "0"));
            }
            src.checkIds(newTokens, "append");
            int k = newTokens.length;
            src.checkLength(length + k);
            if (rebuild || needsCompaction(length, k)) {
                prefill(tokens, length); // compact: drop rolled-back columns
            }
            run(newTokens, k);
        } catch (CancellationException e) {
            throw guard.closedDuring(e);
        } finally {
            guard.exit();
        }
    }

    private void run(int[] newTokens, int k) {
        int c0 = step.columns();
        step.ensureTokens(k);
        step.ensureColumns(c0 + k);
        for (int j = 0; j < k; j++) {
            step.ids.setAtIndex(I64, j, newTokens[j]);
            step.pos.setAtIndex(I64, j, length + j);
            step.mask(0, c0 + j, 1);
        }
        step.run(k, k);
        grow(length + k);
        for (int j = 0; j < k; j++) {
            tokens[length + j] = newTokens[j];
            column[length + j] = c0 + j;
        }
        length += k;
        rows = k;
        rowBase = 0;
    }

    @Override
    public void truncate(int newLength) {
        guard.enter();
        try {
            truncateInside(newLength);
        } catch (CancellationException e) {
            throw guard.closedDuring(e);
        } finally {
            guard.exit();
        }
    }

    private void truncateInside(int newLength) {
        if (newLength < 1 || newLength > length) {
            throw new IllegalArgumentException("truncate: length " + newLength + " out of range [1, " + length + "]");
        }
        int firstOfLastRun = length - rows; // token index that produced logits row 0
        if (newLength - 1 >= firstOfLastRun) {
            // the next-token row after the prefix is already there: only drop the columns
            if (step.countsMask()) {
                if (!rebuild) { // else the cache is rebuilt from tokens on the next run anyway
                    step.rewind(newLength);
                }
            } else {
                for (int j = newLength; j < length; j++) {
                    step.mask(0, column[j], 0);
                }
            }
            rowBase += newLength - 1 - firstOfLastRun;
            rows = 1;
            length = newLength;
            return;
        }
        if (rebuild || needsCompaction(newLength, 1)) {
            prefill(tokens, newLength);
            return;
        }
        if (step.countsMask()) {
            step.rewind(newLength - 1);
        } else {
            for (int j = newLength - 1; j < length; j++) {
                step.mask(0, column[j], 0);
            }
        }
        int oldLength = length;
        length = newLength - 1;
        try {
            run(new int[] {tokens[newLength - 1]}, 1);
        } catch (RuntimeException e) {
            length = oldLength; // rows and logits are untouched; the cache lost the masked columns
            rebuild = true;
            throw e;
        }
    }

    /**
     * Whether to recompute the cache from the kept tokens before adding {@code k} columns: when
     * rolled-back columns outnumber live ones (and 16), or the physical length would pass the
     * model's maximum positions.
     */
    private boolean needsCompaction(int live, int k) {
        int dead = step.columns() - live;
        return dead > Math.max(live, 16) || step.columns() + k > src.maxColumns();
    }

    /** Positions the in-place KV buffer holds now (0 when the cache is concatenated); for tests. */
    int kvCapacity() {
        return step.kvCapacity();
    }

    /**
     * Asks ORT to abandon this state's call in progress, from any thread (for example on
     * {@link Thread#interrupt()}): the {@code append} or {@code truncate} running now, or, if none
     * is, the next one. The abandoned call throws {@link CancellationException} and leaves the
     * state as it was before that call (same length, logits rows and logits); the state stays
     * usable. Cancelling a closed state does nothing.
     */
    @Override
    public void cancel() {
        step.cancelUnlessClosed(guard);
    }

    /**
     * Closes the state: idempotent, and safe from another thread during a call (the call is
     * stopped and waited for; see {@link CallGuard}).
     */
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
