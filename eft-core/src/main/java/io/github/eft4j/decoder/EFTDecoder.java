package io.github.eft4j.decoder;

import io.github.eft4j.combine.CoefficientSchedule;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.combine.VocabAlignment;
import io.github.eft4j.model.Cancellation;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.model.LogitSource;
import io.github.eft4j.sampling.SamplingPipeline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;

/**
 * Emulated fine-tuning decoder: runs the decoding loop over the sources of an {@link EFTSpec},
 * combining their next-token distributions at every step,
 * {@code log p(y) = log_softmax(Σ_i c_i · log_softmax(logits_i))(y)}, then sampling. Plain or
 * speculative ({@link SpeculativeConfig}), streamed ({@link TokenListener} or the
 * {@link Generation} iterator), batched over several prompts, or scoring a given continuation.
 *
 * <pre>{@code
 * EFTDecoder eft = EFTDecoder.builder(EFTSpec.upscale())
 *         .source(EFTSpec.LARGE_BASE, largeBase)
 *         .source(EFTSpec.SMALL_FT, smallChat)
 *         .source(EFTSpec.SMALL_BASE, smallBase)
 *         .vocabSize(tokenizer.vocabSize())          // when sources carry padding rows
 *         .build();
 * Prompt prompt = Prompt.of(plainIds).with(EFTSpec.SMALL_FT, chatIds);
 * GenerationResult r = eft.generate(prompt, GenerationConfig.builder()
 *         .maxNewTokens(128).stopTokens(eos)
 *         .sampling(SamplingConfig.sampling().withTemperature(0.7f))
 *         .speculative(SpeculativeConfig.adaptive(8))
 *         .seed(7L).build());
 * }</pre>
 *
 * <p><b>Vocabulary.</b> Every source row is read in {@code [0, vocabSize())}, the shared
 * vocabulary; a source may have more rows (padding, at most
 * {@value VocabAlignment#MAX_PADDING_ROWS}), never fewer. Without an explicit
 * {@link Builder#vocabSize(int)} the smallest source size is the shared one (see
 * {@link VocabAlignment}).
 *
 * <p><b>One step.</b> Every position of every mode (plain, speculative, batched, scoring) is
 * decided by one decoding step: combine with this position's coefficients, check, apply the
 * caller's {@link io.github.eft4j.sampling.LogitProcessor}s and the sampling processors, then
 * sample or score; a {@link StepObserver} can watch it. See {@code docs/decoder.md}.
 *
 * <p><b>Stopping.</b> Interrupting the thread that generates, {@link Generation#cancel()} or
 * {@link GenerationConfig#timeout()} end a call within one step (a forward pass in flight is
 * stopped where the source supports {@link io.github.eft4j.model.DecodingState#cancel()}): the
 * result holds the tokens so far with {@link FinishReason#CANCELLED} or
 * {@link FinishReason#TIMEOUT}, the states are released and the interrupt status is kept;
 * {@link #score} throws {@link ScoreCancelledException} instead. Reaching a source's
 * {@link LogitSource#maxPositions()} ends generation with {@link FinishReason#POSITION_LIMIT};
 * prompts that do not fit are refused before any work.
 *
 * <p><b>Threading.</b> A decoder is immutable and may be shared; each call opens its own
 * decoding states and buffers. The sources are the caller's: the decoder never closes them.
 */
public final class EFTDecoder {
    /**
     * The largest coefficient magnitude accepted, for defaults and schedules alike. Log-
     * probabilities of real models' float32 logits lie above about {@code -1e4}, so with
     * {@code |c| <= 1e6} every term {@code c_i · log_softmax(x_i)} stays below {@code 1e10}, far
     * from float32's {@code 3.4e38}: no overflow, and no {@code inf - inf = NaN} between
     * components. A coefficient near this already makes the distribution one-hot; larger ones
     * (β = 1e38) used to end in a NaN row.
     */
    public static final double MAX_COEFFICIENT = 1e6;

    private final EFTSpec spec;
    private final LogitSource[] sources;   // spec order
    private final int vocabSize;

    private EFTDecoder(EFTSpec spec, LogitSource[] sources, int vocabSize) {
        this.spec = spec;
        this.sources = sources;
        this.vocabSize = vocabSize;
    }

