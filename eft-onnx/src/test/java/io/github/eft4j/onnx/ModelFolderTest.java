package io.github.eft4j.onnx;

import static io.github.eft4j.onnx.TestGraphs.assertClose;
import static io.github.eft4j.onnx.TestGraphs.row;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.chat.ChatMessage;
import io.github.eft4j.chat.ChatTemplateException;
import io.github.eft4j.internal.json.Json;
import io.github.eft4j.model.DecodingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A Hugging Face onnx-community folder (graphs in {@code onnx/}, external data, fp16 and q4
 * variants side by side) through {@link ModelFolder}: one call loads and generates torch's greedy
 * ids; variants are listed, chosen and refused by name; config files are checked value by value.
 */
class ModelFolderTest {
    static final Path COMMUNITY = TestGraphs.dir().resolve("community");

    @TempDir
    Path tmp;

    @AfterEach
    void noLeaks() {
        TestGraphs.assertNoLeaks();
    }

    @Test
    void communityFolderLoadsInOneCallAndGenerates() throws IOException {
        Map<String, Object> golden = golden();
        try (ModelFolder f = ModelFolder.load(COMMUNITY)) {
            assertEquals(COMMUNITY.resolve("onnx").resolve("model.onnx"), f.modelFile(), "fp32 first");
            assertSame(f.config(), f.source().config(), "config.json read once and handed to the source");
            assertEquals(1024, f.config().vocabSize().getAsInt());
            assertEquals(List.of(2), f.generation().eosTokenIds());
            assertEquals(1, f.generation().bosTokenId().getAsInt());
            assertEquals(3, f.generation().padTokenId().getAsInt());
            assertEquals(Optional.of(false), f.generation().doSample());
            assertEquals(16, f.generation().maxNewTokens().getAsInt());
            int[] greedy = greedy(f, ints(golden.get("prompt_ids")), 8);
            assertArrayEquals(ints(golden.get("greedy_ids")), greedy, "greedy ids vs torch float64");
            assertFalse(f.tokenizer().decode(greedy).isEmpty());
        }
    }

    @Test
    void chatTemplateComesFromTokenizerConfig() {
        try (ModelFolder f = ModelFolder.loader(COMMUNITY).options(p -> OnnxOptions.builder(p).threads(1).build()).load()) {
            assertEquals(Optional.of("</s>"), f.tokenizerConfig().map(c -> c.eosToken()));
            String prompt = f.chatTemplate().orElseThrow().render(List.of(ChatMessage.user("What is EFT?")), true);
            assertEquals("<|user|>\nWhat is EFT?\n<|assistant|>\n", prompt);
        }
    }

