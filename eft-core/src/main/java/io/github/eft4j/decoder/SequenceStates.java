package io.github.eft4j.decoder;

import io.github.eft4j.internal.Closeables;
import io.github.eft4j.model.Cancellation;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.model.LogitSource;
import java.util.concurrent.Executor;

/**
 * The decoding states of one sequence, one per component, and the rows read from them. A state
 * consumes generated tokens lazily: {@link #advance} appends what it has not consumed yet (and a
 * speculative block's drafts) in ONE {@code append}, so a finished sequence never pays for a
 * forward pass nobody reads. Rows for block positions {@code 0..drafts} are kept per component
 * ({@link #at}). Counts forward passes. Stepped in parallel on an executor when configured.
 */
final class SequenceStates {
    private final LogitSource[] sources;
    private final DecodingState[] states;
    private final Cancellation.Registration[] hooks;  // stop each state's call in flight on cancel
    private final int[] promptLength;
    private final int[] consumed;            // continuation tokens each state has consumed
    private final long[] passes;             // forward passes (open + append) per component
    private final float[][][] rows;          // (component, kMax + 1, source vocab) next-token logits per block position
    private final float[][][] byPosition;    // (kMax + 1, component) -> rows[component][pos]
    private final int[][] appendBuffers;     // exact-length id arrays for append(int...)
    private final int draft;                 // the component that proposes on its own, or -1
    private final ParallelSteps parallel;    // null = sequential
    private final Executor executor;
    private final Runnable onInterrupt;
    private int[] tokens;                    // the continuation of the running advance
    private int blockBase;                   // continuation length at the block start
    private int blockDrafts;                 // k of the running block
    private boolean released;

    /**
     * @param sources the components' sources, spec order
     * @param prompts each component's prompt
     * @param kMax the most drafts per block (0 when plain)
     * @param draft the drafting component, or -1
     * @param executor steps the sources in parallel, or null
     * @param onInterrupt told when the waiting thread is interrupted during a parallel step
     */
    SequenceStates(LogitSource[] sources, int[][] prompts, int kMax, int draft, Executor executor, Runnable onInterrupt) {
        int n = sources.length;
        this.sources = sources;
        this.states = new DecodingState[n];
        this.hooks = new Cancellation.Registration[n];
        this.promptLength = new int[n];
        this.consumed = new int[n];
        this.passes = new long[n];
        this.rows = new float[n][kMax + 1][];
        this.byPosition = new float[kMax + 1][n][];
        for (int i = 0; i < n; i++) {
            promptLength[i] = prompts[i].length;
            for (int p = 0; p <= kMax; p++) {
                rows[i][p] = new float[sources[i].vocabSize()];
                byPosition[p][i] = rows[i][p];
            }
        }
        this.appendBuffers = new int[kMax + 3][];
        for (int len = 1; len < appendBuffers.length; len++) {
            appendBuffers[len] = new int[len];
        }
        this.draft = draft;
        this.executor = executor;
        this.onInterrupt = onInterrupt;
        this.parallel = executor == null ? null : new ParallelSteps(executor, n, this::advance, onInterrupt);
    }

    /**
     * Runs every prompt (prefill; in parallel on the executor if any), registering each state's
     * {@link DecodingState#cancel()} with {@code cancellation}. On failure the states opened so
     * far stay here for {@link #release}.
     */
    void open(int[][] prompts, Cancellation cancellation) {
        if (executor != null) {
            new ParallelSteps(executor, states.length, i -> openOne(i, prompts[i], cancellation), onInterrupt).runAll(-1);
        } else {
            for (int i = 0; i < states.length; i++) {
                openOne(i, prompts[i], cancellation);
            }
        }
    }

    private void openOne(int i, int[] prompt, Cancellation cancellation) {
        DecodingState s = sources[i].open(prompt, cancellation);
        states[i] = s;
        passes[i] = 1;
        hooks[i] = cancellation.onCancel(s::cancel);
    }

    /** Sets the block that the next {@link #advance} / {@link #advanceAll} calls serve. */
    void begin(int[] continuation, int base, int drafts) {
        this.tokens = continuation;
        this.blockBase = base;
        this.blockDrafts = drafts;
    }

    /** Advances every component except {@code skip} (-1: none), in parallel if configured. */
    void advanceAll(int skip) {
        if (parallel != null) {
            parallel.runAll(skip);
            return;
        }
        for (int i = 0; i < states.length; i++) {
            if (i != skip) {
                advance(i);
            }
        }
    }

    /**
     * Component {@code i} consumes its pending continuation tokens and the running block's
     * drafts in ONE append, and its rows for block positions {@code 0..blockDrafts} are copied:
     * position {@code p} is the next-token row after {@code base + p} continuation tokens. The
     * draft component consumes only up to the block start (it proposes on its own).
     */
    void advance(int i) {
        DecodingState s = states[i];
        int from = consumed[i];
        int to = i == draft ? blockBase : blockBase + blockDrafts;
        int count = to - from;
        float[][] r = rows[i];
        if (count == 0) {
            s.copyLogits(r[0]);
            return;
        }
        int pending = blockBase - from;   // rows before the block's first position
        int[] ids = count < appendBuffers.length ? appendBuffers[count] : new int[count];
        System.arraycopy(tokens, from, ids, 0, count);
        int firstPos = 0;
        if (pending == 0) {
            s.copyLogits(r[0]);   // the pre-append row scores the first draft
            firstPos = 1;
        }
        s.append(ids);
        passes[i]++;
        for (int p = firstPos; p <= to - blockBase; p++) {
            s.copyLogits(pending - 1 + p, r[p]);
        }
        consumed[i] = to;
    }

    /** Component {@code i} appends one token and reads the next-token row into block slot {@code slot}. */
    void appendOne(int i, int token, int slot) {
        int[] one = appendBuffers[1];
        one[0] = token;
        DecodingState s = states[i];
        s.append(one);
        passes[i]++;
        s.copyLogits(rows[i][slot]);
    }

    /** Records that component {@code i} has consumed {@code count} continuation tokens. */
    void consumed(int i, int count) {
        consumed[i] = count;
    }

    /** Rolls every state that consumed more than {@code keep} continuation tokens back. */
    void rollback(int keep) {
        for (int i = 0; i < states.length; i++) {
            if (consumed[i] > keep) {
                states[i].truncate(promptLength[i] + keep);
                consumed[i] = keep;
            }
        }
    }

    /** The rows of block position {@code p}, one per component. */
    float[][] at(int p) {
        return byPosition[p];
    }

    /** Component {@code i}'s row at block position {@code p}. */
    float[] row(int i, int p) {
        return rows[i][p];
    }

    long passes(int i) {
        return passes[i];
    }

    DecodingState state(int i) {
        return states[i];
    }

    int consumed(int i) {
        return consumed[i];
    }

    /**
     * Releases every state: first the cancel hooks (so no cancel can reach a closed state), then
     * the states. Idempotent; a close failure is added to {@code primary} or thrown.
     */
    void release(Throwable primary) {
        if (released) {
            return;
        }
        released = true;
        for (Cancellation.Registration h : hooks) {
            if (h != null) {
                h.close();
            }
        }
        Closeables.closeAll(states, primary);
    }
}
