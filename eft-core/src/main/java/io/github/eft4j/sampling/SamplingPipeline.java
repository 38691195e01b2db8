package io.github.eft4j.sampling;

import io.github.eft4j.internal.vector.VectorKernels;
import io.github.eft4j.internal.vector.VectorizationProvider;
import java.util.random.RandomGenerator;

/**
 * The processors and the sampler of one generation, built from a {@link SamplingConfig} and the
 * caller's own {@link LogitProcessor}s, in Hugging Face's order: repetition penalty → the
 * caller's processors (in the order given) → temperature → top-k → top-p → min-p, then a
 * renormalization to log-probabilities, then greedy or categorical picking. The caller's
 * processors sit where {@code generate(logits_processor=...)} puts them: after the built-in
 * processors, before the warpers, so a mask or bias they apply is seen by top-k/top-p (whose
 * nucleus is then taken over the allowed tokens). Every buffer is allocated here;
 * {@link #process} and {@link #pick} allocate nothing (nor do stateless user processors). Not
 * thread-safe: one pipeline per generation (or per sequence of a batch).
 *
 * <pre>{@code
 * SamplingPipeline sp = new SamplingPipeline(SamplingConfig.sampling().withTopP(0.9f), 32000);
 * RandomGenerator rng = RandomGenerator.of("L64X128MixRandom"); // or a seeded SplittableRandom
 * eft.combine(rows, coefficients, logProbs);
 * sp.process(logProbs, generated, generatedLength);
 * int token = sp.pick(logProbs, rng);
 * }</pre>
 */
public final class SamplingPipeline {
    private final SamplingConfig config;
    private final int vocabSize;
    private final LogitProcessor[] processors;  // the caller's, then the warpers
    private final RepetitionPenalty penalty;    // null when off
    private final VectorKernels kernels = VectorizationProvider.kernels();
    private final GreedySampler greedy = new GreedySampler();
    private final CategoricalSampler categorical = new CategoricalSampler();

    /**
     * Builds the pipeline.
     *
     * @param config the sampling config
     * @param vocabSize the vocabulary size of every row, at least 1
     * @throws IllegalArgumentException if {@code config} is null or {@code vocabSize < 1}
     */
    public SamplingPipeline(SamplingConfig config, int vocabSize) {
        this(config, vocabSize, java.util.List.of());
    }

    /**
     * Builds the pipeline with the caller's processors, applied after the repetition penalty
     * and before the temperature (also in greedy mode).
     *
     * @param config the sampling config
     * @param vocabSize the vocabulary size of every row, at least 1
     * @param userProcessors the caller's processors, in order; not null, no null element
     * @throws IllegalArgumentException if {@code config} or a processor is null or
     *     {@code vocabSize < 1}
     */
    public SamplingPipeline(SamplingConfig config, int vocabSize, java.util.List<LogitProcessor> userProcessors) {
        if (config == null) {
            throw new IllegalArgumentException("config must not be null");
        }
        if (vocabSize < 1) {
            throw new IllegalArgumentException("vocabSize must be >= 1, got " + vocabSize);
        }
        this.config = config;
        this.vocabSize = vocabSize;
        this.penalty = config.repetitionPenalty() != 1f ? new RepetitionPenalty(config.repetitionPenalty(), vocabSize) : null;
        if (userProcessors == null) {
            throw new IllegalArgumentException("processors must not be null; pass an empty list for none");
        }
        java.util.List<LogitProcessor> list = new java.util.ArrayList<>();
        for (LogitProcessor p : userProcessors) {
            if (p == null) {
                throw new IllegalArgumentException("processor must not be null, got null in " + userProcessors);
            }
            list.add(p);
        }
        if (!config.greedy()) {
            if (config.temperature() != 1f) {
                list.add(new Temperature(config.temperature()));
            }
            if (config.topK() > 0 && config.topK() < vocabSize) {
                list.add(new TopK(config.topK(), vocabSize));
            }
            if (config.topP() < 1f) {
                list.add(new TopP(config.topP(), vocabSize));
            }
            if (config.minP() > 0f) {
                list.add(new MinP(config.minP()));
            }
        }
        this.processors = list.toArray(new LogitProcessor[0]);
    }

    /**
     * Returns the config.
     *
     * @return the config this pipeline was built from
     */
    public SamplingConfig config() {
        return config;
    }

    /**
     * Returns the vocabulary size.
     *
     * @return the number of entries of every row
     */
    public int vocabSize() {
        return vocabSize;
    }

    /**
     * In place on {@code logProbs[0, vocabSize)}: applies the processors, then renormalizes to
     * log-probabilities. Greedy: applies only the repetition penalty and the caller's processors
     * (temperature and filters do not change the argmax), then renormalizes.
     *
     * @param logProbs the combined log-probabilities (or logits), modified in place
     * @param history the tokens generated so far, {@code history[0, historyLength)}; may be null
     *     when {@code historyLength == 0}
     * @param historyLength how many entries of {@code history} are valid
     * @throws IllegalArgumentException if the row is null or shorter than the vocabulary, holds
     *     NaN or {@code +inf}, is entirely {@code -inf}, or the history is inconsistent or holds a
     *     token outside {@code [0, vocabSize)}; the row is left unchanged
     */
    public void process(float[] logProbs, int[] history, int historyLength) {
        if (logProbs == null || logProbs.length < vocabSize) {
            throw new IllegalArgumentException("row has " + (logProbs == null ? "null" : logProbs.length + " entries")
                    + "; expected at least vocabSize " + vocabSize);
        }
        checkHistory(history, historyLength, vocabSize);
        CategoricalSampler.checkRow(kernels, logProbs, vocabSize);
        if (penalty != null) {
            penalty.apply(logProbs, vocabSize, history, historyLength);
        }
        for (LogitProcessor p : processors) {
            p.apply(logProbs, vocabSize, history, historyLength);
        }
        kernels.logSoftmaxInPlace(logProbs, vocabSize);
    }

    /**
     * Picks a token from a row that went through {@link #process}: greedy takes the argmax
     * (lowest id on ties), otherwise a categorical draw with {@code rng}.
     *
     * @param processedLogProbs the processed row; not modified
     * @param rng the random generator (unused when greedy; must not be null otherwise)
     * @return the token id, in {@code [0, vocabSize)}
     * @throws IllegalArgumentException if the row cannot be sampled or {@code rng} is null when
     *     sampling
     */
    public int pick(float[] processedLogProbs, RandomGenerator rng) {
        return config.greedy()
                ? greedy.sample(processedLogProbs, vocabSize, rng)
                : categorical.sample(processedLogProbs, vocabSize, rng);
    }

    /** Validates a history against a vocabulary before anything is modified. */
    static void checkHistory(int[] history, int historyLength, int vocabSize) {
        if (historyLength < 0 || historyLength > (history == null ? 0 : history.length)) {
            throw new IllegalArgumentException("historyLength " + historyLength + " out of range [0, "
                    + (history == null ? 0 : history.length) + "]");
        }
        for (int t = 0; t < historyLength; t++) {
            int token = history[t];
            if (token < 0 || token >= vocabSize) {
                throw new IllegalArgumentException("history token " + token + " at position " + t
                        + " out of range [0, " + vocabSize + ")");
            }
        }
    }
}
