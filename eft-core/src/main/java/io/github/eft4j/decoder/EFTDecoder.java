package io.github.eft4j.decoder;

import io.github.eft4j.combine.CoefficientSchedule;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.combine.VocabAlignment;
import io.github.eft4j.model.BatchDecodingState;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.model.LogitSource;

import io.github.eft4j.internal.Closeables;
import io.github.eft4j.sampling.SamplingPipeline;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
 * <p><b>Threading.</b> A decoder is immutable and may be shared; each call opens its own
 * decoding states and buffers. The sources are the caller's: the decoder never closes them.
 */
public final class EFTDecoder {
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
     * Starts a generation; the prompts are run (prefill) before this returns.
     *
     * @param prompt the prompt ids per component
     * @param config the generation config
     * @return the running generation; close it
     * @throws IllegalArgumentException if a prompt is missing, empty or holds an id out of its
     *     source's range, names an unknown component, or the speculative draft component is not
     *     a component
     */
    public Generation start(Prompt prompt, GenerationConfig config) {
        Objects.requireNonNull(config, "config");
        if (config.speculative() != null) {
            checkComponent("speculative draft component", config.speculative().draftComponent());
        }
        return new Generation(spec, sources, vocabSize, resolve(prompt), config);
    }

    /**
     * Generates a continuation.
     *
     * @param prompt the prompt ids per component
     * @param config the generation config
     * @return the result
     * @throws IllegalArgumentException on bad input, see {@link #start}, or NaN logits (the
     *     message names the source and the step)
     */
    public GenerationResult generate(Prompt prompt, GenerationConfig config) {
        return generate(prompt, config, null);
    }

