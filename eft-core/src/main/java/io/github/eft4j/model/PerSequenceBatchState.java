package io.github.eft4j.model;

import io.github.eft4j.internal.Closeables;
import java.lang.foreign.MemorySegment;

/** The default batched state: one {@link DecodingState} per sequence, stepped in turn. */
final class PerSequenceBatchState implements BatchDecodingState {
    private final DecodingState[] states;
    private final int vocabSize;
    private boolean closed;

    /**
     * Opens one state per prompt; if one fails, those already opened are closed.
     *
     * @param source the source to open states on
     * @param prompts one prompt per sequence
     */
    PerSequenceBatchState(LogitSource source, int[][] prompts) {
        if (prompts == null || prompts.length == 0) {
            throw new IllegalArgumentException("prompts: expected at least one prompt, got " + (prompts == null ? "null" : "0"));
        }
        this.vocabSize = source.vocabSize();
        this.states = new DecodingState[prompts.length];
        try {
            for (int i = 0; i < prompts.length; i++) {
                if (prompts[i] == null) {
                    throw new IllegalArgumentException("prompt " + i + " is null");
                }
                states[i] = source.open(prompts[i]);
            }
        } catch (RuntimeException e) {
            closeAll();
            throw e;
        }
    }

    @Override
    public int batchSize() {
        return states.length;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int length(int sequence) {
        return state(sequence).length();
    }

    @Override
    public MemorySegment logits(int sequence) {
        return state(sequence).logits();
    }

    @Override
    public void append(int[] tokens) {
        ensureOpen();
        if (tokens == null || tokens.length != states.length) {
            throw new IllegalArgumentException("tokens: expected one per sequence (" + states.length + "), got "
                    + (tokens == null ? "null" : tokens.length));
        }
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocabSize) {
                throw new IllegalArgumentException("token id " + tokens[i] + " for sequence " + i + " is out of range [0, " + vocabSize + ")");
            }
        }
        for (int i = 0; i < tokens.length; i++) {
            states[i].append(tokens[i]);
        }
    }

    @Override
    public void cancel() {
        for (DecodingState s : states) {
            if (s != null) {
                s.cancel();
            }
        }
    }

    private DecodingState state(int sequence) {
        ensureOpen();
        if (sequence < 0 || sequence >= states.length) {
            throw new IndexOutOfBoundsException("sequence " + sequence + " out of range [0, " + states.length + ")");
        }
        return states[sequence];
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("batch state is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            closeAll();
        }
    }

    private void closeAll() {
        Closeables.closeAll(states, null);
    }
}
