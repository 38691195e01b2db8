package io.github.eft4j.decoder;

import io.github.eft4j.combine.CoefficientSchedule;
import io.github.eft4j.sampling.LogitProcessor;
import io.github.eft4j.sampling.SamplingConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * How {@link EFTDecoder} generates: length, stopping, randomness, sampling and the caller's
 * processors, coefficients, tracing and observing, parallelism, speculative decoding and a
 * time limit.
 *
 * <pre>{@code
 * GenerationConfig cfg = GenerationConfig.builder()
 *         .maxNewTokens(256)
 *         .stopTokens(eosId)
 *         .stopSequences(tokenizer::decode, "\n\nUser:")
 *         .sampling(SamplingConfig.sampling().withTemperature(0.7f).withTopP(0.9f))
 *         .processor(noEos)                       // the caller's LogitProcessor
 *         .seed(42L)
 *         .trace(true)
 *         .timeout(Duration.ofSeconds(30))
 *         .build();
 * }</pre>
 *
 * @param maxNewTokens the most tokens to generate, at least 0
 * @param stopTokens token ids that end the generation; the stop token is the last token of the
 *     result (as in Hugging Face {@code generate()}); each must be in the decoder's vocabulary
 *     (checked when a generation starts)
 * @param stopSequences strings that end the generation once the decoded continuation contains
 *     one; the token that completed it is the last token of the result (the whole continuation
 *     is decoded after every token, since byte-level tokens may only form characters together)
 * @param detokenizer decodes the continuation for {@code stopSequences}; required when there are
 *     any, else may be {@code null}
 * @param seed the random seed, or {@code null} for a fresh one (reported in
 *     {@link GenerationResult#seed()})
 * @param sampling the sampling configuration (greedy, temperature, top-k/p, min-p, repetition
 *     penalty; the penalty counts generated tokens only, since sources see different prompts)
 * @param schedule per-step coefficients, or {@code null} for the spec's defaults
 * @param trace whether to record a {@link TokenTrace} per token
 * @param executor an executor to step the sources in parallel, or {@code null} to step them on
 *     the calling thread; the result is the same either way. The calling thread steps one
 *     source itself and waits for the others, so the executor must not need the calling thread
 *     to make progress (no single-thread executor the caller runs on); what the executor
 *     allocates per task is the only allocation of a parallel step
 * @param speculative speculative decoding, or {@code null} for plain EFT decoding
 * @param processors the caller's {@link LogitProcessor}s, applied in order to every position's
 *     EFT distribution (after the combination and its conservative filter, after the repetition
 *     penalty, before temperature, top-k, top-p and min-p; also in greedy mode, in speculative
 *     decoding to both the target and the draft distribution, to every sequence of a batch, and
 *     in {@link EFTDecoder#score(Prompt, int[], GenerationConfig)}). Each must be a pure function
 *     of the row and the history (see {@link LogitProcessor}) and usable from the thread that
 *     generates; the same instances serve every run of this config
 * @param observer sees every decided position ({@link StepObserver}), or {@code null}
 * @param observerTopK how many top tokens the observer's view ranks, at least 1
 * @param timeout the most time a call may take, from its start (prefill included) to its last
 *     token, or {@code null} for none; when it passes, generation ends with
 *     {@link FinishReason#TIMEOUT} and the tokens so far (see {@link Generation})
 */
public record GenerationConfig(int maxNewTokens, Set<Integer> stopTokens, List<String> stopSequences,
        Detokenizer detokenizer, Long seed, SamplingConfig sampling, CoefficientSchedule schedule, boolean trace,
        Executor executor, SpeculativeConfig speculative, List<LogitProcessor> processors, StepObserver observer,
        int observerTopK, Duration timeout) {

    /** The observer's default top-k. */
    public static final int DEFAULT_OBSERVER_TOP_K = 10;

    /** Validates and copies the collections. */
    public GenerationConfig {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must be >= 0, got " + maxNewTokens);
        }
        stopTokens = stopTokens == null ? Set.of() : Set.copyOf(stopTokens);
        for (int t : stopTokens) {
            if (t < 0) {
                throw new IllegalArgumentException("stop token ids must be >= 0, got " + t);
            }
        }
        stopSequences = stopSequences == null ? List.of() : List.copyOf(stopSequences);
        for (String s : stopSequences) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop sequences must be non-empty strings, got \"\" in " + stopSequences);
            }
        }
        if (!stopSequences.isEmpty() && detokenizer == null) {
            throw new IllegalArgumentException("stop sequences " + stopSequences + " need a detokenizer, got null");
        }
        if (sampling == null) {
            throw new IllegalArgumentException("sampling config must not be null; use SamplingConfig.greedyDecoding() or sampling()");
        }
        if (processors != null) {
            for (LogitProcessor p : processors) {
                if (p == null) {
                    throw new IllegalArgumentException("processors must not hold null, got " + processors);
                }
            }
        }
        processors = processors == null ? List.of() : List.copyOf(processors);
        if (observerTopK < 1) {
            throw new IllegalArgumentException("observer top-k must be >= 1, got " + observerTopK);
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    /**
     * Greedy decoding of up to {@code maxNewTokens} tokens, nothing else set.
     *
     * @param maxNewTokens the most tokens to generate, at least 0
     * @return the config
     */
    public static GenerationConfig greedy(int maxNewTokens) {
        return builder().maxNewTokens(maxNewTokens).build();
    }

    /**
     * Returns a builder with the defaults: 64 tokens, greedy, no stops, random seed, no
     * processors, no trace, no observer, sequential, not speculative, no timeout.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a builder pre-filled with this config.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxNewTokens = maxNewTokens;
        b.stopTokens.addAll(stopTokens);
        b.stopSequences.addAll(stopSequences);
        b.detokenizer = detokenizer;
        b.seed = seed;
        b.sampling = sampling;
        b.schedule = schedule;
        b.trace = trace;
        b.executor = executor;
        b.speculative = speculative;
        b.processors.addAll(processors);
        b.observer = observer;
        b.observerTopK = observerTopK;
        b.timeout = timeout;
        return b;
    }

    /**
     * Returns a copy with another seed.
     *
     * @param newSeed the seed, or {@code null} for a fresh one
     * @return the new config
     */
    public GenerationConfig withSeed(Long newSeed) {
        return toBuilder().seed(newSeed).build();
    }

    /**
     * Returns a copy with another speculative setting.
     *
     * @param config speculative decoding, or {@code null} for plain decoding
     * @return the new config
     */
    public GenerationConfig withSpeculative(SpeculativeConfig config) {
        return toBuilder().speculative(config).build();
    }

    /**
     * Returns a copy with another executor.
     *
     * @param newExecutor the executor, or {@code null} for sequential stepping
     * @return the new config
     */
    public GenerationConfig withExecutor(Executor newExecutor) {
        return toBuilder().executor(newExecutor).build();
    }

    /**
     * Returns a copy with another timeout.
     *
     * @param newTimeout the time limit, or {@code null} for none
     * @return the new config
     */
    public GenerationConfig withTimeout(Duration newTimeout) {
        return toBuilder().timeout(newTimeout).build();
    }

    /** Builds a {@link GenerationConfig}; not thread-safe. */
    public static final class Builder {
        private int maxNewTokens = 64;
        private final Set<Integer> stopTokens = new LinkedHashSet<>();
        private final List<String> stopSequences = new ArrayList<>();
        private Detokenizer detokenizer;
        private Long seed;
        private SamplingConfig sampling = SamplingConfig.greedyDecoding();
        private CoefficientSchedule schedule;
        private boolean trace;
        private Executor executor;
        private SpeculativeConfig speculative;
        private final List<LogitProcessor> processors = new ArrayList<>();
        private StepObserver observer;
        private int observerTopK = DEFAULT_OBSERVER_TOP_K;
        private Duration timeout;

        private Builder() {
        }

        /**
         * Sets the most tokens to generate.
         *
         * @param n at least 0
         * @return this builder
         */
        public Builder maxNewTokens(int n) {
            this.maxNewTokens = n;
            return this;
        }

        /**
         * Adds stop token ids.
         *
         * @param ids the ids (for example the end-of-sequence id)
         * @return this builder
         */
        public Builder stopTokens(int... ids) {
            for (int id : ids) {
                stopTokens.add(id);
            }
            return this;
        }

        /**
         * Sets the detokenizer and adds stop sequences.
         *
         * @param decoder decodes token ids to text
         * @param sequences the stop strings
         * @return this builder
         */
        public Builder stopSequences(Detokenizer decoder, String... sequences) {
            this.detokenizer = decoder;
            stopSequences.addAll(List.of(sequences));
            return this;
        }

        /**
         * Sets the seed.
         *
         * @param s the seed, or {@code null} for a fresh one
         * @return this builder
         */
        public Builder seed(Long s) {
            this.seed = s;
            return this;
        }

        /**
         * Sets the sampling configuration.
         *
         * @param config greedy or sampling, with its processors
         * @return this builder
         */
        public Builder sampling(SamplingConfig config) {
            this.sampling = config;
            return this;
        }

        /**
         * Sets a coefficient schedule.
         *
         * @param s the schedule, or {@code null} for the spec's defaults
         * @return this builder
         */
        public Builder schedule(CoefficientSchedule s) {
            this.schedule = s;
            return this;
        }

        /**
         * Turns the per-token trace on or off.
         *
         * @param on whether to trace
         * @return this builder
         */
        public Builder trace(boolean on) {
            this.trace = on;
            return this;
        }

        /**
         * Steps the sources in parallel on an executor.
         *
         * @param e the executor, or {@code null} for sequential stepping
         * @return this builder
         */
        public Builder executor(Executor e) {
            this.executor = e;
            return this;
        }

        /**
         * Turns speculative decoding on or off.
         *
         * @param config the speculative config, or {@code null} for plain decoding
         * @return this builder
         */
        public Builder speculative(SpeculativeConfig config) {
            this.speculative = config;
            return this;
        }

        /**
         * Adds one of the caller's processors; they run in the order added (see
         * {@link GenerationConfig#processors()} for where and when).
         *
         * @param p the processor, a pure function of the row and the history
         * @return this builder
         * @throws IllegalArgumentException if {@code p} is null
         */
        public Builder processor(LogitProcessor p) {
            if (p == null) {
                throw new IllegalArgumentException("processor must not be null");
            }
            processors.add(p);
            return this;
        }

        /**
         * Sets the step observer with the default top-k ({@value GenerationConfig#DEFAULT_OBSERVER_TOP_K}).
         *
         * @param o the observer, or {@code null} for none
         * @return this builder
         */
        public Builder observer(StepObserver o) {
            return observer(o, DEFAULT_OBSERVER_TOP_K);
        }

        /**
         * Sets the step observer and how many top tokens its view ranks.
         *
         * @param o the observer, or {@code null} for none
         * @param topK at least 1
         * @return this builder
         */
        public Builder observer(StepObserver o, int topK) {
            this.observer = o;
            this.observerTopK = topK;
            return this;
        }

        /**
         * Sets a time limit for each call made with this config.
         *
         * @param d positive, or {@code null} for none
         * @return this builder
         */
        public Builder timeout(Duration d) {
            this.timeout = d;
            return this;
        }

        /**
         * Builds the config.
         *
         * @return the validated config
         * @throws IllegalArgumentException if a value is invalid
         */
        public GenerationConfig build() {
            return new GenerationConfig(maxNewTokens, stopTokens, stopSequences, detokenizer, seed, sampling, schedule,
                    trace, executor, speculative, processors, observer, observerTopK, timeout);
        }
    }
}