    @Test
    void chatTemplateJinjaFileWinsAndBrokenTemplatesNameTheirFile() throws IOException {
        Path dir = copyOfCommunity();
        Files.writeString(dir.resolve("chat_template.jinja"), "{{ messages[0]['content'] | upper }}");
        try (ModelFolder f = ModelFolder.loader(dir).options(p -> OnnxOptions.builder(p).threads(1).build()).load()) {
            assertEquals("HI", f.chatTemplate().orElseThrow().render(List.of(ChatMessage.user("hi")), false));
        }
        Files.writeString(dir.resolve("chat_template.jinja"), "{% include 'other.jinja' %}");
        try (ModelFolder f = ModelFolder.loader(dir).options(p -> OnnxOptions.builder(p).threads(1).build()).load()) {
            ChatTemplateException e = assertThrows(ChatTemplateException.class, f::chatTemplate);
            assertTrue(e.getMessage().startsWith(dir.resolve("chat_template.jinja") + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("include"), e.getMessage());
        }
        Files.delete(dir.resolve("chat_template.jinja"));
        Files.delete(dir.resolve("tokenizer_config.json"));
        try (ModelFolder f = ModelFolder.loader(dir).options(p -> OnnxOptions.builder(p).threads(1).build()).load()) {
            assertEquals(Optional.empty(), f.chatTemplate(), "a folder without a template (a base model)");
        }
    }

    private Path copyOfCommunity() throws IOException {
        Path dir = tmp.resolve("community-copy");
        try (var files = Files.walk(COMMUNITY)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path q = dir.resolve(COMMUNITY.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q);
                }
            }
        }
        return dir;
    }

    @Test
    void variantsAreListedInTheDefaultOrder() {
        Map<String, Path> v = ModelFolder.variants(COMMUNITY);
        assertEquals(List.of("fp32", "fp16", "q4"), List.copyOf(v.keySet()));
        assertEquals(COMMUNITY.resolve("onnx").resolve("model_q4.onnx"), v.get("q4"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"q4, model_q4.onnx", "model_q4.onnx, model_q4.onnx", "fp16, model_fp16.onnx", "fp32, model.onnx"})
    void explicitVariant(String variant, String file) throws IOException {
        try (ModelFolder f = ModelFolder.loader(COMMUNITY).variant(variant)
                .options(p -> OnnxOptions.builder(p).threads(1).build()).load()) {
            assertEquals(file, f.modelFile().getFileName().toString());
            if (file.equals("model_q4.onnx")) { // generates its own dequantized reference's greedy ids
                assertArrayEquals(ints(golden().get("greedy_ids_q4")), greedy(f, ints(golden().get("prompt_ids")), 8));
            }
            TestGraphs.Golden g = TestGraphs.golden("community/onnx/" + file);
            try (DecodingState s = f.source().open(g.tokens())) {
                assertClose(g.logits()[g.tokens().length - 1], row(s.logits()),
                        TestGraphs.tolerance(file), variant + " vs its float64 reference");
            }
        }
    }

    @Test
    void unknownVariantListsThoseFound() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelFolder.loader(COMMUNITY).variant("q8").load());
        assertTrue(e.getMessage().contains("variant 'q8' not found") && e.getMessage().contains(
                "fp32 (model.onnx), fp16 (model_fp16.onnx), q4 (model_q4.onnx)"), e.getMessage());
    }

    @Test
    void configAndGraphDisagreeOnKvHeadsLogsAndUsesTheGraph() throws IOException {
        Path dir = copyCommunity();
        edit(dir.resolve("config.json"), "\"num_key_value_heads\": 2", "\"num_key_value_heads\": 4");
        List<String> logged;
        try (ModelFolder f = ModelFolder.load(dir)) {
            assertEquals(2, f.source().layout().kvHeads());
            assertEquals(4, f.config().numKvHeads().getAsInt());
            logged = f.source().configDifferences();
        }
        assertTrue(logged.stream().anyMatch(m -> m.contains("num_key_value_heads 4") && m.contains("2 KV heads")
                && m.contains("using the graph")), logged.toString());
    }

    @Test
    void vocabularyDisagreementIsAnError() throws IOException {
        Path dir = copyCommunity();
        edit(dir.resolve("config.json"), "\"vocab_size\": 1024", "\"vocab_size\": 1000");
        RuntimeException e = assertThrows(RuntimeException.class, () -> ModelFolder.load(dir));
        assertTrue(e.getMessage().contains("1024") && e.getMessage().contains("1000")
                && e.getMessage().contains("config.json"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "\"eos_token_id\": [2, 5000]     | eos_token_id 5000 outside the model's vocabulary [0, 1024)",
        "\"eos_token_id\": 1024          | eos_token_id 1024 outside the model's vocabulary [0, 1024)",
        "\"pad_token_id\": 4096          | pad_token_id 4096 outside",
        "\"bos_token_id\": 2e3           | \"bos_token_id\" is 2000.0, expected an integer in [0, 2147483647]",
        "\"eos_token_id\": [2, \"x\"]    | \"eos_token_id[1]\" is \"x\", expected an integer",
        "\"top_p\": 1.5                  | \"top_p\" is 1.5, expected a number in [0, 1]",
        "\"temperature\": -0.5           | \"temperature\" is -0.5, expected a number in [0,",
        "\"top_k\": 40.5                 | \"top_k\" is 40.5, expected an integer in [0, 2147483647]",
        "\"max_new_tokens\": 1e4         | \"max_new_tokens\" is 10000.0, expected an integer",
        "\"repetition_penalty\": 0       | \"repetition_penalty\" is 0, expected a number in (0,",
        "\"do_sample\": \"yes\"          | \"do_sample\" is \"yes\", expected true or false"})
    void badGenerationConfig(String field, String message) throws IOException {
        Path dir = copyCommunity();
        Files.writeString(dir.resolve("generation_config.json"), "{" + field + "}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFolder.load(dir));
        assertTrue(e.getMessage().contains("generation_config.json") && e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void missingExternalDataNamesTheFile() throws IOException {
        Path dir = copyCommunity();
        Files.delete(dir.resolve("onnx").resolve("model.onnx_data"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFolder.load(dir));
        assertTrue(e.getMessage().contains("'model.onnx_data'") && e.getMessage().contains("does not exist"),
                e.getMessage());
        try (ModelFolder f = ModelFolder.loader(dir).variant("fp16").load()) { // single-file variants still load
            assertEquals(1024, f.source().vocabSize());
        }
    }

    private static int[] greedy(ModelFolder f, int[] prompt, int n) {
        int[] out = new int[n];
        try (DecodingState s = f.source().open(prompt)) {
            for (int i = 0; i < n; i++) {
                float[] r = row(s.logits());
                int best = 0;
                for (int v = 1; v < r.length; v++) {
                    if (r[v] > r[best]) {
                        best = v;
                    }
                }
                out[i] = best;
                s.append(best);
            }
        }
        return out;
    }

    private Path copyCommunity() throws IOException {
        Path dir = tmp.resolve("community");
        try (Stream<Path> files = Files.walk(COMMUNITY)) {
            for (Path p : files.toList()) {
                Path to = dir.resolve(COMMUNITY.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        return dir;
    }

    private static void edit(Path file, String from, String to) throws IOException {
        String s = Files.readString(file);
        assertTrue(s.contains(from), file + " lacks " + from);
        Files.writeString(file, s.replace(from, to));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> golden() throws IOException {
        return (Map<String, Object>) Json.parse(Files.readString(COMMUNITY.resolve("golden.json")));
    }

    private static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
    }
}
