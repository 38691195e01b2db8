package io.github.eft4j.examples.cli;

import static io.github.eft4j.examples.cli.CliUsageTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.examples.cli.CliUsageTest.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real {@code --trace} files validated against {@code docs/trace.schema.json}, and what their fields mean. */
class TraceSchemaTest {
    static SchemaValidator schema;

    @BeforeAll
    static void loadSchema() throws Exception {
        schema = new SchemaValidator(TestJson.object(Files.readString(Path.of("docs/trace.schema.json"))));
    }

    static List<Map<String, Object>> trace(Path file, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--trace");
        all.add(file.toString());
        Run r = run(all.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        List<Map<String, Object>> records = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            Map<String, Object> m = TestJson.object(line);
            assertEquals(List.of(), schema.validate(m), line);
            records.add(m);
        }
        assertEquals("header", records.getFirst().get("record"));
        assertEquals("end", records.getLast().get("record"));
        for (Map<String, Object> m : records.subList(1, records.size() - 1)) {
            assertEquals("token", m.get("record"));
        }
        return records;
    }

    @SuppressWarnings("unchecked")
    static <T> T at(Object o, Object... path) {
        for (Object p : path) {
            o = p instanceof Integer i ? ((List<Object>) o).get(i) : ((Map<String, Object>) o).get(p);
        }
        return (T) o;
    }

    @Test
    void aGreedyUpscaleTraceHasTheHeaderAndGreedyTokens(@TempDir Path tmp) throws Exception {
        List<Map<String, Object>> t = trace(tmp.resolve("t.jsonl"), "upscale", "--behaviour-delta", "1.5", "--max-tokens", "8");
        Map<String, Object> h = t.getFirst();
        assertEquals("behaviour-delta", at(h, "spec", "form"));
        assertEquals(1.5, ((Number) at(h, "spec", "parameter", "value")).doubleValue());
        assertEquals("large-base + β·(small-ft − small-base)", at(h, "spec", "formula"));
        assertEquals(Boolean.FALSE, at(h, "spec", "components", 0, "in_delta"));
        assertEquals("mini-prose", at(h, "prompts", 0, "format"));
        assertEquals("Q: What does \"alight\" mean?\nA:", at(h, "prompts", 1, "text"));
        assertEquals("greedy", at(h, "sampling", "mode"));
        assertNull(h.get("seed"));
        String sha = at(h, "models", 0, "files", 0, "sha256");
        assertEquals(TraceWriter.sha256(Path.of("models/mini/large-base/model.onnx")), sha);
        assertFalse(((String) h.get("eft4j_version")).isBlank());
        for (Map<String, Object> tok : t.subList(1, t.size() - 1)) {
            assertEquals("greedy", tok.get("origin"));
            double sft = ((Number) at(tok, "component_logprobs", "small-ft")).doubleValue();
            double sb = ((Number) at(tok, "component_logprobs", "small-base")).doubleValue();
            assertEquals(1.5 * (sft - sb), ((Number) tok.get("implicit_reward")).doubleValue(), 1e-4, "β(small-ft − small-base)");
        }
        StringBuilder text = new StringBuilder();
        for (Map<String, Object> tok : t.subList(1, t.size() - 1)) {
            text.append((String) tok.get("text"));
        }
        assertEquals(((String) t.getLast().get("text")).strip(), text.toString().replace("</s>", "").strip());
    }

    @Test
    void aSampledTraceRecordsTheSeedAndSampledTokens(@TempDir Path tmp) throws Exception {
        List<Map<String, Object>> t = trace(tmp.resolve("s.jsonl"), "upscale", "--temperature", "0.8", "--max-tokens", "6");
        Map<String, Object> h = t.getFirst();
        assertEquals("sample", at(h, "sampling", "mode"));
        assertTrue(h.get("seed") instanceof Long, "the drawn seed is recorded: " + h.get("seed"));
        assertEquals("sampled", t.get(1).get("origin"));
    }

    @Test
    void aSpeculativeTraceValidates(@TempDir Path tmp) throws Exception {
        List<Map<String, Object>> t = trace(tmp.resolve("k.jsonl"), "upscale", "--speculative", "3", "--max-tokens", "12",
                "--prompt", "What does \"harbor\" mean?");
        assertEquals("small-ft", at(t.getFirst(), "speculative", "draft_component"));
        assertTrue(t.getLast().containsKey("speculative"));
    }

    @Test
    void aSingleModelHasNoImplicitReward(@TempDir Path tmp) throws Exception {
        // before: generate wrote implicit_reward 0.0, which reads as "no preference"
        List<Map<String, Object>> t = trace(tmp.resolve("g.jsonl"), "generate", "--max-tokens", "4");
        assertEquals("custom", at(t.getFirst(), "spec", "form"));
        for (Map<String, Object> tok : t.subList(1, t.size() - 1)) {
            assertTrue(tok.containsKey("implicit_reward"));
            assertNull(tok.get("implicit_reward"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theValidatorRejectsWhatTheSchemaForbids(@TempDir Path tmp) throws Exception {
        List<Map<String, Object>> t = trace(tmp.resolve("v.jsonl"), "upscale", "--max-tokens", "2");
        Map<String, Object> tok = new LinkedHashMap<>(t.get(1));
        Map<String, Object> missing = new LinkedHashMap<>(tok);
        missing.remove("combined_logprob");
        assertFalse(schema.validate(missing).isEmpty(), "a missing field");
        Map<String, Object> extra = new LinkedHashMap<>(tok);
        extra.put("surprise", 1L);
        assertFalse(schema.validate(extra).isEmpty(), "an unknown field");
        Map<String, Object> origin = new LinkedHashMap<>(tok);
        origin.put("origin", "SAMPLED");
        assertFalse(schema.validate(origin).isEmpty(), "an origin outside the enum");
        Map<String, Object> type = new LinkedHashMap<>(tok);
        type.put("position", "0");
        assertFalse(schema.validate(type).isEmpty(), "a string for an integer");
        Map<String, Object> header = new LinkedHashMap<>(t.getFirst());
        List<Object> models = new ArrayList<>((List<Object>) header.get("models"));
        Map<String, Object> m0 = new LinkedHashMap<>((Map<String, Object>) models.getFirst());
        List<Object> files = new ArrayList<>((List<Object>) m0.get("files"));
        Map<String, Object> f0 = new LinkedHashMap<>((Map<String, Object>) files.getFirst());
        f0.put("sha256", "not-a-digest");
        files.set(0, f0);
        m0.put("files", files);
        models.set(0, m0);
        header.put("models", models);
        assertFalse(schema.validate(header).isEmpty(), "a bad checksum");
        assertThrows(IllegalStateException.class, () -> new SchemaValidator(Map.of("maxLength", 3L)).validate("x"),
                "a keyword the validator does not implement is refused, not skipped");
    }
}
