package io.github.eft4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.testing.SyntheticLogitSource;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CancellationTest {

    @Test
    void cancelSetsTheFlagAndRunsEachHookOnceIdempotently() {
        Cancellation c = new Cancellation();
        AtomicInteger a = new AtomicInteger();
        AtomicInteger b = new AtomicInteger();
        c.onCancel(a::incrementAndGet);
        c.onCancel(b::incrementAndGet);
        assertFalse(c.isCancelled());
        c.throwIfCancelled();
        c.cancel();
        c.cancel();
        assertTrue(c.isCancelled());
        assertEquals(1, a.get());
        assertEquals(1, b.get());
        assertThrows(CancellationException.class, c::throwIfCancelled);
    }

    @Test
    void aHookRegisteredAfterCancelRunsAtOnceAndAClosedOneNever() {
        Cancellation c = new Cancellation();
        AtomicInteger removed = new AtomicInteger();
        Cancellation.Registration r = c.onCancel(removed::incrementAndGet);
        r.close();
        r.close();
        for (int i = 0; i < 10; i++) {   // more than the initial capacity
            c.onCancel(() -> { }).close();
        }
        c.cancel();
        assertEquals(0, removed.get());
        AtomicInteger late = new AtomicInteger();
        c.onCancel(late::incrementAndGet).close();
        assertEquals(1, late.get());
    }

    @Test
    void aFailingHookDoesNotStopTheOthers() {
        Cancellation c = new Cancellation();
        AtomicInteger after = new AtomicInteger();
        c.onCancel(() -> {
            throw new IllegalStateException("closed");
        });
        c.onCancel(after::incrementAndGet);
        c.cancel();
        assertEquals(1, after.get());
    }

    /** Once close() returned, the hook is not running: a cancel racing it finishes its hook first. */
    @Test
    void closingARegistrationWaitsForItsRunningHook() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            for (int round = 0; round < 200; round++) {
                Cancellation c = new Cancellation();
                AtomicBoolean running = new AtomicBoolean();
                AtomicBoolean seenAfterClose = new AtomicBoolean();
                AtomicBoolean closed = new AtomicBoolean();
                Cancellation.Registration r = c.onCancel(() -> {
                    running.set(true);
                    if (closed.get()) {
                        seenAfterClose.set(true);
                    }
                    Thread.onSpinWait();
                    running.set(false);
                });
                Future<?> f = pool.submit(c::cancel);
                r.close();
                closed.set(true);
                assertFalse(running.get(), "hook still running after close returned");
                f.get(5, TimeUnit.SECONDS);
                assertFalse(seenAfterClose.get(), "hook ran after close returned");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theDefaultOpenChecksBeforeAndAfterThePrefill() throws Exception {
        SyntheticLogitSource src = SyntheticLogitSource.builder("s", 16).build();
        Cancellation early = new Cancellation();
        early.cancel();
        assertThrows(CancellationException.class, () -> src.open(new int[] {1, 2}, early));
        assertThrows(CancellationException.class, () -> src.openBatch(new int[][] {{1}, {2}}, early));
        assertEquals(0, src.forwardPasses(), "no prefill after a cancel");
        // a cancel that arrives during the prefill: the state made is closed, not returned
        CountDownLatch inPrefill = new CountDownLatch(1);
        Cancellation during = new Cancellation();
        SyntheticLogitSource slow = SyntheticLogitSource.builder("slow", 16).forwardCost(tokens -> {
            inPrefill.countDown();
            during.cancel();
        }).build();
        assertThrows(CancellationException.class, () -> slow.open(new int[] {1, 2}, during));
        assertTrue(inPrefill.await(0, TimeUnit.SECONDS));
        slow.close();   // throws if the state made during the cancelled prefill is still open
        try (DecodingState s = src.open(new int[] {1}, new Cancellation())) {
            assertEquals(1, s.length());
            s.cancel();   // the default does nothing
            s.append(3);
        }
        src.close();
    }
}
