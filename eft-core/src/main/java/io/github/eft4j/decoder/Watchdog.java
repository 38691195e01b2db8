package io.github.eft4j.decoder;

import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One daemon thread, shared by every decoder call, that stops calls whose thread was interrupted
 * or whose deadline passed while they may be inside a native forward pass (where they cannot
 * poll): it cancels their {@link StopControl}, whose hooks stop the sources' calls in flight.
 * Started on first use. With no call registered it waits without a timeout (no polling when
 * idle); with calls registered it wakes every {@value #POLL_MILLIS} ms (an interrupt has no
 * callback, so it is polled) or at the next deadline, whichever is sooner. Registration happens
 * once per call, never per token.
 */
final class Watchdog {
    static final long POLL_MILLIS = 10;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS);
    private static final Object LOCK = new Object();
    private static final ArrayList<StopControl> ACTIVE = new ArrayList<>();
    private static Thread thread;   // guarded by LOCK

    private Watchdog() {
    }

    /** Watches {@code c} until {@link #unregister}. */
    static void register(StopControl c) {
        synchronized (LOCK) {
            ACTIVE.add(c);
            if (thread == null) {
                thread = Thread.ofPlatform().name("eft4j-watchdog").daemon(true).unstarted(Watchdog::loop);
                thread.start();
            }
            LOCK.notifyAll();
        }
    }

    /** Stops watching {@code c}; idempotent. */
    static void unregister(StopControl c) {
        synchronized (LOCK) {
            for (int i = ACTIVE.size() - 1; i >= 0; i--) {
                if (ACTIVE.get(i) == c) {
                    ACTIVE.remove(i);
                }
            }
        }
    }

    /** Package-private for tests: how many calls are watched. */
    static int watched() {
        synchronized (LOCK) {
            return ACTIVE.size();
        }
    }

    private static void loop() {
        synchronized (LOCK) {
            while (true) {
                try {
                    if (ACTIVE.isEmpty()) {
                        LOCK.wait();
                        continue;
                    }
                    long now = System.nanoTime();
                    long wait = POLL_NANOS;
                    for (int i = 0; i < ACTIVE.size(); i++) {
                        StopControl c = ACTIVE.get(i);
                        c.watch(now);
                        if (c.reason() == null) {
                            wait = Math.min(wait, c.nanosToDeadline(now));
                        }
                    }
                    wait = Math.max(wait, 1);
                    TimeUnit.NANOSECONDS.timedWait(LOCK, wait);
                } catch (InterruptedException e) {
                    // nobody should interrupt this thread; keep watching
                } catch (RuntimeException e) {
                    System.getLogger(Watchdog.class.getName()).log(System.Logger.Level.WARNING,
                            "eft4j watchdog: a stop request failed", e);
                }
            }
        }
    }
}
