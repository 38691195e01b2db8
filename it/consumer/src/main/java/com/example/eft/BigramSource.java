package com.example.eft;

import io.github.eft4j.model.DecodingState;
import io.github.eft4j.model.LogitSource;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A user-written {@link LogitSource}: a bigram model counted from token ids,
 * {@code logit(y | x) = log(count(x, y) + alpha)}. The next token depends on the last one only,
 * so a state keeps its tokens and computes a row per consumed token.
 */
public final class BigramSource implements LogitSource {
    private final int vocabSize;
    private final float alpha;
    private final Map<Integer, Map<Integer, Integer>> counts = new HashMap<>();
    private final AtomicInteger openStates = new AtomicInteger();
    private volatile boolean closed;

    /**
     * Counts the bigrams of a token sequence.
     *
     * @param vocabSize the vocabulary size, shared with the models this source is combined with
     * @param alpha the count added to every bigram, {@code > 0}
     * @param corpus the token ids to count
     */
    public BigramSource(int vocabSize, float alpha, int[] corpus) {
        if (vocabSize < 1 || !(alpha > 0)) {
            throw new IllegalArgumentException("vocabSize must be >= 1 and alpha > 0, got " + vocabSize + " and " + alpha);
        }
        this.vocabSize = vocabSize;
        this.alpha = alpha;
        for (int i = 0; i + 1 < corpus.length; i++) {
            counts.computeIfAbsent(check(corpus[i]), k -> new HashMap<>()).merge(check(corpus[i + 1]), 1, Integer::sum);
        }
    }

    /**
     * Writes the logits after {@code previous} into {@code dst[offset, offset + vocabSize)}.
     *
     * @param previous the last token
     * @param dst the destination
     * @param offset where the row starts
     */
    public void logitsAfter(int previous, float[] dst, int offset) {
        Arrays.fill(dst, offset, offset + vocabSize, (float) Math.log(alpha));
        counts.getOrDefault(previous, Map.of()).forEach((next, n) -> dst[offset + next] = (float) Math.log(n + alpha));
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public String name() {
        return "bigram";
    }

    @Override
    public DecodingState open(int[] promptTokens) {
        if (closed) {
            throw new IllegalStateException("bigram source is closed");
        }
        if (promptTokens == null || promptTokens.length == 0) {
            throw new IllegalArgumentException("prompt must hold at least one token");
        }
        for (int t : promptTokens) {
            check(t);
        }
        openStates.incrementAndGet();
        return new State(promptTokens);
    }

    @Override
    public void close() {
        if (openStates.get() > 0) {
            throw new IllegalStateException(openStates.get() + " states of the bigram source are still open");
        }
        closed = true;
    }

    private int check(int token) {
        if (token < 0 || token >= vocabSize) {
            throw new IllegalArgumentException("token " + token + " out of range [0, " + vocabSize + ")");
        }
        return token;
    }

    private final class State implements DecodingState {
        private int[] tokens;
        private int length;
        private float[] rows;   // (rowCount, vocab)
        private int rowCount;
        private boolean stateClosed;

        State(int[] prompt) {
            tokens = Arrays.copyOf(prompt, Math.max(16, prompt.length * 2));
            length = prompt.length;
            rows = new float[vocabSize];
            logitsAfter(prompt[prompt.length - 1], rows, 0);
            rowCount = 1;
        }

        @Override
        public int vocabSize() {
            return vocabSize;
        }

        @Override
        public int length() {
            open();
            return length;
        }

        @Override
        public int logitRows() {
            open();
            return rowCount;
        }

        @Override
        public MemorySegment logits(int row) {
            open();
            java.util.Objects.checkIndex(row, rowCount);
            return MemorySegment.ofArray(rows).asSlice((long) row * vocabSize * Float.BYTES, (long) vocabSize * Float.BYTES).asReadOnly();
        }

        @Override
        public void copyLogits(int row, float[] dst) {
            open();
            java.util.Objects.checkIndex(row, rowCount);
            if (dst.length < vocabSize) {
                throw new IllegalArgumentException("destination holds " + dst.length + " floats, expected at least " + vocabSize);
            }
            System.arraycopy(rows, row * vocabSize, dst, 0, vocabSize);
        }

        @Override
        public void append(int... ids) {
            open();
            if (ids.length == 0) {
                throw new IllegalArgumentException("append needs at least one token");
            }
            for (int t : ids) {
                check(t);
            }
            if (length + ids.length > tokens.length) {
                tokens = Arrays.copyOf(tokens, Math.max(tokens.length * 2, length + ids.length));
            }
            if (rows.length < ids.length * vocabSize) {
                rows = new float[ids.length * vocabSize];
            }
            for (int j = 0; j < ids.length; j++) {
                tokens[length++] = ids[j];
                logitsAfter(ids[j], rows, j * vocabSize);   // row j: the next token after ids[j]
            }
            rowCount = ids.length;
        }

        @Override
        public void truncate(int newLength) {
            open();
            if (newLength < 1 || newLength > length) {
                throw new IllegalArgumentException("length " + newLength + " out of range [1, " + length + "]");
            }
            length = newLength;
            logitsAfter(tokens[length - 1], rows, 0);
            rowCount = 1;
        }

        @Override
        public void close() {
            if (!stateClosed) {
                stateClosed = true;
                openStates.decrementAndGet();
            }
        }

        private void open() {
            if (stateClosed) {
                throw new IllegalStateException("bigram state is closed");
            }
        }
    }
}
