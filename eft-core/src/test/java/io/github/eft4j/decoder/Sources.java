package io.github.eft4j.decoder;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.model.Cancellation;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.model.ForwardingDecodingState;
import io.github.eft4j.model.LogitSource;
import io.github.eft4j.testing.SyntheticLogitSource;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Synthetic model families for decoder tests. */
final class Sources {
    private Sources() {
    }

    /**
     * An up-scaling family in spec order (large-base, small-ft, small-base): all share a family
     * seed; {@code spread} is each model's own weight (0 = identical models).
     */
    static SyntheticLogitSource[] upscaleFamily(int vocab, double spread, long seed) {
        return new SyntheticLogitSource[] {
            SyntheticLogitSource.builder("large-base-src", vocab).familySeed(seed).ownSeed(seed * 31 + 1).ownWeight(spread).build(),
            SyntheticLogitSource.builder("small-ft-src", vocab).familySeed(seed).ownSeed(seed * 31 + 2).ownWeight(spread).build(),
            SyntheticLogitSource.builder("small-base-src", vocab).familySeed(seed).ownSeed(seed * 31 + 3).ownWeight(spread).build(),
        };
    }

    static int[] randomPrompt(SplittableRandom r, int vocab, int maxLen) {
        int[] p = new int[1 + r.nextInt(maxLen)];
        for (int i = 0; i < p.length; i++) {
            p[i] = r.nextInt(vocab);
        }
        return p;
    }

    static EFTDecoder decoder(EFTSpec spec, LogitSource... s) {
        EFTDecoder.Builder b = EFTDecoder.builder(spec);
        for (int i = 0; i < s.length; i++) {
            b.source(spec.names().get(i), s[i]);
        }
        return b.build();
    }

    /**
     * Wraps a source like a native backend stuck in a long call: its states' append number
     * {@code blockAt} (counted over the source, from 1) and, if {@code blockPrefill}, its
     * cancellable prefill block until cancelled, then throw {@link CancellationException}
     * without consuming anything. The block is a monitor entry, which, like a native call, does
     * not react to an interrupt and leaves the interrupt status set for others to see. Counts
     * cancels.
     */
    static final class Blocking implements LogitSource {
        final LogitSource inner;
        final int blockAt;
        final boolean blockPrefill;
        final AtomicInteger appends = new AtomicInteger();
        final AtomicInteger cancels = new AtomicInteger();
        final CountDownLatch blocked = new CountDownLatch(1);

        Blocking(LogitSource inner, int blockAt, boolean blockPrefill) {
            this.inner = inner;
            this.blockAt = blockAt;
            this.blockPrefill = blockPrefill;
        }

        @Override
        public int vocabSize() {
            return inner.vocabSize();
        }

        @Override
        public String name() {
            return "blocking-" + inner.name();
        }

        @Override
        public int maxPositions() {
            return inner.maxPositions();
        }

        /** Waits until something is blocked here. */
        void awaitBlocked() throws InterruptedException {
            if (!blocked.await(20, TimeUnit.SECONDS)) {
                throw new AssertionError("nothing blocked in " + name());
            }
        }

        @Override
        public DecodingState open(int[] prompt, Cancellation cancellation) {
            if (blockPrefill) {
                Gate gate = new Gate();
                try (Cancellation.Registration _ = cancellation.onCancel(gate::open)) {
                    blocked.countDown();
                    gate.pass();
                }
                cancels.incrementAndGet();
                throw new CancellationException("prefill cancelled");
            }
            return LogitSource.super.open(prompt, cancellation);
        }

        @Override
        public DecodingState open(int[] prompt) {
            DecodingState d = inner.open(prompt);
            return new ForwardingDecodingState(d) {
                private volatile Gate gate;
                private volatile boolean cancelled;

                @Override
                public void append(int... tokens) {
                    if (appends.incrementAndGet() == blockAt) {
                        Gate g = new Gate();
                        gate = g;          // before reading cancelled: a racing cancel() opens it
                        blocked.countDown();
                        if (!cancelled) {
                            g.pass();
                        }
                    }
                    if (cancelled) {
                        cancelled = false;
                        throw new CancellationException("append cancelled");
                    }
                    super.append(tokens);
                }

                @Override
                public void cancel() {
                    cancels.incrementAndGet();
                    cancelled = true;
                    Gate g = gate;
                    if (g != null) {
                        g.open();
                    }
                }
            };
        }
    }

    /**
     * A monitor held by a helper thread until {@link #open()}: {@link #pass()} blocks like a
     * native call, ignoring interrupts and keeping the interrupt status set.
     */
    static final class Gate {
        private final Object monitor = new Object();
        private final CountDownLatch release = new CountDownLatch(1);

        Gate() {
            CountDownLatch held = new CountDownLatch(1);
            Thread holder = new Thread(() -> {
                synchronized (monitor) {
                    held.countDown();
                    awaitUninterruptibly(release);
                }
            }, "gate-holder");
            holder.setDaemon(true);
            holder.start();
            awaitUninterruptibly(held);
        }

        void pass() {
            synchronized (monitor) {
                // entered once the holder let go
            }
        }

        void open() {
            release.countDown();
        }

        private static void awaitUninterruptibly(CountDownLatch latch) {
            boolean interrupted = false;
            while (true) {
                try {
                    latch.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
