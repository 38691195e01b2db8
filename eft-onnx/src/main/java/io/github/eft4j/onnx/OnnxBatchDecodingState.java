package io.github.eft4j.onnx;

import io.github.eft4j.model.BatchDecodingState;

import io.github.eft4j.model.BatchDecodingState;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Several sequences of one {@link OnnxLogitSource} advanced in one forward pass per step.
 * Prompts are left-padded to the longest: padding columns have attention mask 0 and position id
 * 1 (as HF does), real tokens count positions from 0 in every row, so each row's logits equal
 * those of the row decoded alone.
 */
public final class OnnxBatchDecodingState implements BatchDecodingState {
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG;

    private final OnnxLogitSource src;
    private final KvStepper step;
    private final int[] lengths;
    private boolean closed;

    OnnxBatchDecodingState(OnnxLogitSource src, int[][] prompts) {
        this.src = src;
        int b = prompts.length;
        this.lengths = new int[b];
        this.step = new KvStepper(src, b);
        try {
            int p = 0;
            for (int[] pr : prompts) {
                p = Math.max(p, pr.length);
            }
            step.ensureTokens(p);
            step.ensureColumns(p);
            for (int r = 0; r < b; r++) {
                int pad = p - prompts[r].length;
                for (int j = 0; j < p; j++) {
                    boolean real = j >= pad;
                    step.ids.setAtIndex(I64, (long) r * p + j, real ? prompts[r][j - pad] : 0);
                    step.pos.setAtIndex(I64, (long) r * p + j, real ? j - pad : 1);
                    step.mask(r, j, real ? 1 : 0);
                }
                lengths[r] = prompts[r].length;
            }
            step.run(p, 1);
        } catch (RuntimeException e) {
            step.close();
            throw e;
        }
    }

    @Override
    public int batchSize() {
        return lengths.length;
    }

    @Override
    public int vocabSize() {
        return src.vocabSize();
    }

    @Override
    public int length(int sequence) {
        check(sequence);
        return lengths[sequence];
    }

    @Override
    public MemorySegment logits(int sequence) {
        check(sequence);
        return step.row(sequence, 0);
    }

    @Override
    public void append(int[] tokens) {
        ensureOpen();
        if (tokens == null || tokens.length != lengths.length) {
            throw new IllegalArgumentException("tokens: expected one per sequence (" + lengths.length + "), got "
                    + (tokens == null ? "null" : tokens.length));
        }
        src.checkIds(tokens, "append");
        for (int len : lengths) {
            src.checkLength(len + 1);
        }
        int c = step.columns();
        step.ensureColumns(c + 1);
        for (int r = 0; r < tokens.length; r++) {
            step.ids.setAtIndex(I64, r, tokens[r]);
            step.pos.setAtIndex(I64, r, lengths[r]);
            step.mask(r, c, 1);
        }
        step.run(1, 1);
        for (int r = 0; r < lengths.length; r++) {
            lengths[r]++;
        }
    }

    private void check(int sequence) {
        ensureOpen();
        if (sequence < 0 || sequence >= lengths.length) {
            throw new IndexOutOfBoundsException("sequence " + sequence + " out of range [0, " + lengths.length + ")");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("batch decoding state of " + src.name() + " is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                step.close();
            } finally {
                src.unregister();
            }
        }
    }
}
