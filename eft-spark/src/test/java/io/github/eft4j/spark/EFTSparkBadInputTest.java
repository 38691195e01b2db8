package io.github.eft4j.spark;

import static io.github.eft4j.spark.SparkTestSupport.Generated;
import static io.github.eft4j.spark.SparkTestSupport.PlainLoop;
import static io.github.eft4j.spark.SparkTestSupport.byId;
import static io.github.eft4j.spark.SparkTestSupport.pathConfig;
import static io.github.eft4j.spark.SparkTestSupport.spark;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.sampling.SamplingConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input: a missing model folder on the executor, null and over-long prompts, a null
 * parameter, wrong columns. FAIL ends the job with a message naming the row (or the component
 * and executor) and the cause; COLUMN marks only the bad rows; the driver never hangs.
 */
class EFTSparkBadInputTest {
    private static final Duration NO_HANG = Duration.ofMinutes(3);
    private static final String LONG_PROMPT = "The word is".repeat(150);   // far over 256 tokens

    /** Rows: 0 fine, 1 null prompt, 2 over-long prompt, 3 null chat prompt, 4 fine. */
    private static Dataset<Row> badRows(int partitions) {
        List<Row> good = SparkTestSupport.promptRows(5);
        List<Row> rows = new ArrayList<>(List.of(good.get(0),
                RowFactory.create(1L, null, good.get(1).get(2)),
                RowFactory.create(2L, LONG_PROMPT, good.get(2).get(2)),
                RowFactory.create(3L, good.get(3).get(1), null),
                good.get(4)));
        return spark().createDataFrame(rows, SparkTestSupport.PROMPTS).repartition(partitions);
    }

    private static String failure(Dataset<Row> ds) {
        SparkException e = assertThrows(SparkException.class, () -> assertTimeoutPreemptively(NO_HANG, ds::collectAsList));
        return e.getMessage();
    }

    @Test
    void aMissingModelFolderFailsTheJobNamingComponentAndPath() {
        EFTSparkConfig cfg = pathConfig().model(EFTSpec.LARGE_BASE, "/nonexistent/large-base").build();
        String m = failure(EFTSpark.generate(SparkTestSupport.prompts(SparkTestSupport.promptRows(4), 2), cfg));
        assertTrue(m.contains("cannot load component 'large-base' from '/nonexistent/large-base'"), m);
        assertTrue(m.contains("model folder not found"), m);
    }

    @Test
    void anArchiveThatWasNotShippedFailsTheJobNamingIt() {
        EFTSparkConfig cfg = pathConfig().model(EFTSpec.SMALL_FT, "archive:other.zip#mini/small-ft").build();
        String m = failure(EFTSpark.generate(SparkTestSupport.prompts(SparkTestSupport.promptRows(4), 1), cfg));
        assertTrue(m.contains("cannot load component 'small-ft'") && m.contains("archive 'other.zip' is not unpacked"), m);
    }

    @Test
    void aNullPromptFailsTheJobNamingTheRow() {
        String m = failure(EFTSpark.generate(badRows(1), pathConfig().keyColumn("id").build()));
        assertTrue(m.contains("row 1 of partition 0 (id = 1): prompt column 'prompt' is null"), m);
    }

    @Test
    void anOverLongPromptFailsTheJobNamingTheRow() {
        List<Row> rows = List.of(SparkTestSupport.promptRows(1).getFirst(), RowFactory.create(7L, LONG_PROMPT, "Q: x\nA:"));
        Dataset<Row> ds = spark().createDataFrame(rows, SparkTestSupport.PROMPTS).coalesce(1);
        String m = failure(EFTSpark.generate(ds, pathConfig().build()));
        assertTrue(m.contains("row 1 of partition 0 (prompt \"The word isThe word is"), m);
        assertTrue(m.contains("has 451 tokens; with 1 token to follow it needs 451 positions, but source 'model.onnx' holds at most 256"), m);
    }

