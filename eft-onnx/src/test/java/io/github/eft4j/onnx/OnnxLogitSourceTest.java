package io.github.eft4j.onnx;

import static io.github.eft4j.onnx.TestGraphs.assertClose;
import static io.github.eft4j.onnx.TestGraphs.row;
import static io.github.eft4j.onnx.TestGraphs.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.model.BatchDecodingState;
import io.github.eft4j.model.Cancellation;
import io.github.eft4j.model.DecodingState;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link OnnxLogitSource}'s cancellable prefill and its position limit. */
class OnnxLogitSourceTest {

    @AfterEach
    void noLeaks() {
        TestGraphs.assertNoLeaks();
    }

    private static OnnxLogitSource miniLargeBase() {
        return OnnxLogitSource.open(OnnxOptions.builder(MiniFamilyTest.FAMILY.resolve("large-base").resolve("model.onnx"))
                .threads(1).build());
    }

    /**
     * A 256-token prefill of the mini large-base (5 layers) is cancelled from another thread
     * right after it starts: ONNX Runtime's run ends on the terminate flag (its message says so),
     * which costs the prefilling thread a fraction of a full prefill's CPU time (printed; the
     * assertion is on ORT's own report that it terminated the run, not on a timing).
     */
    @Test
    void aLongPrefillIsTerminatedByACancelFromAnotherThread() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int[] prompt = new int[256];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = 4 + (i * 37) % 1000;
        }
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (OnnxLogitSource src = miniLargeBase()) {
            float[] want;
            long fullCpu;
            Future<long[]> full = pool.submit(() -> {
                long c0 = mx.getCurrentThreadCpuTime();
                try (DecodingState _ = src.open(prompt, new Cancellation())) {
                    return new long[] {mx.getCurrentThreadCpuTime() - c0};
                }
            });
            fullCpu = full.get(60, TimeUnit.SECONDS)[0];
            try (DecodingState s = src.open(prompt)) {
                want = row(s.logits());
            }
            int terminated = 0;
            long cancelledCpu = Long.MAX_VALUE;
            for (int attempt = 0; attempt < 5 && terminated == 0; attempt++) {
                Cancellation c = new Cancellation();
                CountDownLatch starting = new CountDownLatch(1);
                Future<Object[]> f = pool.submit(() -> {
                    long c0 = mx.getCurrentThreadCpuTime();
                    starting.countDown();
                    try (DecodingState _ = src.open(prompt, c)) {
                        return new Object[] {"completed", 0L};
                    } catch (CancellationException e) {
                        return new Object[] {e.getMessage(), mx.getCurrentThreadCpuTime() - c0};
                    }
                });
                starting.await();
                // a fraction of a full prefill later: inside ORT's run, not before open or after the run
                TimeUnit.NANOSECONDS.sleep(fullCpu * (attempt + 1) / 6);
                c.cancel();
                Object[] r = f.get(60, TimeUnit.SECONDS);
                assertTrue(!"completed".equals(r[0]), "a cancelled prefill must not return a state");
                if (String.valueOf(r[0]).toLowerCase().contains("terminate")) {
                    terminated++;
                    cancelledCpu = (long) r[1];
                }
            }
            assertTrue(terminated > 0, "no attempt reached ONNX Runtime's run before it finished");
            System.out.printf("256-token prefill of mini large-base: %.1f ms CPU in full, %.1f ms CPU when cancelled%n",
                    fullCpu / 1e6, cancelledCpu / 1e6);
            assertEquals(0, src.openStates(), "the cancelled states were released");
            try (DecodingState s = src.open(prompt)) {
                assertClose(toDouble(want), row(s.logits()), 0, "the source stays usable");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCancelBeforeOpenFailsWithoutAnyRunAndTheBatchedPrefillToo() {
        try (OnnxLogitSource src = TestGraphs.open("llama_gqa")) {
            Cancellation c = new Cancellation();
            c.cancel();
            assertThrows(CancellationException.class, () -> src.open(new int[] {1, 2, 3}, c));
            assertThrows(CancellationException.class, () -> src.openBatch(new int[][] {{1, 2}, {3}}, c));
            assertEquals(0, src.openStates());
            try (BatchDecodingState b = src.openBatch(new int[][] {{1, 2}, {3}}, new Cancellation())) {
                float[] before = row(b.logits(1));
                b.cancel();
                assertThrows(CancellationException.class, () -> b.append(new int[] {5, 6}));
                assertEquals(1, b.length(1), "a cancelled append leaves the batch as it was");
                assertClose(toDouble(before), row(b.logits(1)), 0, "logits after a cancelled append");
                b.append(new int[] {5, 6});
                try (DecodingState fresh = src.open(new int[] {3, 6})) {
                    assertClose(toDouble(row(fresh.logits())), row(b.logits(1)), 1e-4, "append after cancel");
                }
            }
        }
    }

    @Test
    void maxPositionsIsTheConfigsMaxPositionEmbeddings() {
        try (OnnxLogitSource graph = TestGraphs.open("llama_gqa"); OnnxLogitSource mini = miniLargeBase()) {
            assertEquals(64, graph.maxPositions());
            assertEquals(256, mini.maxPositions());
        }
    }
}
