package io.github.eft4j.spark;

import static io.github.eft4j.spark.SparkTestSupport.Generated;
import static io.github.eft4j.spark.SparkTestSupport.PlainLoop;
import static io.github.eft4j.spark.SparkTestSupport.archiveConfig;
import static io.github.eft4j.spark.SparkTestSupport.byId;
import static io.github.eft4j.spark.SparkTestSupport.pathConfig;
import static io.github.eft4j.spark.SparkTestSupport.promptRows;
import static io.github.eft4j.spark.SparkTestSupport.prompts;
import static io.github.eft4j.spark.SparkTestSupport.spark;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.ScoreResult;
import io.github.eft4j.decoder.TokenTrace;
import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.tokenizer.EncodeOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link EFTSpark} on {@code local[2,2]} against a plain eft4j loop over the same rows: greedy
 * text, tokens and log-probabilities bit for bit, for several partitionings, with the models
 * shipped as an archive and a JVM command line over 16 KB.
 */
class EFTSparkTest {
    private static final int N = 200;
    private static List<Row> rows;
    private static final Map<Long, Generated> greedy = new HashMap<>();
    private static final Map<Long, ScoreResult> scores = new HashMap<>();

    @BeforeAll
    static void plainLoop() {
        rows = promptRows(N);
        try (PlainLoop loop = new PlainLoop()) {
            for (Row r : rows) {
                Generated g = loop.generate(EFTSpec.upscale(), r, SamplingConfig.greedyDecoding(), 0, 24);
                greedy.put(r.getLong(0), g);
                scores.put(r.getLong(0), loop.score(EFTSpec.upscale(), r, g.tokens().stream().mapToInt(Integer::intValue).toArray()));
            }
        }
    }

    @Test
    void commandLineIsLongerThan16KB() throws IOException {
        Path cmdline = Path.of("/proc/self/cmdline");
        assumeTrue(Files.isReadable(cmdline), "needs Linux /proc");
        int length = Files.readAllBytes(cmdline).length;
        assertTrue(length > 16 * 1024, "the test JVM's command line is " + length + " bytes; surefire's argLine should pad it");
    }

    @ParameterizedTest(name = "{0} partition(s)")
    @ValueSource(ints = {1, 2, 16})
    void generateAndScoreEqualThePlainLoop(int partitions) {
        Dataset<Row> in = prompts(rows, partitions);
        assertEquals(partitions, in.rdd().getNumPartitions());
        Dataset<Row> out = EFTSpark.generate(in, archiveConfig().build());
        List<Row> got = byId(out);
        assertEquals(N, got.size());
        int stopped = 0;
        for (Row r : got) {
            Generated g = Generated.of(r);
            assertEquals(greedy.get(r.getLong(0)), g, "row " + r.getLong(0));
            stopped += g.finish().equals("stop_token") ? 1 : 0;
        }
        assertTrue(stopped > N / 2, "most answers end with </s>: " + stopped);

        // score what was generated, by token ids
        List<Row> scored = byId(EFTSpark.score(out.drop(EFTSpark.TEXT), EFTSpark.TOKENS, archiveConfig().build()));
        for (Row r : scored) {
            ScoreResult ref = scores.get(r.getLong(0));
            String where = "row " + r.getLong(0);
            assertEquals(ref.totalLogProb(), r.<Double>getAs(EFTSpark.SCORE_LOGPROB), where);
            assertEquals(doubles(ref, -1), r.getList(r.fieldIndex(EFTSpark.SCORE_TOKEN_LOGPROBS)), where);
            Map<String, Double> totals = r.getJavaMap(r.fieldIndex(EFTSpark.SCORE_COMPONENT_LOGPROBS));
            Map<String, scala.collection.Seq<Double>> perToken = r.getJavaMap(r.fieldIndex(EFTSpark.SCORE_COMPONENT_TOKEN_LOGPROBS));
            for (int c = 0; c < 3; c++) {
                String name = SparkTestSupport.UPSCALE.get(c);
                List<Double> lp = doubles(ref, c);
                assertEquals(lp.stream().mapToDouble(Double::doubleValue).sum(), totals.get(name), 0.0, where + " " + name);
                assertEquals(lp, scala.jdk.javaapi.CollectionConverters.asJava(perToken.get(name)), where + " " + name);
            }
        }
    }

    /** The EFT (component -1) or one component's log-probability per token, widened. */
    private static List<Double> doubles(ScoreResult s, int component) {
        List<Double> out = new ArrayList<>();
        for (TokenTrace t : s.tokens()) {
            out.add((double) (component < 0 ? t.combinedLogProb() : t.componentLogProb(component)));
        }
        return out;
    }

    @Test
    void scoringTextEqualsThePlainLoop() throws IOException {
        List<String> glosses = Files.readAllLines(SparkTestSupport.MINI.resolve("words.tsv")).stream()
                .filter(l -> !l.startsWith("#")).map(l -> " " + l.split("\t")[2] + "</s>").limit(20).toList();
        List<Row> in = new ArrayList<>();
        for (int i = 0; i < glosses.size(); i++) {
            Row r = rows.get(i);
            in.add(RowFactory.create(r.get(0), r.get(1), r.get(2), glosses.get(i)));
        }
        Dataset<Row> ds = spark().createDataFrame(in, SparkTestSupport.PROMPTS.add("answer", DataTypes.StringType)).repartition(3);
        List<Row> got = byId(EFTSpark.score(ds, "answer", pathConfig().build()));
        try (PlainLoop loop = new PlainLoop()) {
            for (Row r : got) {
                int[] ids = loop.tok.encode(r.getString(3), new EncodeOptions(false, true));
                assertEquals(2, ids[ids.length - 1], "</s> is parsed as the EOS token");
                ScoreResult ref = loop.score(EFTSpec.upscale(), r, ids);
                assertEquals(ref.totalLogProb(), r.<Double>getAs(EFTSpark.SCORE_LOGPROB), "row " + r.getLong(0));
                assertEquals(ids.length, r.getList(r.fieldIndex(EFTSpark.SCORE_TOKENS)).size());
            }
        }
    }

