package io.github.eft4j.onnx;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.decoder.SpeculativeConfig;
import io.github.eft4j.model.LogitSource;
import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.testing.GoldenResults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pins the decoder's output on ONNX sources: the trained mini family (models/mini) and the
 * committed test graphs as an up-scaling family, in plain, speculative, batched and scoring
 * runs (greedy and seeded sampling ids, every traced float as bits), as recorded in
 * {@code src/test/resources/golden/decoder-onnx.txt} from the code before the decode step was
 * unified. One intra-op thread per source, so ONNX Runtime's sums run in one order.
 */
class EFTDecoderOnnxGoldenTest {
    static final Path FILE = Path.of("src", "test", "resources", "golden", "decoder-onnx.txt");

    @AfterEach
    void noLeaks() {
        TestGraphs.assertNoLeaks();
    }

    @Test
    void plainSpeculativeBatchedAndScoredRunsMatchTheRecordedGoldens() throws Exception {
        GoldenResults g = new GoldenResults();
        Path mini = MiniFamilyTest.FAMILY;
        try (ModelFolder large = load(mini.resolve("large-base"));
             ModelFolder ft = load(mini.resolve("small-ft"));
             ModelFolder base = load(mini.resolve("small-base"))) {
            int[] plainIds = base.tokenizer().encode("The word \"alight\" means");
            int[] chatIds = ft.tokenizer().encode("Q: What does \"alight\" mean?\nA:");
            Prompt p = Prompt.of(plainIds).with(EFTSpec.SMALL_FT, chatIds);
            Prompt q = Prompt.of(base.tokenizer().encode("The word \"firsthand\" means"))
                    .with(EFTSpec.SMALL_FT, ft.tokenizer().encode("Q: What does \"firsthand\" mean?\nA:"));
            record(g, "mini", decoder(large.source(), ft.source(), base.source()), p, q, 24);
        }
        try (OnnxLogitSource a = TestGraphs.open("llama_gqa");
             OnnxLogitSource b = TestGraphs.open("falcon_mqa");
             OnnxLogitSource c = TestGraphs.open("llama_nopos")) {
            Prompt p = Prompt.of(5, 17, 3, 40, 8).with(EFTSpec.SMALL_FT, 1, 9, 5, 17, 3, 40, 8);
            Prompt q = Prompt.of(12, 2, 33);
            record(g, "graphs", decoder(a, b, c), p, q, 20);
        }
        g.check(FILE, signature());
    }

    private static void record(GoldenResults g, String name, EFTDecoder d, Prompt p, Prompt q, int n) {
        GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(n).trace(true).build();
        GenerationConfig sampled = greedy.toBuilder().sampling(SamplingConfig.sampling().withTemperature(0.8f).withTopP(0.95f))
                .seed(42L).build();
        GenerationResult plain = d.generate(p, greedy);
        g.add(name + "/plain-greedy", plain);
        g.add(name + "/plain-sampled", d.generate(p, sampled));
        g.add(name + "/spec-greedy-adaptive4", d.generate(p, greedy.withSpeculative(SpeculativeConfig.adaptive(4))));
        g.add(name + "/spec-sampled-fixed3", d.generate(p, sampled.withSpeculative(SpeculativeConfig.fixed(3))));
        List<GenerationResult> batch = d.generateBatch(List.of(p, q), greedy);
        g.add(name + "/batch-greedy-0", batch.get(0));
        g.add(name + "/batch-greedy-1", batch.get(1));
        g.add(name + "/score-plain", d.score(p, plain.tokens()));
    }

    private static EFTDecoder decoder(LogitSource large, LogitSource ft, LogitSource base) {
        return EFTDecoder.builder(EFTSpec.upscale()).source(EFTSpec.LARGE_BASE, large).source(EFTSpec.SMALL_FT, ft)
                .source(EFTSpec.SMALL_BASE, base).build();
    }

    private static ModelFolder load(Path dir) {
        return ModelFolder.load(dir, model -> OnnxOptions.builder(model).threads(1).build());
    }

    /** ONNX Runtime's CPU kernels differ by instruction set, eft4j's by vector width (which follows it). */
    private static String signature() throws IOException {
        String flags = "";
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo)) {
            String info = Files.readString(cpuinfo);
            flags = info.contains(" avx512f") ? "avx512f" : info.contains(" avx2") ? "avx2" : "other";
        }
        return "ort " + OnnxLogitSource.runtimeVersion() + " "
                + System.getProperty("os.arch") + " " + flags;
    }
}
