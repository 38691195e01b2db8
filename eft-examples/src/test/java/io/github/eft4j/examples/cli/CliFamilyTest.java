package io.github.eft4j.examples.cli;

import static io.github.eft4j.examples.cli.CliUsageTest.assertOneLineError;
import static io.github.eft4j.examples.cli.CliUsageTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.examples.cli.CliUsageTest.Run;
import io.github.eft4j.internal.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end runs of the command line on the embedded mini family (models/mini). */
class CliFamilyTest {
    static final Path FAMILY = Path.of("models/mini").toAbsolutePath();

    @Test
    void upscaleStreamsTextAndReportsSpeedAndWritesTheTrace(@TempDir Path tmp) throws Exception {
        Path trace = tmp.resolve("t.jsonl");
        Run r = run("upscale", "--max-tokens", "12", "--trace", trace.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(r.out().isBlank(), "no text streamed");
        assertTrue(r.err().contains("eft4j: loading large-base"), r.err());
        assertTrue(r.err().contains("tokens/s"), r.err());
        for (String c : List.of("large-base", "small-ft", "small-base")) {
            assertTrue(r.err().contains("eft4j:   " + c), "per-source forward time of " + c + ": " + r.err());
        }
        List<String> lines = Files.readAllLines(trace);
        assertFalse(lines.isEmpty());
        for (String line : lines) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) Json.parse(line);
            assertTrue(m.keySet().containsAll(List.of("position", "token", "text", "component_logprobs", "combined_logprob",
                    "implicit_reward", "origin")), line);
            assertEquals("sampled", m.get("origin"));
        }
    }

    @Test
    void speculativeGreedyPrintsTheSameTextAsPlainGreedy(@TempDir Path tmp) throws Exception {
        for (String word : List.of("harbor", "lantern", "quarrel")) {
            String prompt = "What does \"" + word + "\" mean?";
            Run plain = run("upscale", "--prompt", prompt, "--max-tokens", "20");
            Path trace = tmp.resolve(word + ".jsonl");
            Run spec = run("upscale", "--prompt", prompt, "--max-tokens", "20", "--speculative", "--trace", trace.toString());
            assertEquals(0, spec.code(), spec.err());
            assertEquals(plain.out(), spec.out(), "speculative greedy must equal plain greedy");
            assertTrue(spec.err().contains("speculative:"), spec.err());
            String all = Files.readString(trace);
            assertTrue(all.contains("\"origin\":\"accepted_draft\"") || all.contains("\"origin\":\"resampled\"")
                    || all.contains("\"origin\":\"bonus\""), all);
        }
    }

    @Test
    void samplingIsReproducibleWithASeed() {
        Run a = run("upscale", "--temperature", "0.9", "--top-p", "0.95", "--seed", "42", "--max-tokens", "16");
        Run b = run("upscale", "--temperature", "0.9", "--top-p", "0.95", "--seed", "42", "--max-tokens", "16", "--speculative", "3");
        Run c = run("upscale", "--temperature", "0.9", "--top-p", "0.95", "--seed", "42", "--max-tokens", "16");
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        assertEquals(a.out(), c.out());
        assertTrue(a.err().contains("seed 42"), a.err());
    }

    @Test
    void betaLambdaConservativeGenerateAndScoreRun() {
        assertEquals(0, run("upscale", "--beta", "1.5", "--max-tokens", "8").code());
        Run l = run("upscale", "--lambda", "0.3", "--max-tokens", "8");
        assertEquals(0, l.code(), l.err());
        assertTrue(l.err().contains("small-ft2"), l.err());
        assertEquals(0, run("upscale", "--conservative", "0.9", "--conservative-keep", "--max-tokens", "8").code());
        Run g = run("generate", "--max-tokens", "8");
        assertEquals(0, g.code(), g.err());
        Run s = run("score", "--text", " a sheltered port");
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("eft-upscale") && s.out().contains("small-base"), s.out());
    }

    @Test
    void loneSurrogatesInThePromptAreReplacedNotFatal() {
        Run r = run("upscale", "--prompt", "What does \"\uD800x\" mean?", "--max-tokens", "4");
        assertEquals(0, r.code(), r.err());
    }

    /** A copy of a family folder whose files can be changed; model.onnx is linked, not copied. */
    static Path copyOf(String model, Path tmp) throws Exception {
        Path dst = Files.createDirectories(tmp.resolve(model));
        for (Path f : Files.newDirectoryStream(FAMILY.resolve(model))) {
            if (f.getFileName().toString().equals("model.onnx")) {
                Files.createSymbolicLink(dst.resolve("model.onnx"), f);
            } else {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        return dst;
    }

    @Test
    void missingTokenizerIsOneLine(@TempDir Path tmp) throws Exception {
        Path dir = copyOf("small-base", tmp);
        Files.delete(dir.resolve("tokenizer.json"));
        assertOneLineError(run("upscale", "--small-base", dir.toString()), 2, "no tokenizer.json in", dir.toString());
    }

    @Test
    void upscalingTripleWithDifferentTokenizersNamesTheFirstDifferentId(@TempDir Path tmp) throws Exception {
        Path dir = copyOf("small-base", tmp);
        // swap the ids of two vocabulary entries: same size and merges, different token at id 600
        @SuppressWarnings("unchecked")
        Map<String, Object> tok = new java.util.LinkedHashMap<>((Map<String, Object>) Json.parse(Files.readString(dir.resolve("tokenizer.json"))));
        @SuppressWarnings("unchecked")
        Map<String, Object> model = new java.util.LinkedHashMap<>((Map<String, Object>) tok.get("model"));
        @SuppressWarnings("unchecked")
        Map<String, Object> vocab = new java.util.LinkedHashMap<>((Map<String, Object>) model.get("vocab"));
        String a = null;
        String b = null;
        for (Map.Entry<String, Object> e : vocab.entrySet()) {
            if (((Number) e.getValue()).intValue() == 600) {
                a = e.getKey();
            } else if (((Number) e.getValue()).intValue() == 601) {
                b = e.getKey();
            }
        }
        vocab.put(a, 601L);
        vocab.put(b, 600L);
        model.put("vocab", vocab);
        tok.put("model", model);
        Files.writeString(dir.resolve("tokenizer.json"), Json.write(tok));
        assertOneLineError(run("upscale", "--small-base", dir.toString()), 2, "tokenizers differ at id 600");
    }

    @Test
    void unknownTokenizerModelTypeIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = copyOf("small-ft", tmp);
        String json = Files.readString(dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer.json"), json.replaceFirst("\"type\"\\s*:\\s*\"BPE\"", "\"type\":\"WordPiece\""));
        Run r = run("generate", "--model", dir.toString());
        assertTrue(r.code() != 0, r.err());
        assertOneLineError(r, r.code(), "WordPiece");
    }

    @Test
    void tokenizerLargerThanTheModelIsRejected(@TempDir Path tmp) throws Exception {
        Path dir = copyOf("small-ft", tmp);
        String json = Files.readString(dir.resolve("tokenizer.json"));
        String extra = "\"added_tokens\": [{\"id\": 99999, \"content\": \"<extra>\", \"single_word\": false, \"lstrip\": false, "
                + "\"rstrip\": false, \"normalized\": false, \"special\": true}, ";
        String changed = json.replaceFirst("\"added_tokens\"\\s*:\\s*\\[", java.util.regex.Matcher.quoteReplacement(extra));
        assertFalse(changed.equals(json));
        Files.writeString(dir.resolve("tokenizer.json"), changed);
        assertOneLineError(run("generate", "--model", dir.toString()), 2, "logits per row");
    }
}