    @Test
    void sampledRowsDoNotDependOnPartitioning() {
        List<Row> some = rows.subList(0, 40);
        EFTSparkConfig cfg = pathConfig().sampling(SamplingConfig.sampling().withTemperature(1.2f).withTopP(0.95f))
                .keyColumn("id").seed(7).build();
        List<Row> one = byId(EFTSpark.generate(prompts(some, 1), cfg));
        List<Row> many = byId(EFTSpark.generate(prompts(some, 16), cfg));
        assertEquals(one, many);
        try (PlainLoop loop = new PlainLoop()) {
            int differFromGreedy = 0;
            for (Row r : one) {
                long seed = cfg.seedFor(String.valueOf(r.getLong(0)));
                Generated ref = loop.generate(EFTSpec.upscale(), r, cfg.sampling().toSamplingConfig(), seed, 24);
                assertEquals(ref, Generated.of(r), "row " + r.getLong(0));
                differFromGreedy += ref.equals(greedy.get(r.getLong(0))) ? 0 : 1;
            }
            assertTrue(differFromGreedy > 0, "sampling at temperature 1.2 should differ from greedy somewhere");
        }
        EFTSparkConfig other = cfg.toBuilder().seed(8).build();
        assertNotEquals(one, byId(EFTSpark.generate(prompts(some, 2), other)), "another job seed samples otherwise");
    }

    @Test
    void perRowBetaEqualsThePlainLoop() {
        List<Row> some = new ArrayList<>();
        for (Row r : rows.subList(0, 30)) {
            some.add(RowFactory.create(r.get(0), r.get(1), r.get(2), 0.5 + (r.getLong(0) % 3) * 0.5));
        }
        Dataset<Row> ds = spark().createDataFrame(some, SparkTestSupport.PROMPTS.add("beta", DataTypes.DoubleType)).repartition(2);
        EFTSparkConfig cfg = pathConfig().spec("scale-delta", 1.0).parameterColumn("beta").build();
        List<Row> got = byId(EFTSpark.generate(ds, cfg));
        try (PlainLoop loop = new PlainLoop()) {
            for (Row r : got) {
                EFTSpec spec = EFTSpec.scaleDelta(r.getDouble(3));
                assertEquals(loop.generate(spec, r, SamplingConfig.greedyDecoding(), 0, 24), Generated.of(r), "row " + r.getLong(0));
            }
        }
    }

    @Test
    void batchedGreedyGenerationGivesTheSameTokens() {
        List<Row> some = rows.subList(0, 48);
        List<Row> got = byId(EFTSpark.generate(prompts(some, 2), pathConfig().batchSize(8).build()));
        for (Row r : got) {
            Generated ref = greedy.get(r.getLong(0));
            Generated g = Generated.of(r);
            assertEquals(ref.tokens(), g.tokens(), "row " + r.getLong(0));
            assertEquals(ref.text(), g.text());
            assertEquals(ref.finish(), g.finish());
            assertEquals(ref.logprob(), g.logprob(), 1e-4 * Math.max(1, Math.abs(ref.logprob())), "row " + r.getLong(0));
        }
    }

    @Test
    void aRowThatFillsTheContextEndsLikeThePlainLoop() {
        try (PlainLoop loop = new PlainLoop()) {
            String filler = "The word is";
            while (loop.tok.encode(filler + " means").length < 245) {
                filler += " the word is";
            }
            Row r = RowFactory.create(0L, filler + " means", "Q: What does \"" + filler + "\" mean?\nA:");
            Generated ref = loop.generate(EFTSpec.upscale(), r, SamplingConfig.greedyDecoding(), 0, 24);
            assertEquals("position_limit", ref.finish());
            Row got = EFTSpark.generate(prompts(List.of(r), 1), pathConfig().build()).first();
            assertEquals(ref, Generated.of(got));
        }
    }

    @Test
    void parquetRoundTrip(@TempDir Path dir) {
        Dataset<Row> out = EFTSpark.generate(prompts(rows.subList(0, 30), 2), pathConfig().build());
        String path = dir.resolve("out.parquet").toString();
        out.write().parquet(path);
        Dataset<Row> back = spark().read().parquet(path);
        assertEquals(List.of(out.schema().fieldNames()), List.of(back.schema().fieldNames()));
        for (String f : out.schema().fieldNames()) {
            assertEquals(out.schema().apply(f).dataType().typeName(), back.schema().apply(f).dataType().typeName(), f);
        }
        List<Row> a = byId(out);
        List<Row> b = byId(back);
        assertEquals(a, b);
        assertEquals(30, b.size());
        assertTrue(b.stream().allMatch(r -> !r.getString(3).isEmpty()), "every row has a text");
        // a Spark SQL consumer reads the columns as usual
        assertEquals(30, back.where(functions.size(functions.col(EFTSpark.TOKENS)).gt(0)).count());
    }
}