    /**
     * Starts building a decoder for a spec.
     *
     * @param spec the components and their default coefficients
     * @return a new builder
     */
    public static Builder builder(EFTSpec spec) {
        return new Builder(spec);
    }

    /**
     * Returns the spec.
     *
     * @return the spec this decoder combines
     */
    public EFTSpec spec() {
        return spec;
    }

    /**
     * Returns the shared vocabulary size.
     *
     * @return the number of token ids that can be generated
     */
    public int vocabSize() {
        return vocabSize;
    }

    /**
     * Returns the source of a component.
     *
     * @param component the component name
     * @return its source
     * @throws IllegalArgumentException if there is no such component
     */
    public LogitSource source(String component) {
        return sources[spec.indexOf(component)];
    }

    /**
     * Starts a generation; the prompts are run (prefill) before this returns, unless the
     * calling thread is interrupted (then the generation is returned finished with
     * {@link FinishReason#CANCELLED}, or {@link FinishReason#TIMEOUT} if the config's timeout
     * passed during the prefill).
     *
     * @param prompt the prompt ids per component
     * @param config the generation config
     * @return the running generation; close it
     * @throws IllegalArgumentException if a prompt is missing, empty, holds an id out of its
     *     source's range or is longer than its source's {@link LogitSource#maxPositions()},
     *     names an unknown component, a stop token id is outside the vocabulary, or the
     *     speculative draft component is not a component
     */
    public Generation start(Prompt prompt, GenerationConfig config) {
        Objects.requireNonNull(config, "config");
        if (config.speculative() != null) {
            checkComponent("speculative draft component", config.speculative().draftComponent());
        }
        checkStopTokens(config);
        int[][] ids = resolve(prompt);
        return new Generation(this, ids, room(ids, 1), config);
    }

    /**
     * Generates a continuation.
     *
     * @param prompt the prompt ids per component
     * @param config the generation config
     * @return the result; its finish reason says why it ended ({@link FinishReason#CANCELLED}
     *     on an interrupt of this thread, whose interrupt status is kept;
     *     {@link FinishReason#TIMEOUT}; {@link FinishReason#POSITION_LIMIT} when a source's
     *     context is full)
     * @throws IllegalArgumentException on bad input, see {@link #start}, or NaN logits (the
     *     message names the source and the step)
     */
    public GenerationResult generate(Prompt prompt, GenerationConfig config) {
        return generate(prompt, config, null);
    }

    /**
     * Generates a continuation, streaming each token to a listener as soon as it is known. A
     * listener may interrupt the thread (or the config's timeout pass) to stop after the token
     * it was given: the result then holds exactly the tokens the listener received.
     *
     * @param prompt the prompt ids per component
     * @param config the generation config
     * @param listener receives every token, or {@code null}
     * @return the result
     * @throws IllegalArgumentException on bad input, see {@link #generate(Prompt, GenerationConfig)}
     */
    public GenerationResult generate(Prompt prompt, GenerationConfig config, TokenListener listener) {
        try (Generation g = start(prompt, config)) {
            int index = 0;
            while (g.hasNext()) {
                int t = g.nextInt();
                if (listener != null) {
                    listener.onToken(t, index);
                }
                index++;
            }
            return g.result();
        }
    }

    /**
     * Generates continuations of several prompts together, through {@link LogitSource#openBatch}
     * (one batched forward pass per component and step). Sequence {@code s} uses seed
     * {@code seed + s} (the config's seed, or a fresh one drawn once), so its result equals
     * {@code generate(prompts.get(s), config.withSeed(seed + s))} token for token. A finished
     * sequence keeps being fed its last token until all have finished; its output ignores them.
     * So the sequences advance together, every one is limited by the smallest room any prompt
     * leaves in its source's context ({@link FinishReason#POSITION_LIMIT}). An interrupt of
     * this thread or the config's timeout ends every unfinished sequence with the tokens so far
     * ({@link FinishReason#CANCELLED} or {@link FinishReason#TIMEOUT}). Speculative decoding
     * and executors are not used here (one batched pass is the parallelism).
     *
     * @param prompts the prompts, at least one
     * @param config the generation config; {@link GenerationConfig#speculative()} must be null
     * @return one result per prompt, in order; their forward-pass counts are the batch's
     * @throws IllegalArgumentException on bad input (see {@link #start}), or if the config is
     *     speculative
     */
    public List<GenerationResult> generateBatch(List<Prompt> prompts, GenerationConfig config) {
        if (prompts == null || prompts.isEmpty()) {
            throw new IllegalArgumentException("batched generation needs at least one prompt, got " + (prompts == null ? "null" : "none"));
        }
        Objects.requireNonNull(config, "config");
        if (config.speculative() != null) {
            throw new IllegalArgumentException("speculative decoding is not supported in batched generation; "
                    + "expected speculative == null, got " + config.speculative());
        }
        checkStopTokens(config);
        int b = prompts.size();
        int n = sources.length;
        int[][][] ids = new int[n][b][];   // (component, sequence) -> prompt
        int room = Integer.MAX_VALUE;
        for (int s = 0; s < b; s++) {
            int[][] r = resolve(prompts.get(s));
            room = Math.min(room, room(r, 1));
            for (int i = 0; i < n; i++) {
                ids[i][s] = r[i];
            }
        }
        return BatchGeneration.run(this, ids, room, config);
    }