    /**
     * Generates a continuation, streaming each token to a listener as soon as it is known.
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
     * Speculative decoding and executors are not used here (one batched pass is the parallelism).
     *
     * @param prompts the prompts, at least one
     * @param config the generation config; {@link GenerationConfig#speculative()} must be null
     * @return one result per prompt, in order; their forward-pass counts are the batch's
     * @throws IllegalArgumentException on bad input, or if the config is speculative
     */
    public List<GenerationResult> generateBatch(List<Prompt> prompts, GenerationConfig config) {
        if (prompts == null || prompts.isEmpty()) {
            throw new IllegalArgumentException("batched generation needs at least one prompt, got " + (prompts == null ? "null" : "none"));
        }
        if (config.speculative() != null) {
            throw new IllegalArgumentException("speculative decoding is not supported in batched generation; "
                    + "expected speculative == null, got " + config.speculative());
        }
        int b = prompts.size();
        int n = sources.length;
        int[][][] ids = new int[n][b][];   // (component, sequence) -> prompt
        for (int s = 0; s < b; s++) {
            int[][] r = resolve(prompts.get(s));
            for (int i = 0; i < n; i++) {
                ids[i][s] = r[i];
            }
        }
        long baseSeed = config.seed() != null ? config.seed() : new java.util.SplittableRandom().nextLong();
        BatchDecodingState[] states = new BatchDecodingState[n];
        long[] passes = new long[n];
        Throwable failed = null;
        try {
            for (int i = 0; i < n; i++) {
                states[i] = sources[i].openBatch(ids[i]);
                passes[i]++;
            }
            SequenceOutput[] outs = new SequenceOutput[b];
            SamplingPipeline[] pipelines = new SamplingPipeline[b];
            java.util.random.RandomGenerator[] rngs = new java.util.random.RandomGenerator[b];
            EFTStep[] steps = new EFTStep[b];
            for (int s = 0; s < b; s++) {
                outs[s] = new SequenceOutput(config, vocabSize, 1);
                pipelines[s] = new SamplingPipeline(config.sampling(), vocabSize);
                rngs[s] = new java.util.SplittableRandom(baseSeed + s);
                steps[s] = new EFTStep(spec, sources, vocabSize, config.schedule());
            }
            float[][] rows = new float[n][];
            for (int i = 0; i < n; i++) {
                rows[i] = new float[sources[i].vocabSize()];
            }
            float[] work = new float[vocabSize];
            int[] next = new int[b];
            for (int pos = 0; ; pos++) {
                boolean any = false;
                for (int s = 0; s < b; s++) {
                    SequenceOutput o = outs[s];
                    if (o.finish() != null) {
                        continue;
                    }
                    any = true;
                    for (int i = 0; i < n; i++) {
                        states[i].copyLogits(s, rows[i]);
                    }
                    EFTStep st = steps[s];
                    st.combine(rows, pos);
                    System.arraycopy(st.combined, 0, work, 0, vocabSize);
                    pipelines[s].process(work, o.tokens(), pos);
                    int t = pipelines[s].pick(work, rngs[s]);
                    st.checkChosen(rows, pos, t);
                    o.emit(t, o.tracing() ? st.trace(pos, t, work[t], TokenOrigin.SAMPLED, -1) : null);
                    next[s] = t;
                }
                if (!any || allFinished(outs)) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    states[i].append(next);
                    passes[i]++;
                }
            }
            Map<String, Long> p = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                p.put(spec.components().get(i).name(), passes[i]);
            }
            List<GenerationResult> results = new ArrayList<>(b);
            for (int s = 0; s < b; s++) {
                results.add(outs[s].result(baseSeed + s, p, null));
            }
            return results;
        } catch (RuntimeException | Error e) {
            failed = e;
            Closeables.closeAll(states, e);
            throw e;
        } finally {
            if (failed == null) {
                Closeables.closeAll(states, null);
            }
        }
    }

    private static boolean allFinished(SequenceOutput[] outs) {
        for (SequenceOutput o : outs) {
            if (o.finish() == null) {
                return false;
            }
        }
        return true;
    }

    /**
     * Scores a continuation under the EFT distribution with the spec's default coefficients;
     * see {@link #score(Prompt, int[], CoefficientSchedule)}.
     *
     * @param prompt the prompt ids per component
     * @param continuation the tokens to score, each in {@code [0, vocabSize())}
     * @return per-token log-probabilities and their sum
     * @throws IllegalArgumentException on a bad prompt or token, or NaN logits
     */
    public ScoreResult score(Prompt prompt, int[] continuation) {
        return score(prompt, continuation, null);
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
     * @throws IllegalArgumentException on a bad prompt or token, or NaN logits
     */
    public ScoreResult score(Prompt prompt, int[] continuation, CoefficientSchedule schedule) {
        int[][] ids = resolve(prompt);
        Objects.requireNonNull(continuation, "continuation");
        for (int t = 0; t < continuation.length; t++) {
            if (continuation[t] < 0 || continuation[t] >= vocabSize) {
                throw new IllegalArgumentException("continuation token " + t + " is " + continuation[t]
                        + ", expected an id in [0, " + vocabSize + ")");
            }
        }
        int n = sources.length;
        DecodingState[] states = new DecodingState[n];
        Throwable failed = null;
        try {
            float[][] first = new float[n][];
            for (int i = 0; i < n; i++) {
                states[i] = sources[i].open(ids[i]);
                first[i] = new float[sources[i].vocabSize()];
                states[i].copyLogits(first[i]);
                if (continuation.length > 1) {   // the last token's row is never read
                    states[i].append(java.util.Arrays.copyOf(continuation, continuation.length - 1));
                }
            }
            EFTStep st = new EFTStep(spec, sources, vocabSize, schedule);
            float[][] rows = new float[n][];
            for (int i = 0; i < n; i++) {
                rows[i] = new float[sources[i].vocabSize()];
            }
            List<TokenTrace> out = new ArrayList<>(continuation.length);
            double total = 0;
            for (int t = 0; t < continuation.length; t++) {
                float[][] r = t == 0 ? first : rows;
                if (t > 0) {
                    for (int i = 0; i < n; i++) {
                        states[i].copyLogits(t - 1, rows[i]);
                    }
                }
                st.combine(r, t);
                int y = continuation[t];
                st.checkChosen(r, t, y);
                TokenTrace e = st.trace(t, y, st.combined[y], TokenOrigin.SCORED, -1);
                total += e.combinedLogProb();
                out.add(e);
            }
            return new ScoreResult(out, total);
        } catch (RuntimeException | Error e) {
            failed = e;
            Closeables.closeAll(states, e);
            throw e;
        } finally {
            if (failed == null) {
                Closeables.closeAll(states, null);
            }
        }
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
         * @throws IllegalArgumentException if a component has no source, or the vocabulary sizes
         *     do not fit (see {@link EFTDecoder})
         */
        public EFTDecoder build() {
            List<String> names = spec.names();
            List<String> missing = names.stream().filter(c -> !sources.containsKey(c)).toList();
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("no source for component(s) " + missing + "; the spec needs " + names);
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