    @ParameterizedTest(name = "batch size {0}")
    @ValueSource(ints = {1, 4})
    void onErrorColumnMarksOnlyTheBadRows(int batchSize) {
        EFTSparkConfig cfg = pathConfig().onError(EFTSparkConfig.OnError.COLUMN).batchSize(batchSize).build();
        List<Row> got = byId(EFTSpark.generate(badRows(1), cfg));
        assertEquals(5, got.size());
        int error = got.getFirst().fieldIndex(EFTSpark.ERROR);
        assertTrue(got.get(1).getString(error).contains("prompt column 'prompt' is null"), got.get(1).getString(error));
        assertTrue(got.get(2).getString(error).contains("holds at most 256"), got.get(2).getString(error));
        assertTrue(got.get(3).getString(error).contains("chat prompt column 'chat_prompt' is null"), got.get(3).getString(error));
        for (int i = 1; i <= 3; i++) {
            assertNull(got.get(i).getAs(EFTSpark.TEXT));
            assertNull(got.get(i).getAs(EFTSpark.TOKENS));
        }
        try (PlainLoop loop = new PlainLoop()) {
            for (int i : new int[] {0, 4}) {
                Row r = got.get(i);
                assertNull(r.getString(error));
                Generated ref = loop.generate(EFTSpec.upscale(), r, SamplingConfig.greedyDecoding(), 0, 24);
                assertEquals(ref.tokens(), Generated.of(r).tokens(), "row " + i);
            }
        }
    }

    @Test
    void aNullParameterWithoutDefaultIsARowError() {
        List<Row> rows = new ArrayList<>();
        for (Row r : SparkTestSupport.promptRows(3)) {
            rows.add(RowFactory.create(r.get(0), r.get(1), r.get(2), r.getLong(0) == 1 ? null : 1.5));
        }
        Dataset<Row> ds = spark().createDataFrame(rows, SparkTestSupport.PROMPTS.add("lambda", DataTypes.DoubleType));
        EFTSparkConfig cfg = EFTSparkConfig.builder()
                .model(EFTSpec.LARGE_BASE, SparkTestSupport.MINI.resolve("large-base").toString())
                .model(EFTSpec.SMALL_FT, SparkTestSupport.MINI.resolve("small-ft").toString())
                .model(EFTSpec.SMALL_FT2, SparkTestSupport.MINI.resolve("small-ft-hedge").toString())
                .model(EFTSpec.SMALL_BASE, SparkTestSupport.MINI.resolve("small-base").toString())
                .spec("lambda-interpolation").parameterColumn("lambda").chatPromptColumn("chat_prompt").maxTokens(8)
                .onError(EFTSparkConfig.OnError.COLUMN).build();
        List<Row> got = byId(EFTSpark.generate(ds, cfg));
        assertEquals("parameter column 'lambda' is null and the config has no default λ", got.get(1).getAs(EFTSpark.ERROR));
        assertNull(got.get(0).getAs(EFTSpark.ERROR));
        assertNull(got.get(2).getAs(EFTSpark.ERROR));
    }

    @Test
    void wrongColumnsFailOnTheDriver() {
        Dataset<Row> prompts = SparkTestSupport.prompts(SparkTestSupport.promptRows(2), 1);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> EFTSpark.generate(prompts, pathConfig().promptColumn("question").build()));
        assertTrue(missing.getMessage().contains("promptColumn 'question' is not a column of the input"), missing.getMessage());
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> EFTSpark.generate(prompts, pathConfig().promptColumn("id").build()));
        assertTrue(type.getMessage().contains("promptColumn 'id' must be a string column, got bigint"), type.getMessage());
        IllegalArgumentException clash = assertThrows(IllegalArgumentException.class,
                () -> EFTSpark.generate(prompts.withColumnRenamed("chat_prompt", "text"), pathConfig().chatPromptColumn(null).build()));
        assertTrue(clash.getMessage().contains("the input already has a column 'text'"), clash.getMessage());
        IllegalArgumentException continuation = assertThrows(IllegalArgumentException.class,
                () -> EFTSpark.score(prompts, "id", pathConfig().build()));
        assertTrue(continuation.getMessage().contains("must be a string or array<int> column"), continuation.getMessage());
    }
}
