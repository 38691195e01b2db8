package io.github.eft4j.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.model.EFTException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class ParallelStepsTest {

    @Test
    void runsEveryIndexButTheSkippedOneOncePerCallAndTheCallerTakesAShare() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int count = 1; count <= 5; count++) {
                for (int skip = -1; skip < count; skip++) {
                    AtomicIntegerArray runs = new AtomicIntegerArray(count);
                    Thread caller = Thread.currentThread();
                    AtomicInteger onCaller = new AtomicInteger();
                    ParallelSteps p = new ParallelSteps(pool, count, i -> {
                        runs.incrementAndGet(i);
                        if (Thread.currentThread() == caller) {
                            onCaller.incrementAndGet();
                        }
                    }, null);
                    p.runAll(skip);
                    p.runAll(skip);   // tasks are reused
                    for (int i = 0; i < count; i++) {
                        assertEquals(i == skip ? 0 : 2, runs.get(i), "index " + i + " of " + count + ", skip " + skip);
                    }
                    boolean anyToRun = count > 1 || skip != 0;
                    assertEquals(anyToRun ? 2 : 0, onCaller.get(), "the caller runs the first index that is not skipped");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailureOfAnyIndexIsRethrownAfterAllFinishedAndTheNextCallIsClean() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            AtomicIntegerArray runs = new AtomicIntegerArray(3);
            AtomicInteger failAt = new AtomicInteger(2);
            IllegalStateException boom = new IllegalStateException("boom");
            ParallelSteps p = new ParallelSteps(pool, 3, i -> {
                runs.incrementAndGet(i);
                if (i == failAt.get()) {
                    throw boom;
                }
            }, null);
            assertSame(boom, assertThrows(IllegalStateException.class, () -> p.runAll(-1)));
            assertArrayEquals(new int[] {1, 1, 1}, new int[] {runs.get(0), runs.get(1), runs.get(2)}, "all ran before the rethrow");
            failAt.set(-1);
            p.runAll(-1);   // the error slot was cleared
            ParallelSteps checked = new ParallelSteps(pool, 2, i -> {
                if (i == 1) {
                    sneakyThrow(new java.io.IOException("checked"));
                }
            }, null);
            EFTException e = assertThrows(EFTException.class, () -> checked.runAll(-1));
            assertTrue(e.getCause() instanceof java.io.IOException, e.toString());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSaturatedExecutorDegradesToSteppingOnTheCaller() {
        AtomicIntegerArray runs = new AtomicIntegerArray(4);
        ParallelSteps p = new ParallelSteps(task -> {
            throw new RejectedExecutionException("full");
        }, 4, runs::incrementAndGet, null);
        p.runAll(2);
        assertArrayEquals(new int[] {1, 1, 0, 1}, new int[] {runs.get(0), runs.get(1), runs.get(2), runs.get(3)});
    }

    @Test
    void anInterruptedCallerWaitsWithoutSpinningKeepsItsInterruptAndReportsItOnce() throws Exception {
        Thread caller = Thread.currentThread();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        AtomicInteger reported = new AtomicInteger();
        // slow on the executor's threads only, so the caller mostly waits
        ParallelSteps p = new ParallelSteps(pool, 3, i -> {
            if (Thread.currentThread() != caller) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(30));
            }
        }, reported::incrementAndGet);
        try {
            p.runAll(-1);   // warm-up
            caller.interrupt();
            long cpu0 = mx.getCurrentThreadCpuTime();
            long wall0 = System.nanoTime();
            for (int round = 0; round < 10; round++) {
                p.runAll(-1);
            }
            long cpu = mx.getCurrentThreadCpuTime() - cpu0;
            long wall = System.nanoTime() - wall0;
            assertTrue(Thread.interrupted(), "the caller's interrupt status must survive the waits");
            assertEquals(10, reported.get(), "one report per call that saw the interrupt");
            // 10 waits of >= 30 ms; a spinning wait burns most of that on this thread
            assertTrue(wall >= TimeUnit.MILLISECONDS.toNanos(250), "wall " + wall / 1e6 + " ms");
            assertTrue(cpu < wall / 5, "caller used " + cpu / 1e6 + " ms CPU in " + wall / 1e6 + " ms: busy waiting");
        } finally {
            Thread.interrupted();
            pool.shutdownNow();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
        throw (T) t;
    }
}
