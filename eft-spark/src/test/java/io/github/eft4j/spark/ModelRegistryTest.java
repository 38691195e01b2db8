package io.github.eft4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.onnx.ExecutionProvider;
import io.github.eft4j.onnx.ModelFolder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link ModelRegistry}: one load per key, reference counts, idle closing, failed loads. */
class ModelRegistryTest {
    private static final Path SMALL_FT = SparkTestSupport.MINI.resolve("small-ft");

    private static ModelRegistry.Key key(Path dir, int threads) {
        return new ModelRegistry.Key(dir, null, ExecutionProvider.CPU, 0, threads);
    }

    private static void assertClosed(ModelFolder f) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.source().open(new int[] {1}).close());
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void concurrentTasksShareOneLoadAndTheLastReleaseCloses() throws Exception {
        ModelRegistry r = new ModelRegistry();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<ModelRegistry.Lease>> leases = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                leases.add(pool.submit(() -> r.acquire(key(SMALL_FT, 1), 0)));
            }
            ModelFolder first = leases.getFirst().get().folder();
            for (Future<ModelRegistry.Lease> l : leases) {
                assertSame(first, l.get().folder());
            }
            assertEquals(1, r.size());
            assertEquals(8, r.references());
            for (int i = 0; i < 7; i++) {
                leases.get(i).get().close();
                leases.get(i).get().close();   // idempotent
            }
            assertEquals(1, r.references());
            first.source().open(new int[] {1}).close();   // still usable
            leases.get(7).get().close();
            assertEquals(0, r.size());
            assertClosed(first);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void otherOptionsAreAnotherModel() {
        ModelRegistry r = new ModelRegistry();
        try (ModelRegistry.Lease a = r.acquire(key(SMALL_FT, 1), 0); ModelRegistry.Lease b = r.acquire(key(SMALL_FT, 2), 0)) {
            assertNotSame(a.folder(), b.folder());
            assertEquals(2, r.size());
        }
        assertEquals(0, r.size());
    }

    @Test
    void anIdleModelStaysForTheNextTaskThenCloses() throws Exception {
        ModelRegistry r = new ModelRegistry();
        ModelFolder f;
        try (ModelRegistry.Lease a = r.acquire(key(SMALL_FT, 1), 60_000)) {
            f = a.folder();
        }
        assertEquals(1, r.size(), "kept while idle");
        try (ModelRegistry.Lease b = r.acquire(key(SMALL_FT, 1), 60_000)) {
            assertSame(f, b.folder(), "the next task gets the loaded model");
        }
        assertEquals(1, r.closeIdle());
        assertClosed(f);

        try (ModelRegistry.Lease c = r.acquire(key(SMALL_FT, 1), 30)) {
            f = c.folder();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (r.size() > 0) {
            assertTrue(System.nanoTime() < deadline, "the idle timer closes the model");
            Thread.sleep(10);
        }
        assertClosed(f);
    }

    @Test
    void aFailedLoadLeavesNothingBehind() {
        ModelRegistry r = new ModelRegistry();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.acquire(key(Path.of("/nonexistent/model"), 1), 60_000));
        assertEquals("model folder not found: /nonexistent/model", e.getMessage());
        assertEquals(0, r.size());
        assertEquals(0, r.references());
    }
}
