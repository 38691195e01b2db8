package io.github.eft4j.spark;

import io.github.eft4j.onnx.ExecutionProvider;
import io.github.eft4j.sampling.SamplingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.FloatParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML {@link Transformer} that runs {@link EFTSpark#generate} or {@link EFTSpark#score}:
 * usable as a Pipeline stage, saved and loaded with its parameters (model locations are saved as
 * given, so saved pipelines should use shared storage or {@code archive:} locations).
 *
 * <pre>{@code
 * EFTTransformer eft = new EFTTransformer().setConfig(cfg);              // generate
 * PipelineModel m = new Pipeline().setStages(new PipelineStage[] {eft}).fit(prompts);
 * m.write().overwrite().save("eft-pipeline");
 * Dataset<Row> out = PipelineModel.load("eft-pipeline").transform(prompts);
 * EFTTransformer scorer = new EFTTransformer().setConfig(cfg).setMode("score").setContinuationCol("answer");
 * }</pre>
 *
 * <p>Every parameter mirrors a field of {@link EFTSparkConfig} (same name; columns end in
 * {@code Col}); {@link #getConfig()} validates them together.
 */
public final class EFTTransformer extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    /** This transformer's unique id. */
    private final String uid;
    /** The mode parameter ({@link #mode()}). */
    private final Param<String> mode;
    /** The models parameter ({@link #models()}). */
    private final StringArrayParam models;
    /** The spec name parameter ({@link #spec()}). */
    private final Param<String> spec;
    /** The β/λ parameter ({@link #specParameter()}). */
    private final DoubleParam specParameter;
    /** The prompt column parameter ({@link #promptCol()}). */
    private final Param<String> promptCol;
    /** The chat prompt column parameter ({@link #chatPromptCol()}). */
    private final Param<String> chatPromptCol;
    /** The per-row β/λ column parameter ({@link #parameterCol()}). */
    private final Param<String> parameterCol;
    /** The seed column parameter ({@link #seedCol()}). */
    private final Param<String> seedCol;
    /** The key column parameter ({@link #keyCol()}). */
    private final Param<String> keyCol;
    /** The continuation column parameter ({@link #continuationCol()}). */
    private final Param<String> continuationCol;
    /** The greedy parameter ({@link #greedy()}). */
    private final BooleanParam greedy;
    /** The temperature parameter ({@link #temperature()}). */
    private final FloatParam temperature;
    /** The top-k parameter ({@link #topK()}). */
    private final IntParam topK;
    /** The top-p parameter ({@link #topP()}). */
    private final FloatParam topP;
    /** The min-p parameter ({@link #minP()}). */
    private final FloatParam minP;
    /** The repetition penalty parameter ({@link #repetitionPenalty()}). */
    private final FloatParam repetitionPenalty;
    /** The job seed parameter ({@link #seed()}). */
    private final LongParam seed;
    /** The max tokens parameter ({@link #maxTokens()}). */
    private final IntParam maxTokens;
    /** The batch size parameter ({@link #batchSize()}). */
    private final IntParam batchSize;
    /** The on-error parameter ({@link #onError()}). */
    private final Param<String> onError;
    /** The model variant parameter ({@link #variant()}). */
    private final Param<String> variant;
    /** The provider parameter ({@link #provider()}). */
    private final Param<String> provider;
    /** The CUDA device parameter ({@link #cudaDevice()}). */
    private final IntParam cudaDevice;
    /** The intra-op threads parameter ({@link #intraOpThreads()}). */
    private final IntParam intraOpThreads;
    /** The model idle time parameter ({@link #modelIdleMillis()}). */
    private final LongParam modelIdleMillis;

    /** A transformer with a random uid and the config defaults (no models set). */
    public EFTTransformer() {
        this(Identifiable.randomUID("eftTransformer"));
    }

    /**
     * A transformer with a given uid (used by loading and copying).
     *
     * @param uid the uid
     */
    public EFTTransformer(String uid) {
        this.uid = uid;
        mode = new Param<>(this, "mode", "generate or score");
        models = new StringArrayParam(this, "models", "component=location entries, one per spec component");
        spec = new Param<>(this, "spec", "spec name: " + SpecNames.names());
        specParameter = new DoubleParam(this, "specParameter", "β (scale-delta, behaviour-delta) or λ (lambda-interpolation)");
        promptCol = new Param<>(this, "promptCol", "prompt text column");
        chatPromptCol = new Param<>(this, "chatPromptCol", "fine-tuned components' prompt text column");
        parameterCol = new Param<>(this, "parameterCol", "per-row β or λ column");
        seedCol = new Param<>(this, "seedCol", "per-row seed column");
        keyCol = new Param<>(this, "keyCol", "row key column (seed and error messages)");
        continuationCol = new Param<>(this, "continuationCol", "continuation column (score mode): text or array<int>");
        greedy = new BooleanParam(this, "greedy", "argmax decoding");
        temperature = new FloatParam(this, "temperature", "sampling temperature");
        topK = new IntParam(this, "topK", "top-k, 0 off");
        topP = new FloatParam(this, "topP", "top-p, 1 off");
        minP = new FloatParam(this, "minP", "min-p, 0 off");
        repetitionPenalty = new FloatParam(this, "repetitionPenalty", "repetition penalty, 1 off");
        seed = new LongParam(this, "seed", "job seed");
        maxTokens = new IntParam(this, "maxTokens", "most tokens generated per row");
        batchSize = new IntParam(this, "batchSize", "rows generated together (greedy)");
        onError = new Param<>(this, "onError", "FAIL or COLUMN");
        variant = new Param<>(this, "variant", "model file variant (q4, fp16, ...) of every folder");
        provider = new Param<>(this, "provider", "CPU or CUDA");
        cudaDevice = new IntParam(this, "cudaDevice", "CUDA device, -1 for the task's GPU");
        intraOpThreads = new IntParam(this, "intraOpThreads", "ONNX Runtime intra-op threads per model, 0 shared pool");
        modelIdleMillis = new LongParam(this, "modelIdleMillis", "how long unused models stay loaded on an executor");

        EFTSparkConfig.Builder d = EFTSparkConfig.builder();
        setDefault(mode, "generate");
        setDefault(models, new String[0]);
        setDefault(spec, d.spec);
        setDefault(promptCol, d.promptColumn);
        setDefault(greedy, d.sampling.greedy());
        setDefault(temperature, d.sampling.temperature());
        setDefault(topK, d.sampling.topK());
        setDefault(topP, d.sampling.topP());
        setDefault(minP, d.sampling.minP());
        setDefault(repetitionPenalty, d.sampling.repetitionPenalty());
        setDefault(seed, d.seed);
        setDefault(maxTokens, d.maxTokens);
        setDefault(batchSize, d.batchSize);
        setDefault(onError, d.onError.name());
        setDefault(provider, d.provider.name());
        setDefault(cudaDevice, d.cudaDevice);
        setDefault(intraOpThreads, d.intraOpThreads);
        setDefault(modelIdleMillis, d.modelIdleMillis);
    }

    /**
     * Returns the reader for {@code load} and for loading Pipelines that contain this stage.
     *
     * @return the reader
     */
    public static MLReader<EFTTransformer> read() {
        return new DefaultParamsReadable<EFTTransformer>() { }.read();
    }

    /**
     * Loads a transformer saved with {@code write().save(path)}.
     *
     * @param path the directory
     * @return the transformer
     */
    public static EFTTransformer load(String path) {
        return read().load(path);
    }

    @Override
    public String uid() {
        return uid;
    }

    /**
     * Sets every parameter from a config.
     *
     * @param cfg the config
     * @return this transformer
     */
    public EFTTransformer setConfig(EFTSparkConfig cfg) {
        List<String> m = new ArrayList<>();
        cfg.models().forEach((k, v) -> m.add(k + "=" + v));
        set(models, m.toArray(String[]::new));
        set(spec, cfg.spec());
        setOrClear(specParameter, cfg.specParameter());
        set(promptCol, cfg.promptColumn());
        setOrClear(chatPromptCol, cfg.chatPromptColumn());
        setOrClear(parameterCol, cfg.parameterColumn());
        setOrClear(seedCol, cfg.seedColumn());
        setOrClear(keyCol, cfg.keyColumn());
        EFTSparkConfig.Sampling s = cfg.sampling();
        set(greedy, s.greedy());
        set(temperature, s.temperature());
        set(topK, s.topK());
        set(topP, s.topP());
        set(minP, s.minP());
        set(repetitionPenalty, s.repetitionPenalty());
        set(seed, cfg.seed());
        set(maxTokens, cfg.maxTokens());
        set(batchSize, cfg.batchSize());
        set(onError, cfg.onError().name());
        setOrClear(variant, cfg.variant());
        set(provider, cfg.provider().name());
        set(cudaDevice, cfg.cudaDevice());
        set(intraOpThreads, cfg.intraOpThreads());
        set(modelIdleMillis, cfg.modelIdleMillis());
        return this;
    }

    private <T> void setOrClear(Param<T> p, T value) {
        if (value == null) {
            clear(p);
        } else {
            set(p, value);
        }
    }

    /**
     * Returns the config the parameters describe.
     *
     * @return the config
     * @throws IllegalArgumentException if the parameters do not form a valid config
     */
    public EFTSparkConfig getConfig() {
        EFTSparkConfig.Builder b = EFTSparkConfig.builder();
        for (String entry : $(models)) {
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("models entry '" + entry + "' must be component=location");
            }
            b.model(entry.substring(0, eq), entry.substring(eq + 1));
        }
        if (isDefined(specParameter)) {
            b.spec($(spec), (Double) $(specParameter));
        } else {
            b.spec($(spec));
        }
        b.promptColumn($(promptCol))
                .chatPromptColumn(orNull(chatPromptCol))
                .parameterColumn(orNull(parameterCol))
                .seedColumn(orNull(seedCol))
                .keyColumn(orNull(keyCol));
        SamplingConfig sc = new SamplingConfig((Boolean) $(greedy), (Float) $(temperature), (Integer) $(topK),
                (Float) $(topP), (Float) $(minP), (Float) $(repetitionPenalty));
        return b.sampling(sc)
                .seed((Long) $(seed))
                .maxTokens((Integer) $(maxTokens))
                .batchSize((Integer) $(batchSize))
                .onError(enumValue(EFTSparkConfig.OnError.class, "onError", $(onError)))
                .variant(orNull(variant))
                .provider(enumValue(ExecutionProvider.class, "provider", $(provider)))
                .cudaDevice((Integer) $(cudaDevice))
                .intraOpThreads((Integer) $(intraOpThreads))
                .modelIdleMillis((Long) $(modelIdleMillis))
                .build();
    }

    private String orNull(Param<String> p) {
        return isDefined(p) ? $(p) : null;
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String what, String value) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " '" + value + "' is not one of "
                    + java.util.Arrays.toString(type.getEnumConstants()), e);
        }
    }

    /**
     * Sets the mode.
     *
     * @param value {@code generate} or {@code score}
     * @return this transformer
     */
    public EFTTransformer setMode(String value) {
        if (!value.equals("generate") && !value.equals("score")) {
            throw new IllegalArgumentException("mode must be 'generate' or 'score', got '" + value + "'");
        }
        set(mode, value);
        return this;
    }

    /**
     * Returns the mode.
     *
     * @return {@code generate} or {@code score}
     */
    public String getMode() {
        return $(mode);
    }

    /**
     * Sets the continuation column of score mode.
     *
     * @param value a string or array&lt;int&gt; column
     * @return this transformer
     */
    public EFTTransformer setContinuationCol(String value) {
        set(continuationCol, value);
        return this;
    }

    /**
     * Returns the continuation column.
     *
     * @return the column, or null if unset
     */
    public String getContinuationCol() {
        return orNull(continuationCol);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        EFTSparkConfig cfg = getConfig();
        return score() ? EFTSpark.score(dataset.toDF(), continuation(), cfg) : EFTSpark.generate(dataset.toDF(), cfg);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        EFTSparkConfig cfg = getConfig();
        return score() ? EFTSpark.scoreSchema(schema, continuation(), cfg) : EFTSpark.generateSchema(schema, cfg);
    }

    private boolean score() {
        return $(mode).equals("score");
    }

    private String continuation() {
        String c = getContinuationCol();
        if (c == null) {
            throw new IllegalArgumentException("score mode needs continuationCol");
        }
        return c;
    }

    @Override
    public EFTTransformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    // Spark ML finds parameters through public no-argument methods that return a Param.

    /**
     * Returns the mode parameter.
     *
     * @return the mode parameter
     */
    public Param<String> mode() {
        return mode;
    }

    /**
     * Returns the models parameter (component=location entries).
     *
     * @return the models parameter (component=location entries)
     */
    public StringArrayParam models() {
        return models;
    }

    /**
     * Returns the spec name parameter.
     *
     * @return the spec name parameter
     */
    public Param<String> spec() {
        return spec;
    }

    /**
     * Returns the β/λ parameter.
     *
     * @return the β/λ parameter
     */
    public DoubleParam specParameter() {
        return specParameter;
    }

    /**
     * Returns the prompt column parameter.
     *
     * @return the prompt column parameter
     */
    public Param<String> promptCol() {
        return promptCol;
    }

    /**
     * Returns the chat prompt column parameter.
     *
     * @return the chat prompt column parameter
     */
    public Param<String> chatPromptCol() {
        return chatPromptCol;
    }

    /**
     * Returns the per-row β/λ column parameter.
     *
     * @return the per-row β/λ column parameter
     */
    public Param<String> parameterCol() {
        return parameterCol;
    }

    /**
     * Returns the seed column parameter.
     *
     * @return the seed column parameter
     */
    public Param<String> seedCol() {
        return seedCol;
    }

    /**
     * Returns the key column parameter.
     *
     * @return the key column parameter
     */
    public Param<String> keyCol() {
        return keyCol;
    }

    /**
     * Returns the continuation column parameter.
     *
     * @return the continuation column parameter
     */
    public Param<String> continuationCol() {
        return continuationCol;
    }

    /**
     * Returns the greedy parameter.
     *
     * @return the greedy parameter
     */
    public BooleanParam greedy() {
        return greedy;
    }

    /**
     * Returns the temperature parameter.
     *
     * @return the temperature parameter
     */
    public FloatParam temperature() {
        return temperature;
    }

    /**
     * Returns the top-k parameter.
     *
     * @return the top-k parameter
     */
    public IntParam topK() {
        return topK;
    }

    /**
     * Returns the top-p parameter.
     *
     * @return the top-p parameter
     */
    public FloatParam topP() {
        return topP;
    }

    /**
     * Returns the min-p parameter.
     *
     * @return the min-p parameter
     */
    public FloatParam minP() {
        return minP;
    }

    /**
     * Returns the repetition penalty parameter.
     *
     * @return the repetition penalty parameter
     */
    public FloatParam repetitionPenalty() {
        return repetitionPenalty;
    }

    /**
     * Returns the job seed parameter.
     *
     * @return the job seed parameter
     */
    public LongParam seed() {
        return seed;
    }

    /**
     * Returns the max tokens parameter.
     *
     * @return the max tokens parameter
     */
    public IntParam maxTokens() {
        return maxTokens;
    }

    /**
     * Returns the batch size parameter.
     *
     * @return the batch size parameter
     */
    public IntParam batchSize() {
        return batchSize;
    }

    /**
     * Returns the on-error parameter (FAIL or COLUMN).
     *
     * @return the on-error parameter (FAIL or COLUMN)
     */
    public Param<String> onError() {
        return onError;
    }

    /**
     * Returns the model variant parameter.
     *
     * @return the model variant parameter
     */
    public Param<String> variant() {
        return variant;
    }

    /**
     * Returns the provider parameter (CPU or CUDA).
     *
     * @return the provider parameter (CPU or CUDA)
     */
    public Param<String> provider() {
        return provider;
    }

    /**
     * Returns the CUDA device parameter.
     *
     * @return the CUDA device parameter
     */
    public IntParam cudaDevice() {
        return cudaDevice;
    }

    /**
     * Returns the intra-op threads parameter.
     *
     * @return the intra-op threads parameter
     */
    public IntParam intraOpThreads() {
        return intraOpThreads;
    }

    /**
     * Returns the model idle time parameter.
     *
     * @return the model idle time parameter
     */
    public LongParam modelIdleMillis() {
        return modelIdleMillis;
    }

    @Override
    public String toString() {
        return "EFTTransformer[" + uid + ", " + getMode() + ", spec " + $(spec) + "]";
    }
}
