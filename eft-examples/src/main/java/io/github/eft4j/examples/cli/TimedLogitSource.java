package io.github.eft4j.examples.cli;

import io.github.eft4j.model.BatchDecodingState;
import io.github.eft4j.model.Cancellation;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.model.ForwardingDecodingState;
import io.github.eft4j.model.LogitSource;
import java.util.concurrent.atomic.LongAdder;

/** Wraps a source and adds up the wall time of its forward passes (prefill and appends). */
final class TimedLogitSource implements LogitSource {
    private final LogitSource delegate;
    private final String name;
    private final LongAdder nanos = new LongAdder();
    private final LongAdder passes = new LongAdder();

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

    void reset() {
        nanos.reset();
        passes.reset();
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
        account(t0);
        return new Timed(s);
    }

    @Override
    public DecodingState open(int[] promptTokens, Cancellation cancellation) {
        long t0 = System.nanoTime();
        DecodingState s = delegate.open(promptTokens, cancellation);   // the delegate's stoppable prefill
        account(t0);
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

    private void account(long t0) {
        nanos.add(System.nanoTime() - t0);
        passes.increment();
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
