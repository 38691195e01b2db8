package io.github.eft4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.eft4j.model.BatchDecodingState;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.model.LogitSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CloseablesTest {

    @Test
    void everyResourceIsClosedEvenWhenSomeFail() {
        List<String> closed = new ArrayList<>();
        AutoCloseable[] rs = {
            () -> closed.add("a"),
            () -> {
                closed.add("b");
                throw new IllegalStateException("b failed");
            },
            null,
            () -> {
                closed.add("c");
                throw new java.io.IOException("c failed");
            },
            () -> closed.add("d"),
        };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Closeables.closeAll(rs, null));
        assertEquals("b failed", e.getMessage());
        assertEquals(1, e.getSuppressed().length);
        assertEquals(List.of("a", "b", "c", "d"), closed);
    }

    @Test
    void failuresAreAddedToThePrimaryException() {
        RuntimeException primary = new RuntimeException("step failed");
        AutoCloseable[] rs = {() -> {
            throw new IllegalStateException("close failed");
        }};
        Closeables.closeAll(rs, primary);
        assertEquals(1, primary.getSuppressed().length);
        assertEquals("close failed", primary.getSuppressed()[0].getMessage());
    }

    @Test
    void perSequenceBatchStateClosesTheOthersWhenOneFails() {
        List<Integer> closed = new ArrayList<>();
        io.github.eft4j.model.LogitSource src = new io.github.eft4j.model.LogitSource() {
            int opened;

            @Override
            public int vocabSize() {
                return 4;
            }

            @Override
            public io.github.eft4j.model.DecodingState open(int[] prompt) {
                int id = opened++;
                return new io.github.eft4j.model.DecodingState() {
                    @Override
                    public int vocabSize() {
                        return 4;
                    }

                    @Override
                    public int length() {
                        return prompt.length;
                    }

                    @Override
                    public int logitRows() {
                        return 1;
                    }

                    @Override
                    public java.lang.foreign.MemorySegment logits(int row) {
                        return java.lang.foreign.MemorySegment.ofArray(new float[4]);
                    }

                    @Override
                    public void append(int... tokens) {
                    }

                    @Override
                    public void truncate(int length) {
                    }

                    @Override
                    public void close() {
                        closed.add(id);
                        if (id == 0) {
                            throw new IllegalStateException("state 0 failed to close");
                        }
                    }
                };
            }
        };
        BatchDecodingState b = src.openBatch(new int[][] {{1}, {2}, {3}}); // the default: one state per sequence
        IllegalStateException e = assertThrows(IllegalStateException.class, b::close);
        assertEquals("state 0 failed to close", e.getMessage());
        assertEquals(List.of(0, 1, 2), closed);
        b.close(); // idempotent: nothing closed twice
        assertEquals(List.of(0, 1, 2), closed);
    }
}
