package io.github.eft4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.sampling.SamplingConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link EFTSparkConfig}: validation on the driver, Java serialization, row seeds. */
class EFTSparkConfigTest {

    private static EFTSparkConfig.Builder upscale() {
        return EFTSparkConfig.builder()
                .model(EFTSpec.LARGE_BASE, "/models/large-base")
                .model(EFTSpec.SMALL_FT, "file:/models/small-ft")
                .model(EFTSpec.SMALL_BASE, "archive:family.zip#mini/small-base");
    }

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void anUnknownSpecNameFailsListingTheKnownOnes() {
        String m = message(() -> upscale().spec("upscael").build());
        assertEquals("unknown spec 'upscael'; expected one of [up-scaling, down-scaling, scale-delta, behaviour-delta, "
                + "lambda-interpolation] (or the factory names [behaviourDelta, downscale, lambdaInterpolation, scaleDelta, "
                + "upscale])", m);
    }

    @Test
    void theModelsMustBeExactlyTheSpecsComponents() {
        String m = message(() -> EFTSparkConfig.builder().model(EFTSpec.LARGE_BASE, "/m").build());
        assertTrue(m.startsWith("spec 'up-scaling' needs a model for each of [large-base, small-ft, small-base]; got"), m);
        m = message(() -> upscale().model("large-ft", "/m").build());
        assertTrue(m.contains("needs a model for each of"), m);
    }

    @Test
    void parametersFollowTheSpec() {
        assertTrue(message(() -> upscale().spec("upscale", 1.5).build()).contains("spec 'upscale' takes no parameter"));
        assertTrue(message(() -> upscale().parameterColumn("beta").build()).contains("takes no parameter"));
        EFTSparkConfig.Builder beta = EFTSparkConfig.builder()
                .model(EFTSpec.LARGE_BASE, "/a").model(EFTSpec.SMALL_FT, "/b").model(EFTSpec.SMALL_BASE, "/c");
        assertEquals("spec 'scale-delta' needs β: set specParameter or parameterColumn",
                message(() -> beta.spec("scale-delta").build()));
        assertEquals(1.5, beta.spec("behaviourDelta", 1.5).build().specParameter());
        assertEquals("b", beta.spec("scale-delta").parameterColumn("b").build().parameterColumn());
        assertTrue(message(() -> beta.spec("scale-delta", Double.NaN).build()).contains("β must be finite"));
        assertEquals(EFTSpec.behaviourDelta(0.5), SpecNames.create("behaviour-delta", 0.5));
        assertEquals(EFTSpec.lambdaInterpolation(0.3), SpecNames.create("lambdaInterpolation", 0.3));
        assertEquals(EFTSpec.downscale(), SpecNames.create("down-scaling", null));
    }

    @Test
    void locationsMustBeLocalToTheExecutors() {
        String m = message(() -> upscale().model(EFTSpec.LARGE_BASE, "hdfs://nn/models/large-base").build());
        assertTrue(m.contains("model folders must be local to each executor"), m);
        m = message(() -> upscale().model(EFTSpec.LARGE_BASE, "archive:#mini/large-base").build());
        assertTrue(m.contains("expected archive:NAME#PATH"), m);
        assertTrue(message(() -> upscale().model(EFTSpec.LARGE_BASE, " ").build()).contains("must be a path"));
    }

    @Test
    void locationsResolveOnTheExecutor() {
        assertEquals(Path.of("/models/small-ft"), ModelLocation.resolve("file:/models/small-ft"));
        assertEquals(Path.of("/models/x"), ModelLocation.resolve("/models/y/../x"));
        assertEquals(Path.of("").toAbsolutePath().resolve("rel/dir"), ModelLocation.resolve("rel/dir"));
    }

    @Test
    void numbersAreChecked() {
        assertEquals("maxTokens must be >= 0, got -1", message(() -> upscale().maxTokens(-1).build()));
        assertEquals("batchSize must be >= 1, got 0", message(() -> upscale().batchSize(0).build()));
        assertTrue(message(() -> upscale().cudaDevice(-2).build()).startsWith("cudaDevice must be >= 0"));
        assertTrue(message(() -> upscale().intraOpThreads(-1).build()).startsWith("intraOpThreads must be >= 0"));
        assertTrue(message(() -> upscale().promptColumn(" ").build()).startsWith("promptColumn must be a column name"));
        assertTrue(message(() -> new EFTSparkConfig.Sampling(false, 0f, 0, 1f, 0f, 1f)).startsWith("temperature must be in (0, +inf)"));
    }

    @Test
    void serializationKeepsEveryField() throws Exception {
        EFTSparkConfig cfg = upscale().chatPromptColumn("chat").keyColumn("id").seed(42).maxTokens(7).batchSize(3)
                .sampling(SamplingConfig.sampling().withTemperature(0.7f).withTopK(40))
                .onError(EFTSparkConfig.OnError.COLUMN).variant("q4").modelIdleMillis(5).build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(cfg);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(cfg, in.readObject());
        }
        assertEquals(cfg, cfg.toBuilder().build());
        assertEquals(SamplingConfig.sampling().withTemperature(0.7f).withTopK(40), cfg.sampling().toSamplingConfig());
    }

    @Test
    void rowSeedsDependOnTheKeyAndTheJobSeedOnly() {
        EFTSparkConfig a = upscale().seed(1).build();
        EFTSparkConfig b = upscale().seed(2).build();
        assertEquals(a.seedFor("row-17"), upscale().seed(1).maxTokens(3).build().seedFor("row-17"));
        assertNotEquals(a.seedFor("row-17"), b.seedFor("row-17"));
        Set<Long> seeds = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            seeds.add(a.seedFor(Integer.toString(i)));
        }
        assertEquals(10_000, seeds.size(), "distinct keys get distinct seeds");
    }
}
