package io.github.eft4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.internal.json.Json;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shipped mini family through {@link ModelFolder}: the Java tokenizer gives the ids torch's
 * export script used, eft-onnx gives torch's last-row logits, and greedy decoding gives torch's
 * greedy ids ({@code golden.json}, written by tools/family/export.py).
 */
class MiniFamilyTest {
    static final Path FAMILY = Path.of("..", "models", "mini");

    @AfterEach
    void noLeaks() {
        assertEquals(0, NativeHandle.liveCount(), "live ORT objects after the test");
    }

    @ParameterizedTest
    @ValueSource(strings = {"small-base", "small-ft", "small-ft-hedge", "large-base", "large-ft"})
    void matchesTorchGolden(String model) throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> golden = (Map<String, Object>) Json.parse(Files.readString(FAMILY.resolve(model).resolve("golden.json")));
        try (ModelFolder f = ModelFolder.load(FAMILY.resolve(model))) {
            Tokenizer tok = f.tokenizer();
            int[] ids = tok.encode((String) golden.get("prompt"));
            assertArrayEquals(ints(golden.get("input_ids")), ids, "Java tokenizer vs the export script's ids");
            float[] row = new float[f.source().vocabSize()];
            try (DecodingState s = f.source().open(ids)) {
                s.copyLogits(row);
                List<?> expected = (List<?>) golden.get("last_logits");
                for (int v = 0; v < row.length; v++) {
                    double e = ((Number) expected.get(v)).doubleValue();
                    assertEquals(e, row[v], 1e-4 * Math.max(1, Math.abs(e)), "logit " + v);
                }
                int[] greedy = ints(golden.get("greedy_ids"));
                int[] got = new int[greedy.length];
                for (int i = 0; i < greedy.length; i++) {
                    s.copyLogits(row);
                    int best = 0;
                    for (int v = 1; v < row.length; v++) {
                        if (row[v] > row[best]) {
                            best = v;
                        }
                    }
                    got[i] = best;
                    s.append(best);
                }
                assertArrayEquals(greedy, got, "greedy ids vs torch");
                assertEquals(golden.get("greedy_text"), tok.decode(got, true));
            }
            assertEquals(List.of(2), f.generation().eosTokenIds());
            assertEquals(1, f.generation().bosTokenId().getAsInt());
            assertEquals("llama", f.configString("model_type").orElseThrow());
        }
    }

    @Test
    void familySharesOneTokenizer() {
        try (ModelFolder a = ModelFolder.load(FAMILY.resolve("large-base"));
             ModelFolder b = ModelFolder.load(FAMILY.resolve("small-ft"));
             ModelFolder c = ModelFolder.load(FAMILY.resolve("small-base"))) {
            ModelFolder.requireSameTokenizer(List.of(a, b, c));
        }
    }

    @Test
    void badFoldersAreNamed(@TempDir Path tmp) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFolder.load(tmp.resolve("none")));
        assertTrue(e.getMessage().contains("model folder not found"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelFolder.load(tmp));
        assertTrue(e.getMessage().contains("no model.onnx in " + tmp), e.getMessage());
        Files.createSymbolicLink(tmp.resolve("model.onnx"), FAMILY.resolve("small-ft").resolve("model.onnx").toAbsolutePath());
        e = assertThrows(IllegalArgumentException.class, () -> ModelFolder.load(tmp));
        assertTrue(e.getMessage().contains("no config.json in " + tmp), e.getMessage());
        Files.copy(FAMILY.resolve("small-ft").resolve("config.json"), tmp.resolve("config.json"));
        e = assertThrows(IllegalArgumentException.class, () -> ModelFolder.load(tmp));
        assertTrue(e.getMessage().contains("no tokenizer.json in " + tmp), e.getMessage());
        Files.writeString(tmp.resolve("tokenizer.json"), "{ not json");
        RuntimeException r = assertThrows(RuntimeException.class, () -> ModelFolder.load(tmp));
        assertTrue(r.getMessage().contains("tokenizer.json"), r.getMessage());
        Files.copy(FAMILY.resolve("small-ft").resolve("tokenizer.json"), tmp.resolve("tokenizer.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(tmp.resolve("config.json"), Files.readString(tmp.resolve("config.json")).replace("\"vocab_size\": 1024", "\"vocab_size\": 2048"));
        r = assertThrows(RuntimeException.class, () -> ModelFolder.load(tmp));
        assertTrue(r.getMessage().contains("2048") && r.getMessage().contains("1024"), r.getMessage());
    }

    private static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
    }
}
