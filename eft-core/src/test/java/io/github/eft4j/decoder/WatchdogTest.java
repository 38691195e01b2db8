package io.github.eft4j.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The shared watchdog: one daemon thread, idle without polling, stopping for interrupts and deadlines. */
class WatchdogTest {

    private static Thread watchdogThread() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("eft4j-watchdog")) {
                return t;
            }
        }
        return null;
    }

    /** Polls (the test, not the watchdog) until the condition holds or 10 s passed. */
    private static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 1000; i++) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }

    @Test
    void itStopsAWatchedCallForItsOwnersInterruptOrItsDeadlineAndCancelsItsHooksOnce() throws Exception {
        StopControl interrupted = new StopControl(null);
        AtomicInteger hooks = new AtomicInteger();
        interrupted.cancellation.onCancel(hooks::incrementAndGet);
        StopControl timed = new StopControl(Duration.ofMillis(50));
        StopControl idle = new StopControl(null);
        Watchdog.register(interrupted);
        Watchdog.register(timed);
        Watchdog.register(idle);
        try {
            // a generating thread inside a native call: interrupted, not polling (spins briefly)
            java.util.concurrent.atomic.AtomicBoolean kept = new java.util.concurrent.atomic.AtomicBoolean();
            Thread owner = new Thread(() -> {
                Thread.currentThread().interrupt();
                while (interrupted.reason() == null) {
                    Thread.yield();
                }
                kept.set(Thread.currentThread().isInterrupted());
            });
            interrupted.owner = owner;
            owner.start();
            owner.join(TimeUnit.SECONDS.toMillis(10));
            assertEquals(FinishReason.CANCELLED, interrupted.reason());
            assertTrue(kept.get(), "the watchdog does not clear the interrupt");
            assertTrue(eventually(() -> timed.reason() != null));
            assertEquals(FinishReason.TIMEOUT, timed.reason());
            assertTrue(timed.cancellation.isCancelled());
            TimeUnit.MILLISECONDS.sleep(5 * Watchdog.POLL_MILLIS);
            assertEquals(1, hooks.get(), "the hooks ran once");
            assertEquals(null, idle.reason(), "a call without owner or deadline is left alone");
        } finally {
            Watchdog.unregister(interrupted);
            Watchdog.unregister(timed);
            Watchdog.unregister(idle);
        }
    }

    @Test
    void withNothingToWatchItWaitsWithoutATimeout() throws Exception {
        StopControl c = new StopControl(Duration.ofHours(1));
        Watchdog.register(c);   // starts the thread if no test did yet
        Thread t = watchdogThread();
        assertNotNull(t, "the watchdog thread");
        assertTrue(t.isDaemon());
        assertTrue(eventually(() -> t.getState() == Thread.State.TIMED_WAITING), "watching: a timed wait");
        Watchdog.unregister(c);
        assertTrue(eventually(() -> Watchdog.watched() == 0), "a test left a call registered: " + Watchdog.watched());
        // after at most one poll period it parks without a timeout: no polling while idle
        assertTrue(eventually(() -> t.getState() == Thread.State.WAITING), "idle: " + t.getState());
        TimeUnit.MILLISECONDS.sleep(3 * Watchdog.POLL_MILLIS);
        assertEquals(Thread.State.WAITING, t.getState());
    }
}
