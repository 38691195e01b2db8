package io.github.eft4j.model;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One sequence being decoded by one {@link LogitSource}: the tokens consumed so far and the
 * logits they produced.
 *
 * <p>After {@link LogitSource#open(int[]) open} there is one logits row: the next-token logits
 * after the prompt. After {@link #append(int...) append(t1..tk)} there are {@code k} rows: row
 * {@code j} is the next-token distribution after {@code tj}, so row {@code k-1} predicts the next
 * token and the earlier rows score the appended tokens (speculative verification, teacher-forced
 * scoring). {@link #truncate(int)} rolls the sequence back and leaves one row, for the new last
 * position.
 *
 * <p>A state belongs to one thread at a time and must be {@linkplain #close() closed}; closing is
 * idempotent and any other call after it throws {@link IllegalStateException}. Only
 * {@link #cancel()} may be called from another thread.
 */
public interface DecodingState extends AutoCloseable {

    /**
     * Returns the length of every logits row.
     *
     * @return the vocabulary size of the source
     */
    int vocabSize();

    /**
     * Returns the number of tokens consumed so far (prompt plus appended tokens).
     *
     * @return the sequence length, at least 1
     */
    int length();

    /**
     * Returns how many logits rows the last {@code open}, {@code append} or {@code truncate}
     * produced.
     *
     * @return the number of rows, at least 1
     */
    int logitRows();

    /**
     * Returns a read-only view of one logits row ({@link #vocabSize()} floats in native byte
     * order). The view is valid until the next {@code append}, {@code truncate} or
     * {@code close}.
     *
     * @param row the row, in {@code [0, logitRows())}
     * @return the row's logits
     * @throws IndexOutOfBoundsException if {@code row} is out of range
     */
    MemorySegment logits(int row);

    /**
     * Returns a read-only view of the next-token logits (the last row).
     *
     * @return the next-token logits
     */
    default MemorySegment logits() {
        return logits(logitRows() - 1);
    }

    /**
     * Copies one logits row into {@code dst[0..vocabSize())}.
     *
     * @param row the row, in {@code [0, logitRows())}
     * @param dst the destination, at least {@link #vocabSize()} long
     * @throws IllegalArgumentException if {@code dst} is too short
     */
    default void copyLogits(int row, float[] dst) {
        int v = vocabSize();
        if (dst.length < v) {
            throw new IllegalArgumentException("destination holds " + dst.length + " floats, expected at least vocabSize " + v);
        }
        MemorySegment.copy(logits(row), ValueLayout.JAVA_FLOAT, 0, dst, 0, v);
    }

    /**
     * Copies the next-token logits into {@code dst[0..vocabSize())}.
     *
     * @param dst the destination, at least {@link #vocabSize()} long
     */
    default void copyLogits(float[] dst) {
        copyLogits(logitRows() - 1, dst);
    }

    /**
     * Consumes one or more tokens; afterwards {@link #logitRows()} equals {@code tokens.length}.
     * On an invalid id nothing is consumed.
     *
     * @param tokens the tokens, at least one, each in {@code [0, vocabSize())}
     * @throws IllegalArgumentException if no token is given or one is out of range, or the
     *     sequence would exceed the model's maximum length
     * @throws EFTException if the backend fails
     */
    void append(int... tokens);

    /**
     * Rolls the sequence back to its first {@code length} tokens; afterwards
     * {@link #logitRows()} is 1 and {@link #logits()} is the next-token row after that prefix.
     *
     * @param length the new length, in {@code [1, length()]}
     * @throws IllegalArgumentException if {@code length} is out of range
     */
    void truncate(int length);

    /**
     * Asks this state to abandon the call in flight (or, if none is, the next call): that call
     * fails with {@link java.util.concurrent.CancellationException} and leaves the state as it
     * was before it. Safe from any thread. The default does nothing: a state whose calls are
     * short is stopped between them by its caller (the decoder checks between steps).
     *
     * @throws IllegalStateException may be thrown if this state is already closed
     */
    default void cancel() {
    }

    /** Releases this state. Idempotent. */
    @Override
    void close();
}