    /**
     * Scores a continuation under the EFT distribution with the spec's default coefficients;
     * see {@link #score(Prompt, int[], CoefficientSchedule)}.
     *
     * @param prompt the prompt ids per component
     * @param continuation the tokens to score, each in {@code [0, vocabSize())}
     * @return per-token log-probabilities and their sum
     * @throws IllegalArgumentException on a bad prompt or token, or NaN logits
     * @throws ScoreCancelledException if this thread is interrupted
     */
    public ScoreResult score(Prompt prompt, int[] continuation) {
        return score(prompt, continuation, (CoefficientSchedule) null);
    }

    /**
     * Scores a continuation by teacher forcing: every source runs its prompt, then consumes the
     * continuation but its last token in ONE multi-token {@code append} (so scoring needs no
     * more context than generating it did); position {@code t} is scored with the row before
     * token {@code t}. The log-probabilities are the combiner's (conservative
     * filter included) without sampling processors.
     *
     * @param prompt the prompt ids per component
     * @param continuation the tokens to score, each in {@code [0, vocabSize())}; may be empty
     * @param schedule per-position coefficients, or {@code null} for the defaults
     * @return per-token log-probabilities (with component log-probs and implicit rewards) and
     *     their sum
     * @throws IllegalArgumentException on a bad prompt or token, a continuation longer than
     *     the sources' contexts leave room for, or NaN logits
     * @throws ScoreCancelledException if this thread is interrupted (it keeps its interrupt
     *     status); the exception carries the positions scored so far
     */
    public ScoreResult score(Prompt prompt, int[] continuation, CoefficientSchedule schedule) {
        return score(resolve(prompt), continuation, schedule, null, null, GenerationConfig.DEFAULT_OBSERVER_TOP_K, null);
    }

    /**
     * Scores a continuation as {@link #score(Prompt, int[], CoefficientSchedule)} does, with a
     * generation config's coefficient schedule, processors (the caller's and the sampling
     * config's, as {@link #generate} applies them), observer and timeout: each entry's
     * {@link TokenTrace#sampledLogProb()} is then the token's log-probability in that processed
     * distribution (what {@code generate} with this config would have drawn it from), while
     * {@link TokenTrace#combinedLogProb()} and the total stay the EFT combination's. Length,
     * stop rules, seed, executor and speculative settings are ignored.
     *
     * @param prompt the prompt ids per component
     * @param continuation the tokens to score, each in {@code [0, vocabSize())}; may be empty
     * @param config supplies the schedule, processors, sampling config, observer and timeout
     * @return per-token log-probabilities and their sum
     * @throws IllegalArgumentException on a bad prompt or token, a continuation longer than
     *     the sources' contexts leave room for, or NaN logits
     * @throws ScoreCancelledException if this thread is interrupted or the timeout passes; the
     *     exception carries the positions scored so far
     */
    public ScoreResult score(Prompt prompt, int[] continuation, GenerationConfig config) {
        Objects.requireNonNull(config, "config");
        return score(resolve(prompt), continuation, config.schedule(),
                new SamplingPipeline(config.sampling(), vocabSize, config.processors()), config.observer(),
                config.observerTopK(), config.timeout());
    }

