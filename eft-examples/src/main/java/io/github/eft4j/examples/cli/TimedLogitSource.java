package io.github.eft4j.examples.cli;

import io.github.eft4j.model.BatchDecodingState;
import io.github.eft4j.model.Cancellation;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.model.ForwardingDecodingState;
import io.github.eft4j.model.LogitSource;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Wraps a source and adds up the wall time of its forward passes (prefill and appends), and
 * remembers when its last prefill ended (where decoding starts).
 */
final class TimedLogitSource implements LogitSource {
    private final LogitSource delegate;
    private final String name;
    private final LongAdder nanos = new LongAdder();
    private final LongAdder passes = new LongAdder();
    private final AtomicLong lastOpenEnd = new AtomicLong();

    TimedLogitSource(String name, LogitSource delegate) {
        this.name = name;
        this.delegate = delegate;
    }

    double forwardSeconds() {
        return nanos.sum() / 1e9;
    }

    long forwardPasses() {
        return passes.sum();
    }

    /** {@link System#nanoTime()} at the end of the last {@link #open}; 0 before the first. */
    long lastOpenEnd() {
        return lastOpenEnd.get();
    }

    void reset() {
        nanos.reset();
        passes.reset();
        lastOpenEnd.set(0);
    }

    @Override
    public int vocabSize() {
        return delegate.vocabSize();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public DecodingState open(int[] promptTokens) {
        long t0 = System.nanoTime();
        DecodingState s = delegate.open(promptTokens);
        long t1 = account(t0);
        lastOpenEnd.accumulateAndGet(t1, Math::max);
        return new Timed(s);
    }

    @Override
    public DecodingState open(int[] promptTokens, Cancellation cancellation) {
        long t0 = System.nanoTime();
        DecodingState s = delegate.open(promptTokens, cancellation);   // the delegate's stoppable prefill
        long t1 = account(t0);
        lastOpenEnd.accumulateAndGet(t1, Math::max);
        return new Timed(s);
    }

    @Override
    public int maxPositions() {
        return delegate.maxPositions();
    }

    @Override
    public BatchDecodingState openBatch(int[][] prompts) {
        // Batched runs are not timed per pass; the CLI does not batch.
        return delegate.openBatch(prompts);
    }

    private long account(long t0) {
        long t1 = System.nanoTime();
        nanos.add(t1 - t0);
        passes.increment();
        return t1;
    }

    private final class Timed extends ForwardingDecodingState {
        Timed(DecodingState s) {
            super(s);
        }

        @Override
        public void append(int... tokens) {
            long t0 = System.nanoTime();
            super.append(tokens);
            account(t0);
        }

        @Override
        public void truncate(int length) {
            long t0 = System.nanoTime();
            super.truncate(length);
            nanos.add(System.nanoTime() - t0);
        }
    }
}
