package io.github.eft4j.examples.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.decoder.SpeculativeConfig;
import io.github.eft4j.decoder.SpeculativeStats;
import io.github.eft4j.onnx.OnnxLogitSource;
import io.github.eft4j.sampling.SamplingConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * End-to-end exactness of speculative EFT on real ONNX sources (eft-onnx, committed test graphs):
 * greedy speculative output equals plain greedy output token for token, through drafts that are
 * rejected and rolled back with {@code truncate}. No timing.
 */
class OnnxBenchmarkSourcesTest {
    private static final Map<String, String> TINY = Map.of("graphs", "eft-onnx/src/test/resources/graphs",
            "scenarios", "tiny-mixed,tiny-same", "prompts", "3");

    @Test
    void speculativeGreedyEqualsPlainGreedyOnOnnxGraphs() {
        List<BenchmarkSources.Scenario> scenarios = new OnnxBenchmarkSources().scenarios(TINY);
        try {
            assertEquals(List.of("tiny-same", "tiny-mixed"), scenarios.stream().map(BenchmarkSources.Scenario::name).toList());
            for (BenchmarkSources.Scenario sc : scenarios) {
                EFTDecoder.Builder b = EFTDecoder.builder(sc.spec());
                sc.sources().forEach(b::source);
                EFTDecoder decoder = b.build();
                GenerationConfig plain = GenerationConfig.builder().maxNewTokens(sc.maxNewTokens())
                        .sampling(SamplingConfig.greedyDecoding()).build();
                long proposed = 0;
                long accepted = 0;
                for (SpeculativeConfig spec : List.of(SpeculativeConfig.adaptive(6), SpeculativeConfig.fixed(3))) {
                    for (Prompt p : sc.prompts()) {
                        GenerationResult a = decoder.generate(p, plain);
                        GenerationResult s = decoder.generate(p, plain.withSpeculative(spec.withDraftComponent(sc.draftComponent())));
                        assertEquals(sc.maxNewTokens(), a.length());
                        assertArrayEquals(a.tokens(), s.tokens(), sc.name() + " " + spec);
                        SpeculativeStats st = s.speculative();
                        proposed += st.draftsProposed();
                        accepted += st.draftsAccepted();
                    }
                }
                if (sc.name().equals("tiny-same")) { // target == draft distribution
                    assertEquals(proposed, accepted, "identical graphs accept every draft");
                } else { // independent random graphs: rejections, so every source was rolled back
                    assertTrue(accepted < proposed, "expected rejections, got " + accepted + "/" + proposed);
                }
                sc.sources().values().forEach(src -> assertEquals(0, ((OnnxLogitSource) src).openStates()));
            }
        } finally {
            scenarios.forEach(sc -> sc.onClose().run());
        }
    }

    /** The trained miniature family (models/mini, committed): real prompts, drafts often rejected. */
    @Test
    void speculativeGreedyEqualsPlainGreedyOnTheTrainedFamily() {
        List<BenchmarkSources.Scenario> scenarios = new OnnxBenchmarkSources().scenarios(
                Map.of("family", "models/mini", "scenarios", "family", "prompts", "2"));
        try {
            BenchmarkSources.Scenario sc = scenarios.getFirst();
            EFTDecoder.Builder b = EFTDecoder.builder(sc.spec());
            sc.sources().forEach(b::source);
            EFTDecoder decoder = b.build();
            GenerationConfig plain = GenerationConfig.builder().maxNewTokens(24).sampling(SamplingConfig.greedyDecoding()).build();
            long rejected = 0;
            for (Prompt p : sc.prompts()) {
                assertTrue(p.idsFor("small-ft").length > p.idsFor("large-base").length, "Q/A prompt is the longer one");
                GenerationResult a = decoder.generate(p, plain);
                GenerationResult s = decoder.generate(p, plain.withSpeculative(SpeculativeConfig.adaptive(6)));
                assertArrayEquals(a.tokens(), s.tokens());
                rejected += s.speculative().draftsProposed() - s.speculative().draftsAccepted();
            }
            assertTrue(rejected > 0, "expected rejected drafts");
        } finally {
            scenarios.forEach(sc -> sc.onClose().run());
        }
    }

    @Test
    void benchmarkMainRunsTheOnnxFactory() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        SpeculativeBenchmark.run(SpeculativeBenchmark.parse(new String[] {
            "--factory", OnnxBenchmarkSources.class.getName(), "--graphs", TINY.get("graphs"), "--scenarios", "tiny-mixed",
            "--prompts", "2", "--tokens", "10", "--rounds", "1"}), new PrintStream(buf, true, StandardCharsets.UTF_8));
        String report = buf.toString(StandardCharsets.UTF_8);
        assertTrue(report.contains("llama_gqa: "), report); // measured cost per pass
        List<String> rows = report.lines().filter(l -> l.startsWith("| tiny-mixed")).toList();
        assertEquals(2, rows.size(), report);
        assertTrue(rows.get(0).contains("| greedy | 10 |") && rows.get(0).endsWith("| yes |"), report);
    }
}
