package io.github.eft4j.decoder;

import java.util.Arrays;

/**
 * A read-only view of one decided position for a {@link StepObserver}: the EFT combination
 * (the combiner's output, conservative filter included, before any processor), its top tokens
 * and entropy, each component's own log-probabilities, this position's coefficients, and the
 * processed distribution the token was drawn from. It reads the decoder's buffers in place and
 * is valid only during {@link StepObserver#onStep}; afterwards every method throws
 * {@link IllegalStateException}. The top tokens and the entropy are computed on first use, into
 * buffers allocated once per run.
 */
public final class StepView {
    private final DecodeStep step;
    private final String[] names;
    private final int[] topIds;
    private final float[] topLogProbs;
    private boolean open;
    private boolean ranked;
    private int topCount;
    private double entropy;
    private boolean entropyKnown;
    private int sequence;
    private int position;
    private int token;
    private TokenOrigin origin;

    StepView(DecodeStep step, String[] names, int topK) {
        this.step = step;
        this.names = names;
        this.topIds = new int[topK];
        this.topLogProbs = new float[topK];
    }

    void open(int seq, int pos, int tok, TokenOrigin how) {
        this.sequence = seq;
        this.position = pos;
        this.token = tok;
        this.origin = how;
        this.ranked = false;
        this.entropyKnown = false;
        this.open = true;
    }

    void close() {
        open = false;
    }

    private void ensureOpen() {
        if (!open) {
            throw new IllegalStateException("a StepView is valid only during StepObserver.onStep");
        }
    }

    /**
     * Returns the sequence index: the prompt's index in a batch, else 0.
     *
     * @return the sequence
     */
    public int sequence() {
        ensureOpen();
        return sequence;
    }

    /**
     * Returns the position in the continuation, from 0.
     *
     * @return the position
     */
    public int position() {
        ensureOpen();
        return position;
    }

    /**
     * Returns the token decided (or scored) at this position.
     *
     * @return the token id
     */
    public int token() {
        ensureOpen();
        return token;
    }

    /**
     * Returns how the token was produced.
     *
     * @return the origin
     */
    public TokenOrigin origin() {
        ensureOpen();
        return origin;
    }

    /**
     * Returns the shared vocabulary size.
     *
     * @return the number of token ids
     */
    public int vocabSize() {
        ensureOpen();
        return step.vocabSize();
    }

    /**
     * Returns the number of components.
     *
     * @return the component count, in spec order
     */
    public int components() {
        ensureOpen();
        return names.length;
    }

    /**
     * Returns a component's name.
     *
     * @param component the index in spec order
     * @return its name
     */
    public String component(int component) {
        ensureOpen();
        return names[component];
    }

    /**
     * Returns a component's coefficient at this position.
     *
     * @param component the index in spec order
     * @return the coefficient (the schedule's, if any)
     */
    public float coefficient(int component) {
        ensureOpen();
        return step.coefficients[component];
    }

    /**
     * Returns the EFT log-probability of a token at this position.
     *
     * @param id a token id in {@code [0, vocabSize())}
     * @return its combined log-probability ({@code -inf} if masked)
     */
    public float logProb(int id) {
        ensureOpen();
        return step.combined[checkId(id)];
    }

    /**
     * Returns a token's log-probability in the processed distribution (after the caller's and
     * the sampling processors, renormalized): the distribution the token was drawn from. In
     * scoring without processors it equals {@link #logProb(int)}.
     *
     * @param id a token id in {@code [0, vocabSize())}
     * @return its processed log-probability
     */
    public float processedLogProb(int id) {
        ensureOpen();
        return step.processed[checkId(id)];
    }

    /**
     * Returns one component's own log-probability of a token at this position
     * ({@code log_softmax} of its row).
     *
     * @param component the index in spec order
     * @param id a token id in {@code [0, vocabSize())}
     * @return that component's log-probability
     */
    public float componentLogProb(int component, int id) {
        ensureOpen();
        return step.componentLogProb(component, checkId(id));
    }

    /**
     * Copies the EFT log-probabilities of this position.
     *
     * @param dst receives {@link #vocabSize()} values
     * @throws IllegalArgumentException if {@code dst} is too short
     */
    public void copyLogProbs(float[] dst) {
        ensureOpen();
        if (dst.length < step.vocabSize()) {
            throw new IllegalArgumentException("destination holds " + dst.length + " floats, expected at least " + step.vocabSize());
        }
        System.arraycopy(step.combined, 0, dst, 0, step.vocabSize());
    }

    /**
     * Returns how many top tokens are ranked: the observer's top-k, at most the vocabulary.
     *
     * @return the count
     */
    public int topCount() {
        ensureOpen();
        rank();
        return topCount;
    }

    /**
     * Returns the id of the token at a rank of the EFT distribution (most likely first, lower
     * id first on ties).
     *
     * @param rank in {@code [0, topCount())}
     * @return the token id
     */
    public int topId(int rank) {
        ensureOpen();
        rank();
        return topIds[java.util.Objects.checkIndex(rank, topCount)];
    }

    /**
     * Returns the EFT log-probability of the token at a rank.
     *
     * @param rank in {@code [0, topCount())}
     * @return its log-probability
     */
    public float topLogProb(int rank) {
        ensureOpen();
        rank();
        return topLogProbs[java.util.Objects.checkIndex(rank, topCount)];
    }

    /**
     * Returns the entropy of the EFT distribution at this position, {@code -Σ p log p} in
     * nats (accumulated in double).
     *
     * @return the entropy
     */
    public double entropy() {
        ensureOpen();
        if (!entropyKnown) {
            float[] lp = step.combined;
            double h = 0;
            for (int y = 0, n = step.vocabSize(); y < n; y++) {
                if (lp[y] != Float.NEGATIVE_INFINITY) {
                    h -= Math.exp(lp[y]) * lp[y];
                }
            }
            entropy = h;
            entropyKnown = true;
        }
        return entropy;
    }

    private int checkId(int id) {
        return java.util.Objects.checkIndex(id, step.vocabSize());
    }

    /** Insertion into a k-long sorted list: O(vocab + inserts · k), nothing allocated. */
    private void rank() {
        if (ranked) {
            return;
        }
        float[] lp = step.combined;
        int k = topIds.length;
        int count = 0;
        for (int y = 0, n = step.vocabSize(); y < n; y++) {
            float v = lp[y];
            if (count == k && !(v > topLogProbs[k - 1])) {
                continue;
            }
            int at = count < k ? count++ : k - 1;
            while (at > 0 && v > topLogProbs[at - 1]) {   // strict: an earlier (lower) id keeps its rank on ties
                topLogProbs[at] = topLogProbs[at - 1];
                topIds[at] = topIds[at - 1];
                at--;
            }
            topLogProbs[at] = v;
            topIds[at] = y;
        }
        topCount = count;
        ranked = true;
    }

    @Override
    public String toString() {
        if (!open) {
            return "StepView[closed]";
        }
        return "StepView[sequence=" + sequence + ", position=" + position + ", token=" + token + ", origin=" + origin
                + ", coefficients=" + Arrays.toString(step.coefficients) + "]";
    }
}
