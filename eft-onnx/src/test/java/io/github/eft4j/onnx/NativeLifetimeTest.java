package io.github.eft4j.onnx;

import static io.github.eft4j.onnx.TestGraphs.assertClose;
import static io.github.eft4j.onnx.TestGraphs.prefix;
import static io.github.eft4j.onnx.TestGraphs.row;
import static io.github.eft4j.onnx.TestGraphs.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.eft4j.BatchDecodingState;
import io.github.eft4j.DecodingState;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Native lifetimes seen from a caller: logits views kept past close, and states that a cancelled
 * run must leave exactly as they were.
 */
class NativeLifetimeTest {

    @AfterEach
    void noLeaks() {
        TestGraphs.assertNoLeaks();
    }

    /** A view read after close must fail in Java, never read memory ORT has freed (JVM crash). */
    @ParameterizedTest
    @ValueSource(strings = {"llama_gqa", "llama_fp16"})
    void logitsViewAfterCloseThrows(String graph) {
        MemorySegment view, batchView;
        try (OnnxLogitSource src = TestGraphs.open(graph)) {
            try (DecodingState s = src.open(new int[] {1, 2, 3})) {
                s.append(4, 5);
                view = s.logits(0);
            }
            assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_FLOAT, 0), "single state view");
            try (BatchDecodingState b = src.openBatch(new int[][] {{1, 2}, {3}})) {
                batchView = b.logits(1);
            }
            assertThrows(IllegalStateException.class, () -> batchView.get(ValueLayout.JAVA_FLOAT, 0), "batch view");
        }
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_FLOAT, 0), "after source close");
    }

    @Test
    void cancelledTruncateKeepsTheState() {
        int[] seq = new Random(3).ints(12, 0, 64).toArray();
        try (OnnxLogitSource src = TestGraphs.open("llama_gqa"); OnnxDecodingState s = src.open(prefix(seq, 5))) {
            s.append(seq[5], seq[6], seq[7]);
            float[] last = row(s.logits());
            s.cancel();
            assertThrows(CancellationException.class, () -> s.truncate(3)); // re-runs token 2
            assertEquals(8, s.length(), "length after cancelled truncate");
            assertEquals(3, s.logitRows(), "rows after cancelled truncate");
            assertClose(toDouble(last), row(s.logits()), 0, "logits after cancelled truncate");
            s.append(seq[8]);
            assertSameAsFresh(src, s, prefix(seq, 9), "append after cancelled truncate");
            s.truncate(3);
            assertSameAsFresh(src, s, prefix(seq, 3), "truncate after cancel");
        }
    }

    @Test
    void cancelledCompactionKeepsTheCache() {
        int[] seq = new Random(4).ints(40, 0, 64).toArray();
        try (OnnxLogitSource src = TestGraphs.open("llama_gqa"); OnnxDecodingState s = src.open(prefix(seq, 1))) {
            int[] draft = new int[30];
            System.arraycopy(seq, 1, draft, 0, 30);
            s.append(draft);
            s.truncate(2); // 29 dead columns: the next append recomputes the cache first
            float[] last = row(s.logits());
            s.cancel();
            assertThrows(CancellationException.class, () -> s.append(seq[2]));
            assertEquals(2, s.length(), "length after cancelled append");
            assertClose(toDouble(last), row(s.logits()), 0, "logits after cancelled append");
            s.append(seq[2]);
            assertSameAsFresh(src, s, prefix(seq, 3), "append after cancelled compaction");
            s.append(seq[3], seq[4]);
            assertSameAsFresh(src, s, prefix(seq, 5), "second append after cancelled compaction");
        }
    }

    private static void assertSameAsFresh(OnnxLogitSource src, DecodingState s, int[] expected, String what) {
        assertEquals(expected.length, s.length(), what + ": length");
        try (DecodingState fresh = src.open(expected)) {
            assertClose(toDouble(row(fresh.logits())), row(s.logits()), 1e-4, what);
        }
    }
}
