package io.github.eft4j.model;

import java.util.concurrent.CancellationException;

/**
 * A language model over a fixed vocabulary, seen only through its next-token logits.
 *
 * <p>{@link #open(int[])} runs the prompt (prefill) and returns a {@link DecodingState} that owns
 * whatever per-sequence memory the model needs (for a transformer, the KV cache).
 *
 * <p><b>Threading.</b> A source is thread-safe: several threads may {@code open} states on one
 * source at once. A {@link DecodingState} belongs to one thread at a time.
 *
 * <p><b>Resources.</b> Closing a source releases what it owns; it fails with
 * {@link IllegalStateException} while states opened from it are still open (close them first).
 * {@code close()} is idempotent.
 *
 * <pre>{@code
 * try (LogitSource model = ...; DecodingState s = model.open(promptIds)) {
 *     float[] row = new float[model.vocabSize()];
 *     s.copyLogits(row);          // next-token logits after the prompt
 *     s.append(nextToken);        // advance by one token
 * }
 * }</pre>
 */
public interface LogitSource extends AutoCloseable {

    /**
     * Returns the number of logits in every row this source produces.
     *
     * @return the vocabulary size, at least 1
     */
    int vocabSize();

    /**
     * Returns a short human-readable name used in error messages and traces.
     *
     * @return the name of this source
     */
    default String name() {
        return getClass().getSimpleName();
    }

    /**
     * Runs the prompt and returns a state positioned after its last token.
     *
     * @param promptTokens the prompt token ids; not empty, each in {@code [0, vocabSize())}
     * @return a new open state with {@link DecodingState#logitRows()} == 1
     * @throws IllegalArgumentException if the prompt is empty or holds an id out of range
     * @throws IllegalStateException if this source is closed
     * @throws EFTException if the backend fails
     */
    DecodingState open(int[] promptTokens);

    /**
     * Runs the prompt as {@link #open(int[])} does, stopping early when {@code cancellation} is
     * cancelled: then no state is returned (one that was made is closed) and this throws
     * {@link CancellationException}. The default checks before and after {@link #open(int[])};
     * backends whose prefill can take long (eft-onnx) override it to stop the native call
     * through {@link Cancellation#onCancel(Runnable)}.
     *
     * @param promptTokens the prompt token ids; not empty, each in {@code [0, vocabSize())}
     * @param cancellation stops the prefill when cancelled; not null
     * @return a new open state with {@link DecodingState#logitRows()} == 1
     * @throws CancellationException if cancellation was requested before or during the prefill
     * @throws IllegalArgumentException if the prompt is empty or holds an id out of range
     * @throws IllegalStateException if this source is closed
     * @throws EFTException if the backend fails
     */
    default DecodingState open(int[] promptTokens, Cancellation cancellation) {
        cancellation.throwIfCancelled();
        DecodingState s = open(promptTokens);
        if (cancellation.isCancelled()) {
            s.close();
            throw new CancellationException("prefill cancelled");
        }
        return s;
    }

    /**
     * Returns the most positions (prompt plus consumed tokens) one sequence may hold, the
     * model's context length ({@code max_position_embeddings}); the decoder stops generating
     * there (finish reason {@code POSITION_LIMIT}) instead of failing, and refuses prompts that
     * do not fit before any work.
     *
     * @return the limit, or {@link Integer#MAX_VALUE} when the source has none or does not
     *     know it (the default)
     */
    default int maxPositions() {
        return Integer.MAX_VALUE;
    }

    /**
     * Runs several prompts and returns a state that advances them together, one token per
     * sequence and step. The default steps one {@link DecodingState} per prompt; backends that
     * can batch (padding, one forward pass for all rows) override it.
     *
     * @param prompts one prompt per sequence; at least one, each valid for {@link #open(int[])}
     * @return a new open batched state
     * @throws IllegalArgumentException if there are no prompts or one of them is invalid
     * @throws IllegalStateException if this source is closed
     */
    default BatchDecodingState openBatch(int[][] prompts) {
        return new PerSequenceBatchState(this, prompts);
    }

    /**
     * Runs several prompts as {@link #openBatch(int[][])} does, stopping early when
     * {@code cancellation} is cancelled, as {@link #open(int[], Cancellation)} does. The
     * default checks before and after {@link #openBatch(int[][])}.
     *
     * @param prompts one prompt per sequence; at least one, each valid for {@link #open(int[])}
     * @param cancellation stops the prefill when cancelled; not null
     * @return a new open batched state
     * @throws CancellationException if cancellation was requested before or during the prefill
     * @throws IllegalArgumentException if there are no prompts or one of them is invalid
     * @throws IllegalStateException if this source is closed
     */
    default BatchDecodingState openBatch(int[][] prompts, Cancellation cancellation) {
        cancellation.throwIfCancelled();
        BatchDecodingState s = openBatch(prompts);
        if (cancellation.isCancelled()) {
            s.close();
            throw new CancellationException("batched prefill cancelled");
        }
        return s;
    }

    /**
     * Releases this source. Idempotent.
     *
     * @throws IllegalStateException if states opened from this source are still open
     */
    @Override
    default void close() {
    }
}