    private ScoreResult score(int[][] ids, int[] continuation, CoefficientSchedule schedule, SamplingPipeline pipeline,
            StepObserver observer, int topK, Duration timeout) {
        Objects.requireNonNull(continuation, "continuation");
        for (int t = 0; t < continuation.length; t++) {
            if (continuation[t] < 0 || continuation[t] >= vocabSize) {
                throw new IllegalArgumentException("continuation token " + t + " is " + continuation[t]
                        + ", expected an id in [0, " + vocabSize + ")");
            }
        }
        room(ids, continuation.length);
        int n = sources.length;
        int length = continuation.length;
        DecodingState[] states = new DecodingState[n];
        Cancellation.Registration[] hooks = new Cancellation.Registration[n];
        List<TokenTrace> out = new ArrayList<>(length);
        double total = 0;
        StopControl stop = new StopControl(timeout);
        Watchdog.register(stop);
        stop.owner = Thread.currentThread();
        Throwable failed = null;
        try {
            float[][] first = new float[n][];
            for (int i = 0; i < n && stop.poll() == null; i++) {
                states[i] = sources[i].open(ids[i], stop.cancellation);
                hooks[i] = stop.cancellation.onCancel(states[i]::cancel);
                first[i] = new float[sources[i].vocabSize()];
                states[i].copyLogits(first[i]);
                if (length > 1) {   // the last token's row is never read
                    states[i].append(Arrays.copyOf(continuation, length - 1));
                }
            }
            DecodeStep st = new DecodeStep(this, schedule, pipeline, observer, topK);
            float[][] rows = new float[n][];
            for (int i = 0; i < n; i++) {
                rows[i] = new float[sources[i].vocabSize()];
            }
            for (int t = 0; t < length && stop.poll() == null; t++) {
                float[][] r = t == 0 ? first : rows;
                if (t > 0) {
                    for (int i = 0; i < n; i++) {
                        states[i].copyLogits(t - 1, rows[i]);
                    }
                }
                int y = continuation[t];
                st.score(r, t, y, continuation);
                st.observe(0, t, y, TokenOrigin.SCORED);
                TokenTrace e = st.trace(t, y, st.processed[y], TokenOrigin.SCORED, -1);
                total += e.combinedLogProb();
                out.add(e);
            }
        } catch (CancellationException e) {
            if (stop.reason() == null) {   // not ours: a failure of the source
                failed = e;
                throw e;
            }
        } catch (RuntimeException | Error e) {
            failed = e;
            throw e;
        } finally {
            stop.release(hooks, states, failed);
        }
        ScoreResult result = new ScoreResult(out, total);
        if (stop.reason() != null) {
            throw new ScoreCancelledException(stop.reason(), result);
        }
        return result;
    }

    /**
     * The most tokens every component's context leaves after its prompt: a source holding
     * {@code max} positions can take a prompt of {@code p <= max} tokens and then generate
     * {@code max - p + 1} (the last one is never fed back). Refuses, before any work, prompts
     * that leave room for fewer than {@code need} tokens.
     */
    private int room(int[][] ids, int need) {
        int room = Integer.MAX_VALUE;
        for (int i = 0; i < ids.length; i++) {
            int max = sources[i].maxPositions();
            String name = spec.components().get(i).name();
            if (max < 1) {
                throw new IllegalStateException("source '" + sources[i].name() + "' of component '" + name
                        + "' reports maxPositions " + max + "; expected at least 1");
            }
            int left = ids[i].length > max ? 0 : max - ids[i].length + 1;
            if (left < need) {
                throw new IllegalArgumentException("prompt of component '" + name + "' has " + ids[i].length
                        + " tokens; with " + need + (need == 1 ? " token" : " tokens") + " to follow it needs "
                        + ((long) ids[i].length + need - 1) + " positions, but source '" + sources[i].name()
                        + "' holds at most " + max);
            }
            room = Math.min(room, left);
        }
        return room;
    }

    private void checkStopTokens(GenerationConfig config) {
        for (int t : config.stopTokens()) {
            if (t >= vocabSize) {
                throw new IllegalArgumentException("stop token id " + t + " is outside the vocabulary [0, " + vocabSize
                        + "); expected an id below the shared vocabulary size " + vocabSize);
            }
        }
    }

    /** Package-private: the sources in spec order (not copied; never modify). */
    LogitSource[] sources() {
        return sources;
    }

