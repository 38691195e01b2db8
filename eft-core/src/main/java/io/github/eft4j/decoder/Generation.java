package io.github.eft4j.decoder;

import io.github.eft4j.combine.EFTCombiner;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.model.LogitSource;

import io.github.eft4j.internal.Closeables;
import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.sampling.SamplingPipeline;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * One running EFT generation, iterated token by token (like onnxruntime-genai's
 * {@code Generator}). It owns one {@link DecodingState} per component and all work buffers;
 * {@link #close()} releases the states and is idempotent. Not thread-safe.
 *
 * <pre>{@code
 * try (Generation g = decoder.start(prompt, config)) {
 *     while (g.hasNext()) {
 *         int token = g.nextInt();
 *         System.out.print(tokenizer.decode(token));
 *     }
 *     GenerationResult r = g.result();
 * }
 * }</pre>
 *
 * <p><b>Steps.</b> A state consumes a generated token lazily, at the start of the next step,
 * so a finished generation never runs a forward pass whose logits nobody reads. A plain step
 * reads every component's next-token row, combines, processes (temperature, top-k/p, ...) and
 * picks one token. A speculative block (see {@link SpeculativeConfig}) lets the draft component
 * propose {@code k} tokens, has every other component consume the pending token and the block
 * in ONE {@code append}, accepts drafts with probability {@code min(1, p/q)}, resamples a
 * rejection from {@code norm(max(0, p - q))} or draws a bonus token after a fully accepted
 * block, and truncates every state, the draft's included, to the accepted prefix. With no
 * allocation per token when tracing and stop sequences are off (a plain step allocates nothing;
 * the token buffer is preallocated for 4096 tokens and doubles past that).
 */
public final class Generation implements PrimitiveIterator.OfInt, AutoCloseable {
    private static final double ACCEPTANCE_EMA_WEIGHT = 0.3;

    private final String[] names;
    private final DecodingState[] states;
    private final int[] promptLength;
    private final int[] consumed;            // continuation tokens each state has consumed
    private final long[] passes;             // forward passes (open + append) per component
    private final int vocabSize;
    private final long seed;
    private final RandomGenerator rng;
    private final boolean greedy;
    private final SamplingPipeline pipeline;
    private final EFTStep step;
    private final SequenceOutput out;
    private final ParallelSteps parallel;    // null = sequential

    // speculative; draft = -1 when plain
    private final int draft;
    private final SpeculativeConfig speculative;
    private final SamplingPipeline draftPipeline;
    private final EFTCombiner draftNormalizer;   // log-softmax of the draft row
    private final float[] unitCoefficient = {1f};
    private final float[][][] draftRowView;      // [pos] -> {rows[draft][pos]}
    private final float[][] q;                   // (kMax, vocab) processed draft log-probs
    private double acceptance;
    private int draftLength;
    private long blocks;
    private long proposed;
    private long accepted;

    private final float[][][] rows;      // (component, kMax + 1, source vocab) next-token logits per block position
    private final float[][][] byPosition; // (kMax + 1, component) -> rows[component][pos]
    private final float[] work;          // (vocab) processed target log-probs
    private final int[][] appendBuffers; // exact-length id arrays for append(int...)
    private int blockBase;               // continuation length at the block start
    private int blockDrafts;             // k of the running block

    private int delivered;
    private boolean closed;

    Generation(EFTSpec spec, LogitSource[] sources, int vocabSize, int[][] prompts, GenerationConfig config) {
        int n = sources.length;
        this.names = spec.names().toArray(String[]::new);
        this.vocabSize = vocabSize;
        this.seed = config.seed() != null ? config.seed() : new SplittableRandom().nextLong();
        this.rng = new SplittableRandom(seed);
        SamplingConfig sampling = config.sampling();
        this.greedy = sampling.greedy();
        this.pipeline = new SamplingPipeline(sampling, vocabSize);
        this.step = new EFTStep(spec, sources, vocabSize, config.schedule());
        this.speculative = config.speculative();
        int kMax = 0;
        if (speculative != null) {
            this.draft = spec.indexOf(speculative.draftComponent());
            kMax = speculative.maxDraftLength();
            this.draftPipeline = new SamplingPipeline(sampling, vocabSize);
            this.draftNormalizer = EFTCombiner.create(EFTSpec.of(names[draft], 1.0), vocabSize);
            this.q = new float[kMax][vocabSize];
            this.draftLength = speculative.initialDraftLength();
            this.acceptance = (draftLength - 1.0) / draftLength;
        } else {
            this.draft = -1;
            this.draftPipeline = null;
            this.draftNormalizer = null;
            this.q = null;
        }
        this.out = new SequenceOutput(config, vocabSize, kMax + 1);
        this.rows = new float[n][kMax + 1][];
        this.byPosition = new float[kMax + 1][n][];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p <= kMax; p++) {
                rows[i][p] = new float[sources[i].vocabSize()];
                byPosition[p][i] = rows[i][p];
            }
        }
        this.draftRowView = new float[kMax + 1][][];
        if (draft >= 0) {
            for (int p = 0; p <= kMax; p++) {
                draftRowView[p] = new float[][] {rows[draft][p]};
            }
        }
        this.work = new float[vocabSize];
        this.appendBuffers = new int[kMax + 3][];
        for (int len = 1; len < appendBuffers.length; len++) {
            appendBuffers[len] = new int[len];
        }
        this.promptLength = new int[n];
        this.consumed = new int[n];
        this.passes = new long[n];
        this.states = new DecodingState[n];
        this.parallel = config.executor() == null ? null : new ParallelSteps(config.executor(), n, this::advance);
        for (int i = 0; i < n; i++) {
            promptLength[i] = prompts[i].length;
            passes[i] = 1;
        }
        try {
            if (config.executor() != null) {   // prefills in parallel too
                new ParallelSteps(config.executor(), n, i -> states[i] = sources[i].open(prompts[i])).runAll(-1);
            } else {
                for (int i = 0; i < n; i++) {
                    states[i] = sources[i].open(prompts[i]);
                }
            }
        } catch (RuntimeException | Error e) {
            closeStates(e);
            throw e;
        }
    }

    /**
     * Returns whether another token follows, running the next step or block if needed.
     *
     * @return true if {@link #nextInt()} has a token
     * @throws IllegalStateException if this generation is closed
     * @throws IllegalArgumentException if a source produced NaN logits (the message names it
     *     and the step); the generation is closed then, and {@link #result()} reports the
     *     tokens produced before the failure with {@link FinishReason#CANCELLED}
     */
    @Override
    public boolean hasNext() {
        ensureOpen();
        while (delivered == out.length() && out.finish() == null) {
            try {
                if (draft >= 0) {
                    speculativeBlock();
                } else {
                    plainStep();
                }
            } catch (RuntimeException | Error e) {
                closeStates(e);
                closed = true;
                out.cancel();   // result() still reports the tokens produced before the failure
                throw e;
            }
        }
        return delivered < out.length();
    }

    /**
     * Returns the next generated token.
     *
     * @return the token id
     * @throws NoSuchElementException if the generation has finished
     * @throws IllegalStateException if this generation is closed
     */
    @Override
    public int nextInt() {
        if (!hasNext()) {
            throw new NoSuchElementException("generation finished: " + out.finish());
        }
        return out.tokens()[delivered++];
    }

    /**
     * Returns whether the generation has finished (no further token).
     *
     * @return true once a stop rule fired or the token limit was reached
     */
    public boolean isFinished() {
        return out.finish() != null && delivered == out.length();
    }

    /**
     * Returns the seed in use.
     *
     * @return the configured seed, or the fresh one drawn for this generation
     */
    public long seed() {
        return seed;
    }

    /**
     * Returns the result: every generated token (a speculative block may have produced more
     * than were delivered before a close), the finish reason ({@link FinishReason#CANCELLED} if
     * closed or failed before the end), the trace, forward passes and speculative statistics.
     *
     * @return the result
     * @throws IllegalStateException if the generation is neither finished nor closed
     */
    public GenerationResult result() {
        if (!closed && out.finish() == null) {
            throw new IllegalStateException("generation is still running: iterate to the end or close it first");
        }
        Map<String, Long> p = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            p.put(names[i], passes[i]);
        }
        SpeculativeStats stats = draft >= 0 ? new SpeculativeStats(blocks, proposed, accepted) : null;
        return out.result(seed, p, stats);
    }

    /** Closes every decoding state. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            out.cancel();
            closeStates(null);
        }
    }

    // ---- plain decoding --------------------------------------------------------------------

    private void plainStep() {
        blockBase = out.length();
        blockDrafts = 0;
        advanceAll(-1);
        int pos = blockBase;
        step.combine(byPosition[0], pos);
        System.arraycopy(step.combined, 0, work, 0, vocabSize);
        pipeline.process(work, out.tokens(), pos);
        int token = pipeline.pick(work, rng);
        step.checkChosen(byPosition[0], pos, token);
        emit(token, TokenOrigin.SAMPLED, -1);
    }

    // ---- speculative decoding ---------------------------------------------------------------

    private void speculativeBlock() {
        int base = out.length();
        int k = Math.min(draftLength, out.remaining() - 1);
        out.reserve(k + 1);
        blockBase = base;
        blockDrafts = k;
        if (k > 0) {
            proposeDrafts(base, k);
            advanceAll(draft);
        } else {
            advanceAll(-1);
        }
        int[] hist = out.tokens();
        int acceptedHere = 0;
        boolean going = true;
        for (int j = 0; j <= k && going; j++) {
            int pos = base + j;
            if (j == k && k > 0) {
                draftRowAfterLastDraft(base, k);
            }
            step.combine(byPosition[j], pos);
            System.arraycopy(step.combined, 0, work, 0, vocabSize);
            pipeline.process(work, hist, pos);
            if (j == k) {
                int token = pipeline.pick(work, rng);
                step.checkChosen(byPosition[j], pos, token);
                going = emit(token, k > 0 ? TokenOrigin.BONUS : TokenOrigin.SAMPLED, -1);
                break;
            }
            int d = hist[pos];
            int target = -1;
            boolean accept;
            if (greedy) {
                target = pipeline.pick(work, rng);
                step.checkChosen(byPosition[j], pos, target);
                accept = target == d;
            } else {
                step.checkChosen(byPosition[j], pos, d);
                accept = rng.nextDouble() < Math.exp((double) work[d] - q[j][d]);
            }
            if (accept) {
                acceptedHere++;
                going = emit(d, TokenOrigin.ACCEPTED_DRAFT, -1);
            } else {
                int token = greedy ? target : sampleResidual(work, q[j]);
                emit(token, TokenOrigin.RESAMPLED, d);
                break;
            }
        }
        blocks++;
        proposed += k;
        accepted += acceptedHere;
        if (k > 0 && speculative.adaptive()) {
            acceptance = (1 - ACCEPTANCE_EMA_WEIGHT) * acceptance + ACCEPTANCE_EMA_WEIGHT * acceptedHere / k;
            draftLength = nextDraftLength(acceptance, speculative.minDraftLength(), speculative.maxDraftLength());
        }
        if (out.finish() == null) {
            rollback(base + acceptedHere);
        }
    }

    /**
     * The adaptive rule of {@link SpeculativeConfig}: expected accepted run {@code a/(1-a)},
     * plus one, clamped.
     */
    static int nextDraftLength(double acceptanceRate, int min, int max) {
        double a = Math.min(acceptanceRate, 0.999);
        long k = Math.round(a / (1 - a)) + 1;
        return (int) Math.max(min, Math.min(max, k));
    }

    /**
     * The draft consumes its pending tokens (one pass), then proposes {@code k} tokens, consuming
     * each but the last (one pass each): {@code k} passes per block, plus one when all are
     * accepted.
     */
    private void proposeDrafts(int base, int k) {
        advance(draft);
        int[] hist = out.tokens();
        DecodingState s = states[draft];
        for (int j = 0; j < k; j++) {
            int pos = base + j;
            float[] qj = q[j];
            try {
                draftNormalizer.combine(draftRowView[j], unitCoefficient, qj);
            } catch (RuntimeException e) {
                throw step.diagnoseDraft(e, draft, rows[draft][j], pos);
            }
            draftPipeline.process(qj, hist, pos);
            int t = draftPipeline.pick(qj, rng);
            if (Float.isNaN(qj[t])) {
                throw step.diagnoseDraft(null, draft, rows[draft][j], pos);
            }
            hist[pos] = t;
            if (j + 1 < k) {
                int[] one = appendBuffers[1];
                one[0] = t;
                s.append(one);
                passes[draft]++;
                s.copyLogits(rows[draft][j + 1]);
            }
        }
        consumed[draft] = base + k - 1;
    }

    /**
     * Every draft was accepted: the draft consumes its last draft, whose row the bonus position
     * needs. Deferred to here because a rejection would waste that forward pass.
     */
    private void draftRowAfterLastDraft(int base, int k) {
        DecodingState s = states[draft];
        int[] one = appendBuffers[1];
        one[0] = out.tokens()[base + k - 1];
        s.append(one);
        passes[draft]++;
        s.copyLogits(rows[draft][k]);
        consumed[draft] = base + k;
    }

    /** Draws from norm(max(0, p - q)); falls back to p if the residual vanished numerically. */
    private int sampleResidual(float[] p, float[] qRow) {
        double total = 0;
        for (int y = 0; y < vocabSize; y++) {
            double r = Math.exp(p[y]) - Math.exp(qRow[y]);
            qRow[y] = r > 0 ? (float) r : 0f;   // q[j] is not needed after its rejection
            total += qRow[y];
        }
        if (!(total > 0)) {
            return pipeline.pick(p, rng);
        }
        double u = rng.nextDouble() * total;
        double acc = 0;
        int last = -1;
        for (int y = 0; y < vocabSize; y++) {
            if (qRow[y] > 0) {
                acc += qRow[y];
                last = y;
                if (u < acc) {
                    return y;
                }
            }
        }
        return last;
    }

    /** Rolls every state that consumed more than {@code keep} continuation tokens back. */
    private void rollback(int keep) {
        for (int i = 0; i < states.length; i++) {
            if (consumed[i] > keep) {
                states[i].truncate(promptLength[i] + keep);
                consumed[i] = keep;
            }
        }
    }

    // ---- shared ---------------------------------------------------------------------------

    /** Advances every component except {@code skip}, in parallel if configured. */
    private void advanceAll(int skip) {
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
     * position {@code p} is the next-token row after {@code base + p} continuation tokens.
     */
    private void advance(int i) {
        DecodingState s = states[i];
        int from = consumed[i];
        int to = i == draft ? blockBase : blockBase + blockDrafts;   // the draft proposes on its own
        int count = to - from;
        float[][] r = rows[i];
        if (count == 0) {
            s.copyLogits(r[0]);
            return;
        }
        int pending = blockBase - from;   // rows before the block's first position
        int[] ids = count < appendBuffers.length ? appendBuffers[count] : new int[count];
        System.arraycopy(out.tokens(), from, ids, 0, count);
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

    private boolean emit(int token, TokenOrigin origin, int rejectedDraft) {
        int pos = out.length();
        TokenTrace entry = out.tracing() ? step.trace(pos, token, work[token], origin, rejectedDraft) : null;
        return out.emit(token, entry);
    }

    /** Package-private for tests: the decoding state of one component. */
    DecodingState state(int component) {
        return states[component];
    }

    /** Package-private for tests: tokens generated so far (delivered or not). */
    int generatedCount() {
        return out.length();
    }

    /** Package-private for tests: continuation tokens component {@code i} has consumed. */
    int consumed(int component) {
        return consumed[component];
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("generation is closed");
        }
    }

    private void closeStates(Throwable primary) {
        Closeables.closeAll(states, primary);
    }
}
