package io.github.eft4j.spark;

import io.github.eft4j.onnx.ExecutionProvider;
import io.github.eft4j.sampling.SamplingConfig;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What {@link EFTSpark} runs: the model folder of every component, the spec, the columns it
 * reads, sampling, the seed, and how executors load and run the models. Serializable (it is
 * shipped to the executors); validated when built, so a bad setting fails on the driver
 * before any job starts.
 *
 * <pre>{@code
 * EFTSparkConfig cfg = EFTSparkConfig.builder()
 *         .model("large-base", "archive:family.zip#mini/large-base")   // shipped with --archives
 *         .model("small-ft", "/shared/models/mini/small-ft")          // shared storage
 *         .model("small-base", "/shared/models/mini/small-base")
 *         .spec("up-scaling")
 *         .promptColumn("prompt").chatPromptColumn("chat_prompt")
 *         .maxTokens(32)
 *         .build();
 * }</pre>
 *
 * <p><b>Model locations</b> are local to each executor: a path (absolute, or relative to the
 * executor's working directory), a {@code file:} URI, or {@code archive:NAME#PATH}: the folder
 * {@code PATH} inside the archive shipped as {@code NAME} with {@code --archives} /
 * {@code spark.archives} (NAME is the archive's file name, or its {@code #alias}), found through
 * {@code SparkFiles}. Other schemes ({@code hdfs:}, {@code s3a:}) are refused: ship the folder
 * as an archive instead.
 *
 * <p><b>Prompts.</b> Every component sees the text of {@code promptColumn}; if
 * {@code chatPromptColumn} is set, the fine-tuned components ({@code small-ft},
 * {@code small-ft2}, {@code large-ft}: {@code EFTSpec.FINE_TUNED}) see that column's text instead (the EFT default:
 * chat format for fine-tuned models, plain text for base models).
 *
 * <p><b>Seeds.</b> A row's seed does not depend on partitioning: the value of
 * {@code seedColumn} if set, else {@link #seedFor(String)} of the row key: the value of
 * {@code keyColumn} if set, else the prompt text(s). Rows with equal keys get equal seeds.
 *
 * @param models model location per component name; exactly the spec's components
 * @param spec the spec: an {@code EFTSpec.Form} id ({@code up-scaling}, {@code down-scaling},
 *     {@code scale-delta} (β), {@code behaviour-delta} (β), {@code lambda-interpolation} (λ)) or
 *     its factory's name ({@code upscale}, {@code scaleDelta}, ...)
 * @param specParameter β or λ for the specs that take one (the default when
 *     {@code parameterColumn} is set), else null
 * @param promptColumn the prompt text column (string)
 * @param chatPromptColumn the fine-tuned components' prompt text column (string), or null
 * @param parameterColumn a numeric column with each row's β or λ, or null
 * @param seedColumn an integral column with each row's seed, or null
 * @param keyColumn a string or integral column that identifies a row (its seed and its name in
 *     error messages), or null
 * @param sampling how tokens are chosen
 * @param seed the job seed, mixed with each row's key
 * @param maxTokens the most tokens to generate per row, at least 0
 * @param batchSize rows generated together in one batched forward pass per step (greedy decoding
 *     only; see {@link EFTSpark}), at least 1
 * @param onError what a bad row does
 * @param variant the model file variant of every folder ({@code q4} for {@code model_q4.onnx},
 *     see {@code ModelFolder.Loader#variant}), or null for ModelFolder's default rule
 * @param provider CPU or CUDA
 * @param cudaDevice the CUDA device, or -1 for the first GPU Spark assigned to the task (resource
 *     {@code gpu}), else device 0
 * @param intraOpThreads ONNX Runtime intra-op threads per model, or 0 for eft-onnx's shared pool
 *     of all cores (with one Spark task per core, 1 is right)
 * @param modelIdleMillis how long an executor keeps models that no task uses before closing
 *     them; 0 closes them when the last task using them ends
 */
public record EFTSparkConfig(Map<String, String> models, String spec, Double specParameter, String promptColumn,
        String chatPromptColumn, String parameterColumn, String seedColumn, String keyColumn, Sampling sampling,
        long seed, int maxTokens, int batchSize, OnError onError, String variant, ExecutionProvider provider,
        int cudaDevice, int intraOpThreads, long modelIdleMillis) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** What a bad row (null or over-long prompt, bad parameter) does. */
    public enum OnError {
        /**
         * The task fails with an exception naming the row (partition, index, key or prompt) and
         * the cause; Spark retries it and then fails the job.
         */
        FAIL,
        /**
         * The row gets an {@code error} column (for scoring {@code score_error}) and null
         * results; the other rows are unaffected.
         */
        COLUMN
    }

    /**
     * Sampling settings with the meanings of eft-core's {@link SamplingConfig} (which they are
     * turned into on the executors).
     *
     * @param greedy argmax decoding
     * @param temperature the temperature
     * @param topK top-k, 0 off
     * @param topP top-p, 1 off
     * @param minP min-p, 0 off
     * @param repetitionPenalty the repetition penalty, 1 off
     */
    public record Sampling(boolean greedy, float temperature, int topK, float topP, float minP,
            float repetitionPenalty) implements Serializable {
        private static final long serialVersionUID = 1L;

        /**
         * Validates through {@link SamplingConfig}.
         *
         * @throws IllegalArgumentException if a value is out of range
         */
        public Sampling {
            new SamplingConfig(greedy, temperature, topK, topP, minP, repetitionPenalty);
        }

        /**
         * Copies an eft-core sampling config.
         *
         * @param c the config
         * @return the same settings
         */
        public static Sampling of(SamplingConfig c) {
            return new Sampling(c.greedy(), c.temperature(), c.topK(), c.topP(), c.minP(), c.repetitionPenalty());
        }

        /**
         * Returns the eft-core config.
         *
         * @return the same settings as a {@link SamplingConfig}
         */
        public SamplingConfig toSamplingConfig() {
            return new SamplingConfig(greedy, temperature, topK, topP, minP, repetitionPenalty);
        }
    }

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the field, the value and what was expected
     */
    public EFTSparkConfig {
        List<String> components = SpecNames.components(spec);   // unknown spec names fail here
        String p = SpecNames.parameterName(spec);
        if (p == null && (specParameter != null || parameterColumn != null)) {
            throw new IllegalArgumentException("spec '" + spec + "' takes no parameter; got "
                    + (specParameter != null ? "specParameter " + specParameter : "parameterColumn '" + parameterColumn + "'"));
        }
        if (p != null && specParameter == null && parameterColumn == null) {
            throw new IllegalArgumentException("spec '" + spec + "' needs " + p + ": set specParameter or parameterColumn");
        }
        if (specParameter != null && !Double.isFinite(specParameter)) {
            throw new IllegalArgumentException(p + " must be finite, got " + specParameter);
        }
        if (models == null || !new java.util.HashSet<>(components).equals(models.keySet())) {
            throw new IllegalArgumentException("spec '" + spec + "' needs a model for each of " + components + "; got "
                    + (models == null ? "null" : models.keySet()));
        }
        models.forEach(ModelLocation::check);
        models = java.util.Collections.unmodifiableMap(new TreeMap<>(models));
        requireColumn("promptColumn", promptColumn, true);
        requireColumn("chatPromptColumn", chatPromptColumn, false);
        requireColumn("parameterColumn", parameterColumn, false);
        requireColumn("seedColumn", seedColumn, false);
        requireColumn("keyColumn", keyColumn, false);
        if (variant != null && variant.isBlank()) {
            throw new IllegalArgumentException("variant must be a name such as q4, or null for the default, got '" + variant + "'");
        }
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(onError, "onError");
        Objects.requireNonNull(provider, "provider");
        if (maxTokens < 0) {
            throw new IllegalArgumentException("maxTokens must be >= 0, got " + maxTokens);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (cudaDevice < -1) {
            throw new IllegalArgumentException("cudaDevice must be >= 0, or -1 for the task's GPU, got " + cudaDevice);
        }
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads must be >= 0 (0 = shared pool), got " + intraOpThreads);
        }
        if (modelIdleMillis < 0) {
            throw new IllegalArgumentException("modelIdleMillis must be >= 0, got " + modelIdleMillis);
        }
    }

    private static void requireColumn(String what, String name, boolean required) {
        if ((required && name == null) || (name != null && name.isBlank())) {
            throw new IllegalArgumentException(what + " must be a column name, got " + (name == null ? "null" : "'" + name + "'"));
        }
    }

    /**
     * Returns a builder with the defaults: spec {@code up-scaling}, prompt column {@code prompt},
     * greedy, seed 0, 64 tokens, batch size 1, {@link OnError#FAIL}, CPU, one intra-op thread
     * per model, models kept 60 s after their last task.
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
        b.models.putAll(models);
        b.spec = spec;
        b.specParameter = specParameter;
        b.promptColumn = promptColumn;
        b.chatPromptColumn = chatPromptColumn;
        b.parameterColumn = parameterColumn;
        b.seedColumn = seedColumn;
        b.keyColumn = keyColumn;
        b.sampling = sampling;
        b.seed = seed;
        b.maxTokens = maxTokens;
        b.batchSize = batchSize;
        b.onError = onError;
        b.variant = variant;
        b.provider = provider;
        b.cudaDevice = cudaDevice;
        b.intraOpThreads = intraOpThreads;
        b.modelIdleMillis = modelIdleMillis;
        return b;
    }

    /**
     * The seed of a row whose key is {@code key}: a 64-bit FNV-1a hash of its UTF-8 bytes mixed
     * with the job seed (SplitMix64's finalizer). Stable across JVMs, Spark versions and
     * partitionings; use it to reproduce a row outside Spark.
     *
     * @param key the row key
     * @return the seed
     */
    public long seedFor(String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        long z = h + seed * 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Builds an {@link EFTSparkConfig}; not thread-safe. */
    public static final class Builder {
        // package-private: EFTTransformer takes its parameter defaults from here
        final Map<String, String> models = new LinkedHashMap<>();
        String spec = SpecNames.UP_SCALING;
        Double specParameter;
        String promptColumn = "prompt";
        String chatPromptColumn;
        String parameterColumn;
        String seedColumn;
        String keyColumn;
        Sampling sampling = Sampling.of(SamplingConfig.greedyDecoding());
        long seed;
        int maxTokens = 64;
        int batchSize = 1;
        OnError onError = OnError.FAIL;
        String variant;
        ExecutionProvider provider = ExecutionProvider.CPU;
        int cudaDevice = -1;
        int intraOpThreads = 1;
        long modelIdleMillis = 60_000;

        private Builder() {
        }

        /**
         * Sets one component's model folder.
         *
         * @param component a component of the spec, e.g. {@code large-base}
         * @param location a local path, a {@code file:} URI, or {@code archive:NAME#PATH}
         * @return this builder
         */
        public Builder model(String component, String location) {
            models.put(component, location);
            return this;
        }

        /**
         * Sets a spec without a parameter ({@code up-scaling}, {@code down-scaling}).
         *
         * @param name the spec name
         * @return this builder
         */
        public Builder spec(String name) {
            this.spec = name;
            this.specParameter = null;
            return this;
        }

        /**
         * Sets a spec with its parameter ({@code scale-delta} or {@code behaviour-delta} with
         * β, {@code lambda-interpolation} with λ).
         *
         * @param name the spec name
         * @param parameter β or λ
         * @return this builder
         */
        public Builder spec(String name, double parameter) {
            this.spec = name;
            this.specParameter = parameter;
            return this;
        }

        /**
         * Sets the prompt column (default {@code prompt}).
         *
         * @param column a string column
         * @return this builder
         */
        public Builder promptColumn(String column) {
            this.promptColumn = column;
            return this;
        }

        /**
         * Sets the column with the fine-tuned components' prompt text.
         *
         * @param column a string column, or null for none
         * @return this builder
         */
        public Builder chatPromptColumn(String column) {
            this.chatPromptColumn = column;
            return this;
        }

        /**
         * Sets the column with each row's β (scale-delta, behaviour-delta) or λ
         * (lambda-interpolation); a null
         * cell uses the spec's parameter.
         *
         * @param column a numeric column, or null for none
         * @return this builder
         */
        public Builder parameterColumn(String column) {
            this.parameterColumn = column;
            return this;
        }

        /**
         * Sets the column with each row's seed.
         *
         * @param column an integral column, or null to derive seeds from row keys
         * @return this builder
         */
        public Builder seedColumn(String column) {
            this.seedColumn = column;
            return this;
        }

        /**
         * Sets the column that identifies a row (its seed and its name in error messages).
         *
         * @param column a string or integral column, or null to use the prompt text
         * @return this builder
         */
        public Builder keyColumn(String column) {
            this.keyColumn = column;
            return this;
        }

        /**
         * Sets the sampling settings (default greedy).
         *
         * @param config the eft-core sampling config
         * @return this builder
         */
        public Builder sampling(SamplingConfig config) {
            this.sampling = Sampling.of(config);
            return this;
        }

        /**
         * Sets the job seed (default 0).
         *
         * @param s the seed
         * @return this builder
         */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /**
         * Sets the most tokens generated per row (default 64).
         *
         * @param n at least 0
         * @return this builder
         */
        public Builder maxTokens(int n) {
            this.maxTokens = n;
            return this;
        }

        /**
         * Sets how many rows are generated together (default 1).
         *
         * @param n at least 1
         * @return this builder
         */
        public Builder batchSize(int n) {
            this.batchSize = n;
            return this;
        }

        /**
         * Sets what a bad row does (default {@link OnError#FAIL}).
         *
         * @param rule FAIL or COLUMN
         * @return this builder
         */
        public Builder onError(OnError rule) {
            this.onError = rule;
            return this;
        }

        /**
         * Sets the model file variant of every folder (default: ModelFolder's rule).
         *
         * @param name e.g. {@code q4} or {@code fp16}, or null for the default
         * @return this builder
         */
        public Builder variant(String name) {
            this.variant = name;
            return this;
        }

        /**
         * Sets the execution provider (default CPU). CUDA is strict: an executor that cannot
         * use it fails its tasks instead of running on CPU.
         *
         * @param p CPU or CUDA
         * @return this builder
         */
        public Builder provider(ExecutionProvider p) {
            this.provider = p;
            return this;
        }

        /**
         * Sets the CUDA device (default -1: the task's first {@code gpu} resource, else 0).
         *
         * @param device at least -1
         * @return this builder
         */
        public Builder cudaDevice(int device) {
            this.cudaDevice = device;
            return this;
        }

        /**
         * Sets ONNX Runtime intra-op threads per model (default 1; 0 = shared pool of all cores).
         *
         * @param n at least 0
         * @return this builder
         */
        public Builder intraOpThreads(int n) {
            this.intraOpThreads = n;
            return this;
        }

        /**
         * Sets how long unused models stay loaded on an executor (default 60 000 ms).
         *
         * @param millis at least 0; 0 closes them when their last task ends
         * @return this builder
         */
        public Builder modelIdleMillis(long millis) {
            this.modelIdleMillis = millis;
            return this;
        }

        /**
         * Builds the config.
         *
         * @return the config
         * @throws IllegalArgumentException if a setting is invalid (see {@link EFTSparkConfig})
         */
        public EFTSparkConfig build() {
            return new EFTSparkConfig(models, spec, specParameter, promptColumn, chatPromptColumn, parameterColumn,
                    seedColumn, keyColumn, sampling, seed, maxTokens, batchSize, onError, variant, provider,
                    cudaDevice, intraOpThreads, modelIdleMillis);
        }
    }
}
