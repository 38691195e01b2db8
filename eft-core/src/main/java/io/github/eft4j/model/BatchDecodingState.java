package io.github.eft4j.model;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Several sequences of one {@link LogitSource} advanced together, one token per sequence per
 * step (see {@link LogitSource#openBatch(int[][])}). Sequences may have different lengths.
 * Same threading and closing contract as {@link DecodingState}.
 */
public interface BatchDecodingState extends AutoCloseable {

    /**
     * Returns the number of sequences.
     *
     * @return the batch size, at least 1
     */
    int batchSize();

    /**
     * Returns the length of every logits row.
     *
     * @return the vocabulary size
     */
    int vocabSize();

    /**
     * Returns the number of tokens sequence {@code sequence} has consumed.
     *
     * @param sequence the sequence index, in {@code [0, batchSize())}
     * @return its length
     */
    int length(int sequence);

    /**
     * Returns a read-only view of the next-token logits of one sequence, valid until the next
     * {@code append} or {@code close}.
     *
     * @param sequence the sequence index, in {@code [0, batchSize())}
     * @return its next-token logits
     */
    MemorySegment logits(int sequence);

    /**
     * Copies the next-token logits of one sequence into {@code dst[0..vocabSize())}.
     *
     * @param sequence the sequence index
     * @param dst the destination, at least {@link #vocabSize()} long
     */
    default void copyLogits(int sequence, float[] dst) {
        int v = vocabSize();
        if (dst.length < v) {
            throw new IllegalArgumentException("destination holds " + dst.length + " floats, expected at least vocabSize " + v);
        }
        MemorySegment.copy(logits(sequence), ValueLayout.JAVA_FLOAT, 0, dst, 0, v);
    }

    /**
     * Appends one token to every sequence.
     *
     * @param tokens one token per sequence, {@code batchSize()} long
     * @throws IllegalArgumentException if the length is wrong or an id is out of range
     */
    void append(int[] tokens);

    /**
     * Asks this state to abandon the append in flight (or the next one), as
     * {@link DecodingState#cancel()} does. Safe from any thread; the default does nothing.
     *
     * @throws IllegalStateException may be thrown if this state is already closed
     */
    default void cancel() {
    }

    /** Releases this state. Idempotent. */
    @Override
    void close();
}
