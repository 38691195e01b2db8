package io.github.eft4j.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * EFT generation and scoring over Spark Datasets: every row keeps its columns and gains the
 * results. Models load once per executor JVM and are shared by its tasks (see
 * {@link EFTSparkConfig} for locations, prompts, seeds and options).
 *
 * <pre>{@code
 * Dataset<Row> prompts = spark.read().parquet("prompts.parquet");   // a "prompt" column
 * EFTSparkConfig cfg = EFTSparkConfig.builder()
 *         .model("large-base", "archive:family.zip#mini/large-base")
 *         .model("small-ft", "archive:family.zip#mini/small-ft")
 *         .model("small-base", "archive:family.zip#mini/small-base")
 *         .maxTokens(32).build();
 * Dataset<Row> out = EFTSpark.generate(prompts, cfg);   // + text, tokens, logprob, finish_reason
 * Dataset<Row> scored = EFTSpark.score(out, "tokens", cfg);   // + score_logprob, ...
 * }</pre>
 *
 * <p><b>Results.</b> Each row's result equals what eft4j's {@code EFTDecoder} gives for it in a
 * plain loop (same tokens, bit-identical log-probabilities with {@code batchSize} 1), whatever
 * the partitioning: a row's seed depends on the row, not on its partition. With
 * {@code batchSize > 1} greedy rows of a partition are generated together
 * ({@code EFTDecoder.generateBatch}: one padded forward pass per step); their tokens equal
 * the unbatched ones and their log-probabilities agree to float rounding, which depends on
 * which rows share a batch. Sampled rows are always generated one by one, since a batch
 * derives its seeds from one base seed. Scoring is row by row.
 *
 * <p><b>Errors.</b> A bad config or input schema fails on the driver, before any job. A bad row
 * (null prompt or parameter, a prompt that does not fit a model's context or a continuation
 * that does not fit after its prompt, an empty prompt, a token id out of range) follows {@link EFTSparkConfig.OnError}: FAIL fails
 * the task with an exception naming the row (partition, index within it, key or prompt) and
 * the cause, COLUMN gives the row an {@value #ERROR} ({@value #SCORE_ERROR}) message and null
 * results. Anything else (a missing or unloadable model folder on an executor, a backend
 * failure) fails the task with a message naming the component, the location and the executor;
 * Spark retries it ({@code spark.task.maxFailures}) and then fails the job.
 *
 * <p><b>Cancellation.</b> A killed task (job cancelled, speculative copy lost) stops within one
 * decoding step, closes its decoding states and leaves the shared models usable.
 */
public final class EFTSpark {
    /** Generated text (special tokens skipped). */
    public static final String TEXT = "text";
    /** Generated token ids (array&lt;int&gt;). */
    public static final String TOKENS = "tokens";
    /** EFT log-probability of the generated tokens (double; the combiner's, before sampling processors). */
    public static final String LOGPROB = "logprob";
    /**
     * Why generation stopped: {@code stop_token}, {@code length} (max tokens), or
     * {@code position_limit} (a model's context is full, as the decoder ends it).
     */
    public static final String FINISH_REASON = "finish_reason";
    /** Why a row failed (generation with {@code OnError.COLUMN}), else null. */
    public static final String ERROR = "error";
    /** Scored token ids (array&lt;int&gt;). */
    public static final String SCORE_TOKENS = "score_tokens";
    /** EFT log-likelihood of the continuation (double). */
    public static final String SCORE_LOGPROB = "score_logprob";
    /** EFT log-probability of each continuation token (array&lt;double&gt;). */
    public static final String SCORE_TOKEN_LOGPROBS = "score_token_logprobs";
    /** Each component's own log-likelihood of the continuation (map&lt;string, double&gt;). */
    public static final String SCORE_COMPONENT_LOGPROBS = "score_component_logprobs";
    /** Each component's log-probability of each token (map&lt;string, array&lt;double&gt;&gt;). */
    public static final String SCORE_COMPONENT_TOKEN_LOGPROBS = "score_component_token_logprobs";
    /** Why a row failed (scoring with {@code OnError.COLUMN}), else null. */
    public static final String SCORE_ERROR = "score_error";

    private EFTSpark() {
    }

    /**
     * Generates a continuation of every row's prompt.
     *
     * @param prompts rows with the config's prompt column (and optional chat prompt, parameter,
     *     seed and key columns)
     * @param cfg the config
     * @return the input columns plus {@value #TEXT}, {@value #TOKENS}, {@value #LOGPROB},
     *     {@value #FINISH_REASON} (and {@value #ERROR} with {@code OnError.COLUMN}); lazy, like
     *     every Dataset transformation
     * @throws IllegalArgumentException if a column is missing or has the wrong type, or the
     *     input already has an output column
     */
    public static Dataset<Row> generate(Dataset<Row> prompts, EFTSparkConfig cfg) {
        Objects.requireNonNull(prompts, "prompts");
        Objects.requireNonNull(cfg, "cfg");
        Columns cols = Columns.resolve(prompts.schema(), cfg, null);
        return prompts.mapPartitions(new PartitionTask(cfg, cols), Encoders.row(generateSchema(prompts.schema(), cfg)));
    }

    /**
     * Scores a continuation of every row's prompt: its EFT log-likelihood (total and per token)
     * and each component's.
     *
     * @param rows rows with the config's prompt column (and optional chat prompt, parameter and
     *     key columns) and the continuation
     * @param continuationColumn text (encoded without BOS, special-token text parsed, so
     *     {@code "</s>"} is the EOS token) or array&lt;int&gt; token ids (e.g. generation's
     *     {@value #TOKENS})
     * @param cfg the config; its sampling, seed, batch size and max tokens are not used
     * @return the input columns plus {@value #SCORE_TOKENS}, {@value #SCORE_LOGPROB},
     *     {@value #SCORE_TOKEN_LOGPROBS}, {@value #SCORE_COMPONENT_LOGPROBS},
     *     {@value #SCORE_COMPONENT_TOKEN_LOGPROBS} (and {@value #SCORE_ERROR} with
     *     {@code OnError.COLUMN})
     * @throws IllegalArgumentException if a column is missing or has the wrong type, or the
     *     input already has an output column
     */
    public static Dataset<Row> score(Dataset<Row> rows, String continuationColumn, EFTSparkConfig cfg) {
        Objects.requireNonNull(rows, "rows");
        Objects.requireNonNull(cfg, "cfg");
        if (continuationColumn == null || continuationColumn.isBlank()) {
            throw new IllegalArgumentException("continuation column must be a column name, got " + continuationColumn);
        }
        Columns cols = Columns.resolve(rows.schema(), cfg, continuationColumn);
        return rows.mapPartitions(new PartitionTask(cfg, cols),
                Encoders.row(scoreSchema(rows.schema(), continuationColumn, cfg)));
    }

    /**
     * Returns the schema {@link #generate} produces.
     *
     * @param input the input schema
     * @param cfg the config
     * @return the input fields followed by generation's
     * @throws IllegalArgumentException as {@link #generate}
     */
    public static StructType generateSchema(StructType input, EFTSparkConfig cfg) {
        Columns.resolve(input, cfg, null);
        return append(input, Columns.generateFields(cfg.onError() == EFTSparkConfig.OnError.COLUMN));
    }

    /**
     * Returns the schema {@link #score} produces.
     *
     * @param input the input schema
     * @param continuationColumn the continuation column
     * @param cfg the config
     * @return the input fields followed by scoring's
     * @throws IllegalArgumentException as {@link #score}
     */
    public static StructType scoreSchema(StructType input, String continuationColumn, EFTSparkConfig cfg) {
        Columns.resolve(input, cfg, continuationColumn);
        return append(input, Columns.scoreFields(cfg.onError() == EFTSparkConfig.OnError.COLUMN));
    }

    private static StructType append(StructType input, List<StructField> added) {
        List<StructField> all = new ArrayList<>(List.of(input.fields()));
        all.addAll(added);
        return new StructType(all.toArray(StructField[]::new));
    }
}
