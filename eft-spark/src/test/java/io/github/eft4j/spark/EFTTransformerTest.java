package io.github.eft4j.spark;

import static io.github.eft4j.spark.SparkTestSupport.byId;
import static io.github.eft4j.spark.SparkTestSupport.pathConfig;
import static io.github.eft4j.spark.SparkTestSupport.promptRows;
import static io.github.eft4j.spark.SparkTestSupport.prompts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.sampling.SamplingConfig;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link EFTTransformer}: the same rows as {@link EFTSpark}, in a Pipeline, saved and loaded. */
class EFTTransformerTest {
    private final Dataset<Row> prompts = prompts(promptRows(20), 2);
    private final EFTSparkConfig cfg = pathConfig().keyColumn("id").seed(3)
            .sampling(SamplingConfig.sampling().withTemperature(0.8f).withTopP(0.9f)).maxTokens(12).build();

    @Test
    void theParametersAreTheConfig() {
        EFTTransformer t = new EFTTransformer().setConfig(cfg);
        assertEquals(cfg, t.getConfig());
        assertEquals(cfg, t.copy(new org.apache.spark.ml.param.ParamMap()).getConfig());
        assertEquals(EFTSpark.generateSchema(prompts.schema(), cfg), t.transformSchema(prompts.schema()));
        assertTrue(t.params().length >= 24, "Spark ML sees the parameters: " + t.params().length);
        t.set(t.spec(), "upscael");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.transform(prompts));
        assertTrue(e.getMessage().startsWith("unknown spec 'upscael'"), e.getMessage());
    }

    @Test
    void savedAndLoadedInAPipelineItGivesTheSameRows(@TempDir Path dir) throws Exception {
        List<Row> direct = byId(EFTSpark.generate(prompts, cfg));

        EFTTransformer t = new EFTTransformer().setConfig(cfg);
        assertEquals(direct, byId(t.transform(prompts)));
        t.write().overwrite().save(dir.resolve("stage").toString());
        EFTTransformer loaded = EFTTransformer.load(dir.resolve("stage").toString());
        assertEquals(t.uid(), loaded.uid());
        assertEquals(cfg, loaded.getConfig());

        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {t}).fit(prompts);
        model.write().overwrite().save(dir.resolve("pipeline").toString());
        PipelineModel back = PipelineModel.load(dir.resolve("pipeline").toString());
        assertEquals(direct, byId(back.transform(prompts)));
    }

    @Test
    void scoreModeScoresAColumn() {
        Dataset<Row> generated = EFTSpark.generate(prompts, cfg);
        EFTTransformer scorer = new EFTTransformer().setConfig(cfg).setMode("score").setContinuationCol(EFTSpark.TOKENS);
        List<Row> viaTransformer = byId(scorer.transform(generated));
        assertEquals(byId(EFTSpark.score(generated, EFTSpark.TOKENS, cfg)), viaTransformer);
        for (Row r : viaTransformer) {
            assertEquals(r.getList(r.fieldIndex(EFTSpark.TOKENS)), r.getList(r.fieldIndex(EFTSpark.SCORE_TOKENS)));
            // teacher forcing gives the generation's EFT log-probability back, up to float rounding
            double lp = r.getAs(EFTSpark.LOGPROB);
            assertEquals(lp, r.<Double>getAs(EFTSpark.SCORE_LOGPROB), 1e-4 * Math.max(1, Math.abs(lp)));
        }
        assertThrows(IllegalArgumentException.class, () -> scorer.setMode("rank"));
    }
}
