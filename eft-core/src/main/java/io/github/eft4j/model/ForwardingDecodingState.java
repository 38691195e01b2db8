package io.github.eft4j.model;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A {@link DecodingState} that forwards every call to another one; subclasses override what they
 * add (timing, logging, fault injection), in the manner of Guava's {@code Forwarding*} classes.
 *
 * <pre>{@code
 * DecodingState timed = new ForwardingDecodingState(state) {
 *     @Override public void append(int... tokens) {
 *         long t0 = System.nanoTime();
 *         super.append(tokens);
 *         nanos += System.nanoTime() - t0;
 *     }
 * };
 * }</pre>
 */
public class ForwardingDecodingState implements DecodingState {
    private final DecodingState delegate;

    /**
     * Wraps a state.
     *
     * @param delegate the state every call goes to; not null
     */
    public ForwardingDecodingState(DecodingState delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /**
     * Returns the wrapped state.
     *
     * @return the delegate
     */
    protected DecodingState delegate() {
        return delegate;
    }

    @Override
    public int vocabSize() {
        return delegate.vocabSize();
    }

    @Override
    public int length() {
        return delegate.length();
    }

    @Override
    public int logitRows() {
        return delegate.logitRows();
    }

    @Override
    public MemorySegment logits(int row) {
        return delegate.logits(row);
    }

    @Override
    public void copyLogits(int row, float[] dst) {
        delegate.copyLogits(row, dst);
    }

    @Override
    public void append(int... tokens) {
        delegate.append(tokens);
    }

    @Override
    public void truncate(int length) {
        delegate.truncate(length);
    }

    @Override
    public void cancel() {
        delegate.cancel();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