    /** Per component (spec order): its prompt ids, validated against its source. */
    private int[][] resolve(Prompt prompt) {
        Objects.requireNonNull(prompt, "prompt");
        for (String c : prompt.components()) {
            checkComponent("prompt component", c);
        }
        int n = sources.length;
        int[][] ids = new int[n][];
        for (int i = 0; i < n; i++) {
            String name = spec.components().get(i).name();
            ids[i] = prompt.idsFor(name);
            int v = sources[i].vocabSize();
            for (int j = 0; j < ids[i].length; j++) {
                if (ids[i][j] < 0 || ids[i][j] >= v) {
                    throw new IllegalArgumentException("prompt of component '" + name + "' holds token id " + ids[i][j]
                            + " at index " + j + ", expected an id in [0, " + v + ")");
                }
            }
        }
        return ids;
    }

    private void checkComponent(String what, String name) {
        if (!spec.names().contains(name)) {
            throw new IllegalArgumentException(what + " '" + name + "' is not a component; expected one of " + spec.names());
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("EFTDecoder[vocab=").append(vocabSize);
        for (int i = 0; i < sources.length; i++) {
            var c = spec.components().get(i);
            sb.append(", ").append(c.name()).append('(').append(c.coefficient()).append(")=").append(sources[i].name());
        }
        return sb.append(']').toString();
    }

    /** Builds an {@link EFTDecoder}: one source per spec component. Not thread-safe. */
    public static final class Builder {
        private final EFTSpec spec;
        private final Map<String, LogitSource> sources = new LinkedHashMap<>();
        private int vocabSize = -1;

        private Builder(EFTSpec spec) {
            this.spec = Objects.requireNonNull(spec, "spec");
        }

        /**
         * Sets the source of one component.
         *
         * @param component a component name of the spec
         * @param source its source
         * @return this builder
         * @throws IllegalArgumentException if the name is not a component or already has a source
         */
        public Builder source(String component, LogitSource source) {
            if (!spec.names().contains(component)) {
                throw new IllegalArgumentException("'" + component + "' is not a component; expected one of " + spec.names());
            }
            Objects.requireNonNull(source, "source");
            if (sources.putIfAbsent(component, source) != null) {
                throw new IllegalArgumentException("component '" + component + "' already has a source: " + sources.get(component).name());
            }
            return this;
        }

        /**
         * Declares the shared vocabulary (usually the tokenizer's size); sources may be larger
         * by up to {@value VocabAlignment#MAX_PADDING_ROWS} padding rows, never smaller.
         *
         * @param size at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code size < 1}
         */
        public Builder vocabSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("shared vocabulary size must be >= 1, got " + size);
            }
            this.vocabSize = size;
            return this;
        }

        /**
         * Builds the decoder.
         *
         * @return the decoder
         * @throws IllegalArgumentException if a component has no source, a default coefficient's
         *     magnitude exceeds {@link EFTDecoder#MAX_COEFFICIENT} (the message names the component
         *     and the value), or the vocabulary sizes do not fit (see {@link EFTDecoder})
         */
        public EFTDecoder build() {
            List<String> names = spec.names();
            List<String> missing = names.stream().filter(c -> !sources.containsKey(c)).toList();
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("no source for component(s) " + missing + "; the spec needs " + names);
            }
            for (EFTSpec.Component c : spec.components()) {
                DecodeStep.checkCoefficient(c.name(), c.coefficient(), "default coefficient");
            }
            LogitSource[] arr = new LogitSource[names.size()];
            int[] sizes = new int[arr.length];
            for (int i = 0; i < arr.length; i++) {
                arr[i] = sources.get(names.get(i));
                sizes[i] = arr[i].vocabSize();
            }
            int shared;
            try {
                shared = vocabSize > 0 ? VocabAlignment.sharedVocabSize(vocabSize, sizes)
                        : VocabAlignment.inferSharedVocabSize(sizes);
            } catch (IllegalArgumentException e) {
                StringBuilder which = new StringBuilder();
                for (int i = 0; i < sizes.length; i++) {
                    which.append(i == 0 ? "" : ", ").append(names.get(i)).append(" ('").append(arr[i].name()).append("') = ")
                            .append(sizes[i]);
                }
                throw new IllegalArgumentException("component vocabularies do not align: " + which + "; " + e.getMessage(), e);
            }
            return new EFTDecoder(spec, arr, shared);
        }
    }
}
