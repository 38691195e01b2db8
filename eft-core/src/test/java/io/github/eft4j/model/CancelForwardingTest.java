package io.github.eft4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link DecodingState#cancel()} reaches the backend through the wrappers a decoder sees:
 * {@link ForwardingDecodingState} and the per-sequence batch of {@link LogitSource#openBatch}.
 */
class CancelForwardingTest {

    /** Counts cancels; nothing else is used. */
    private static final class Counting implements DecodingState {
        int cancels;

        @Override
        public int vocabSize() {
            return 4;
        }

        @Override
        public int length() {
            return 1;
        }

        @Override
        public int logitRows() {
            return 1;
        }

        @Override
        public MemorySegment logits(int row) {
            return MemorySegment.ofArray(new float[4]);
        }

        @Override
        public void append(int... tokens) {
        }

        @Override
        public void truncate(int length) {
        }

        @Override
        public void cancel() {
            cancels++;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void wrappersForwardCancel() {
        Counting inner = new Counting();
        try (DecodingState wrapped = new ForwardingDecodingState(inner)) {
            wrapped.cancel();
        }
        assertEquals(1, inner.cancels, "ForwardingDecodingState");

        List<Counting> opened = new ArrayList<>();
        LogitSource source = new LogitSource() {
            @Override
            public int vocabSize() {
                return 4;
            }

            @Override
            public DecodingState open(int[] promptTokens) {
                Counting c = new Counting();
                opened.add(c);
                return c;
            }
        };
        try (BatchDecodingState batch = source.openBatch(new int[][] {{1}, {2}, {3}})) {
            batch.cancel();
        }
        assertEquals(3, opened.size());
        for (Counting c : opened) {
            assertEquals(1, c.cancels, "every sequence's state");
        }
        new DecodingState() { // the default does nothing
            @Override
            public int vocabSize() {
                return 1;
            }

            @Override
            public int length() {
                return 1;
            }

            @Override
            public int logitRows() {
                return 1;
            }

            @Override
            public MemorySegment logits(int row) {
                return MemorySegment.NULL;
            }

            @Override
            public void append(int... tokens) {
            }

            @Override
            public void truncate(int length) {
            }

            @Override
            public void close() {
            }
        }.cancel();
    }
}
