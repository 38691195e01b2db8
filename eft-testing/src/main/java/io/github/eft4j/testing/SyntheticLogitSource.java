package io.github.eft4j.testing;

import io.github.eft4j.model.BatchDecodingState;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.model.LogitSource;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A deterministic in-memory language model: the logit of token {@code y} after a sequence
 * depends only on the last {@code order} tokens (an n-gram model) through a hash,
 *
 * <pre>
 *   logit(ctx, y) = scale · ((1 − w) · h(familySeed, ctx, y) + w · h(ownSeed, ctx, y))
 * </pre>
 *
 * where {@code h} is uniform in [−1, 1). Optionally ({@link Builder#candidates(int, double)})
 * a few "plausible" tokens per context get a boost, as a language model's distribution has a
 * few likely tokens over a flat tail: {@code c} tokens picked by the family hash get
 * {@code (1 − w) · boost · (c − r)/c} for rank {@code r}, and {@code c} picked by the own hash
 * get {@code w · boost · (c − r)/c}. Sources with the same family seed and a small
 * {@code w} ("own weight") are similar models, so speculative acceptance rates can be tuned;
 * {@code w = 0} makes them identical. Multi-token {@code append}, {@code truncate} and
 * {@code openBatch} follow the {@link DecodingState} contract exactly; every {@code open} and
 * {@code append} is one forward pass (a batched append of N sequences is one pass), counted in
 * {@link #forwardPasses()} and charged to an optional {@link ForwardCost}. Thread-safe.
 *
 * <pre>{@code
 * SyntheticLogitSource base = SyntheticLogitSource.builder("large-base", 64).familySeed(1).ownSeed(2).ownWeight(0.2).build();
 * }</pre>
 */
public final class SyntheticLogitSource implements LogitSource {
    private final String name;
    private final int vocabSize;
    private final int order;
    private final long familySeed;
    private final long ownSeed;
    private final float ownWeight;
    private final float scale;
    private final int maxLength;
    private final int candidates;
    private final float boost;
    private final int capacity;
    private final ForwardCost cost;
    private final AtomicLong passes = new AtomicLong();
    private final AtomicLong tokens = new AtomicLong();
    private final AtomicInteger openStates = new AtomicInteger();
    private volatile boolean closed;

    private SyntheticLogitSource(Builder b) {
        this.name = b.name;
        this.vocabSize = b.vocabSize;
        this.order = b.order;
        this.familySeed = b.familySeed;
        this.ownSeed = b.ownSeed;
        this.ownWeight = b.ownWeight;
        this.scale = b.scale;
        this.maxLength = b.maxLength;
        this.candidates = b.candidates;
        this.capacity = b.capacity;
        this.boost = b.boost;
        this.cost = b.cost;
    }

    /**
     * Starts a builder.
     *
     * @param name the source name (error messages, traces)
     * @param vocabSize the number of logits per row, at least 1
     * @return a new builder
     */
    public static Builder builder(String name, int vocabSize) {
        return new Builder(name, vocabSize);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * {@inheritDoc}
     *
     * @return the maximum length set with {@link Builder#maxLength(int)} (default {@code 2^20})
     */
    @Override
    public int maxPositions() {
        return maxLength;
    }

    /**
     * Returns how many forward passes ({@code open}, {@code append}, batched open/append) ran.
     *
     * @return the count since creation or the last {@link #resetCounters()}
     */
    public long forwardPasses() {
        return passes.get();
    }

    /**
     * Returns how many tokens the forward passes consumed.
     *
     * @return the count since creation or the last {@link #resetCounters()}
     */
    public long tokensProcessed() {
        return tokens.get();
    }

    /** Sets the pass and token counters to zero. */
    public void resetCounters() {
        passes.set(0);
        tokens.set(0);
    }

    /**
     * Writes the logits that follow {@code context[0..length)} into {@code dst}: the model
     * itself, for references that recompute from scratch.
     *
     * @param context the token sequence
     * @param length how many tokens of it count, at least 1
     * @param dst receives {@link #vocabSize()} logits
     */
    public void logitsAfter(int[] context, int length, float[] dst) {
        long ctx = 0x9E3779B97F4A7C15L;
        for (int i = Math.max(0, length - order); i < length; i++) {
            ctx = mix(ctx ^ (context[i] + 0x632BE59BD9B4E019L));
        }
        // The context of the first tokens is shorter; the length keeps it distinct from n-grams.
        ctx = mix(ctx + Math.min(length, order));
        long fam = mix(ctx ^ familySeed);
        long own = mix(ctx ^ ownSeed);
        float a = scale * (1 - ownWeight);
        float b = scale * ownWeight;
        for (int y = 0; y < vocabSize; y++) {
            dst[y] = a * uniform(fam, y) + b * uniform(own, y);
        }
        for (int r = 0; r < candidates; r++) {
            float rank = boost * (candidates - r) / candidates;
            dst[(int) Long.remainderUnsigned(mix(fam + 0x5851F42D4C957F2DL * (r + 1)), vocabSize)] += (1 - ownWeight) * rank;
            dst[(int) Long.remainderUnsigned(mix(own + 0x5851F42D4C957F2DL * (r + 1)), vocabSize)] += ownWeight * rank;
        }
    }

    private static float uniform(long seed, int y) {
        long h = mix(seed + (y + 1) * 0xBF58476D1CE4E5B9L);
        return (float) ((h >>> 40) * 0x1.0p-23 - 1.0);   // [-1, 1)
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public DecodingState open(int[] promptTokens) {
        ensureOpen();
        State s = new State(promptTokens, true);
        return s;
    }

    @Override
    public BatchDecodingState openBatch(int[][] prompts) {
        ensureOpen();
        if (prompts == null || prompts.length == 0) {
            throw new IllegalArgumentException("prompts: expected at least one prompt, got " + (prompts == null ? "null" : "0"));
        }
        return new Batch(prompts);
    }

    @Override
    public void close() {
        if (openStates.get() > 0) {
            throw new IllegalStateException("source '" + name + "' still has " + openStates.get() + " open states; close them first");
        }
        closed = true;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("source '" + name + "' is closed");
        }
    }

    private void checkIds(int[] ids, String what) {
        if (ids == null || ids.length == 0) {
            throw new IllegalArgumentException(what + " must hold at least one token, got " + (ids == null ? "null" : "none"));
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException(what + " holds token id " + ids[i] + " at index " + i
                        + ", expected an id in [0, " + vocabSize + ") for source '" + name + "'");
            }
        }
    }

    private void charge(int n) {
        passes.incrementAndGet();
        tokens.addAndGet(n);
        cost.charge(n);
    }

    /** One sequence; rows are preallocated and grown only when an append has more tokens. */
    private final class State implements DecodingState {
        private int[] seq;
        private int length;
        private float[][] rows;
        private MemorySegment[] views;
        private int rowCount;
        private boolean stateClosed;

        State(int[] prompt, boolean counted) {
            checkIds(prompt, "prompt");
            if (prompt.length > maxLength) {
                throw new IllegalArgumentException("prompt of " + prompt.length + " tokens exceeds the maximum length " + maxLength);
            }
            seq = Arrays.copyOf(prompt, prompt.length + capacity);   // grows by doubling past this
            length = prompt.length;
            rows = new float[0][];
            views = new MemorySegment[0];
            ensureRows(9);   // a prefill row or a speculative block of up to 8 drafts + 1; grown past that
            logitsAfter(seq, length, rows[0]);
            rowCount = 1;
            if (counted) {
                charge(prompt.length);
            }
            openStates.incrementAndGet();
        }

        private void ensureRows(int n) {
            if (rows.length < n) {
                int old = rows.length;
                rows = Arrays.copyOf(rows, n);
                views = Arrays.copyOf(views, n);
                for (int i = old; i < n; i++) {
                    rows[i] = new float[vocabSize];
                    views[i] = MemorySegment.ofArray(rows[i]).asReadOnly();
                }
            }
        }

        @Override
        public int vocabSize() {
            return vocabSize;
        }

        @Override
        public int length() {
            ensureStateOpen();
            return length;
        }

        @Override
        public int logitRows() {
            ensureStateOpen();
            return rowCount;
        }

        @Override
        public MemorySegment logits(int row) {
            ensureStateOpen();
            Objects.checkIndex(row, rowCount);
            return views[row];
        }

        @Override
        public void copyLogits(int row, float[] dst) {
            ensureStateOpen();
            Objects.checkIndex(row, rowCount);
            if (dst.length < vocabSize) {
                throw new IllegalArgumentException("destination holds " + dst.length + " floats, expected at least vocabSize " + vocabSize);
            }
            System.arraycopy(rows[row], 0, dst, 0, vocabSize);
        }

        @Override
        public void append(int... ids) {
            ensureStateOpen();
            appendUncounted(ids);
            charge(ids.length);
        }

        void appendUncounted(int[] ids) {
            checkIds(ids, "appended tokens");
            if (length + ids.length > maxLength) {
                throw new IllegalArgumentException("sequence of " + length + " + " + ids.length
                        + " tokens would exceed the maximum length " + maxLength + " of source '" + name + "'");
            }
            if (length + ids.length > seq.length) {
                seq = Arrays.copyOf(seq, Math.max(seq.length * 2, length + ids.length));
            }
            ensureRows(ids.length);
            for (int j = 0; j < ids.length; j++) {
                seq[length++] = ids[j];
                logitsAfter(seq, length, rows[j]);
            }
            rowCount = ids.length;
        }

        @Override
        public void truncate(int newLength) {
            ensureStateOpen();
            if (newLength < 1 || newLength > length) {
                throw new IllegalArgumentException("truncate length " + newLength + " out of range [1, " + length + "]");
            }
            length = newLength;
            logitsAfter(seq, length, rows[0]);
            rowCount = 1;
        }

        private void ensureStateOpen() {
            if (stateClosed) {
                throw new IllegalStateException("decoding state of source '" + name + "' is closed");
            }
        }

        @Override
        public void close() {
            if (!stateClosed) {
                stateClosed = true;
                openStates.decrementAndGet();
            }
        }
    }

    /** N sequences, one counted forward pass per batched append. */
    private final class Batch implements BatchDecodingState {
        private final State[] seqs;
        private final int[] one = new int[1];
        private boolean batchClosed;

        Batch(int[][] prompts) {
            seqs = new State[prompts.length];
            int total = 0;
            try {
                for (int i = 0; i < prompts.length; i++) {
                    seqs[i] = new State(prompts[i], false);
                    total += prompts[i].length;
                }
            } catch (RuntimeException e) {
                closeAll();
                throw e;
            }
            charge(total);
        }

        @Override
        public int batchSize() {
            return seqs.length;
        }

        @Override
        public int vocabSize() {
            return vocabSize;
        }

        @Override
        public int length(int sequence) {
            return seq(sequence).length();
        }

        @Override
        public MemorySegment logits(int sequence) {
            return seq(sequence).logits();
        }

        @Override
        public void copyLogits(int sequence, float[] dst) {
            seq(sequence).copyLogits(dst);
        }

        @Override
        public void append(int[] ids) {
            ensureBatchOpen();
            if (ids == null || ids.length != seqs.length) {
                throw new IllegalArgumentException("tokens: expected one per sequence (" + seqs.length + "), got "
                        + (ids == null ? "null" : ids.length));
            }
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] < 0 || ids[i] >= vocabSize) {
                    throw new IllegalArgumentException("token id " + ids[i] + " for sequence " + i + " is out of range [0, " + vocabSize + ")");
                }
            }
            for (int i = 0; i < ids.length; i++) {
                one[0] = ids[i];
                seqs[i].appendUncounted(one);
            }
            charge(ids.length);
        }

        private State seq(int sequence) {
            ensureBatchOpen();
            Objects.checkIndex(sequence, seqs.length);
            return seqs[sequence];
        }

        private void ensureBatchOpen() {
            if (batchClosed) {
                throw new IllegalStateException("batch state of source '" + name + "' is closed");
            }
        }

        @Override
        public void close() {
            if (!batchClosed) {
                batchClosed = true;
                closeAll();
            }
        }

        private void closeAll() {
            for (State s : seqs) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    /** Builds a {@link SyntheticLogitSource}. */
    public static final class Builder {
        private final String name;
        private final int vocabSize;
        private int order = 2;
        private long familySeed = 1;
        private long ownSeed = 2;
        private float ownWeight = 0.5f;
        private float scale = 4f;
        private int maxLength = 1 << 20;
        private int candidates;
        private float boost;
        private int capacity = 64;
        private ForwardCost cost = ForwardCost.none();

        private Builder(String name, int vocabSize) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("source name must be non-blank, got " + name);
            }
            if (vocabSize < 1) {
                throw new IllegalArgumentException("vocabSize must be >= 1, got " + vocabSize);
            }
            this.name = name;
            this.vocabSize = vocabSize;
        }

        /**
         * Sets how many previous tokens the logits depend on.
         *
         * @param n at least 1 (default 2)
         * @return this builder
         * @throws IllegalArgumentException if {@code n < 1}
         */
        public Builder order(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("order must be >= 1, got " + n);
            }
            this.order = n;
            return this;
        }

        /**
         * Sets the seed shared by similar models.
         *
         * @param seed any value (default 1)
         * @return this builder
         */
        public Builder familySeed(long seed) {
            this.familySeed = seed;
            return this;
        }

        /**
         * Sets this model's own seed.
         *
         * @param seed any value (default 2)
         * @return this builder
         */
        public Builder ownSeed(long seed) {
            this.ownSeed = seed;
            return this;
        }

        /**
         * Sets how much of the logits comes from the own seed: 0 = the family model, 1 = an
         * unrelated model.
         *
         * @param w in [0, 1] (default 0.5)
         * @return this builder
         * @throws IllegalArgumentException if {@code w} is outside [0, 1] or NaN
         */
        public Builder ownWeight(double w) {
            if (!(w >= 0 && w <= 1)) {
                throw new IllegalArgumentException("own weight must be in [0, 1], got " + w);
            }
            this.ownWeight = (float) w;
            return this;
        }

        /**
         * Sets the logit scale (larger = peakier distributions).
         *
         * @param s positive and finite (default 4)
         * @return this builder
         * @throws IllegalArgumentException if {@code s} is not positive and finite
         */
        public Builder scale(double s) {
            if (!(s > 0 && Double.isFinite(s))) {
                throw new IllegalArgumentException("scale must be positive and finite, got " + s);
            }
            this.scale = (float) s;
            return this;
        }

        /**
         * Boosts a few plausible tokens per context (see the class description), making the
         * distributions peaked like a language model's.
         *
         * @param count candidates per context from each hash, at least 0 (default 0: off)
         * @param logitBoost the boost of the top candidate, finite and at least 0
         * @return this builder
         * @throws IllegalArgumentException if {@code count < 0} or the boost is negative or not finite
         */
        public Builder candidates(int count, double logitBoost) {
            if (count < 0 || !(logitBoost >= 0 && Double.isFinite(logitBoost))) {
                throw new IllegalArgumentException("expected count >= 0 and a finite boost >= 0, got " + count + ", " + logitBoost);
            }
            this.candidates = count;
            this.boost = (float) logitBoost;
            return this;
        }

        /**
         * Sets how many tokens beyond the prompt a state holds before its buffer first grows
         * (allocation measurements preallocate).
         *
         * @param tokens at least 0 (default 64)
         * @return this builder
         * @throws IllegalArgumentException if {@code tokens < 0}
         */
        public Builder initialCapacity(int tokens) {
            if (tokens < 0) {
                throw new IllegalArgumentException("initial capacity must be >= 0, got " + tokens);
            }
            this.capacity = tokens;
            return this;
        }

        /**
         * Sets the maximum sequence length; longer appends fail like a model's context limit.
         *
         * @param n at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code n < 1}
         */
        public Builder maxLength(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("max length must be >= 1, got " + n);
            }
            this.maxLength = n;
            return this;
        }

        /**
         * Sets the simulated cost per forward pass.
         *
         * @param c the cost model
         * @return this builder
         */
        public Builder forwardCost(ForwardCost c) {
            this.cost = Objects.requireNonNull(c, "cost");
            return this;
        }

        /**
         * Builds the source.
         *
         * @return the source
         */
        public SyntheticLogitSource build() {
            return new SyntheticLogitSource(this);
        }
    }
}
