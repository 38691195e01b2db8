package io.github.eft4j.examples.cli;

import static io.github.eft4j.examples.cli.CliUsageTest.assertOneLineError;
import static io.github.eft4j.examples.cli.CliUsageTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.examples.cli.CliUsageTest.Run;
import io.github.eft4j.onnx.ModelFolder;
import io.github.eft4j.tokenizer.EncodeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end runs of the command line on the embedded mini family (models/mini). */
class CliFamilyTest {
    static final Path FAMILY = Path.of("models/mini").toAbsolutePath();

    @Test
    void upscaleStreamsTextAndSaysWhatEachSourceSaw() {
        Run r = run("upscale", "--max-tokens", "12");
        assertEquals(0, r.code(), r.err());
        assertFalse(r.out().isBlank(), "no text streamed");
        assertTrue(r.err().contains("eft4j: loading large-base"), r.err());
        assertTrue(r.err().contains("eft4j: upscale, up-scaling: large-base + small-ft − small-base"), r.err());
        assertTrue(r.err().contains("large-base, small-base see (mini-prose, 8 tokens): \"The word \\\"alight\\\" means\""), r.err());
        assertTrue(r.err().contains("small-ft sees (qa, 14 tokens): \"Q: What does \\\"alight\\\" mean?\\nA:\""), r.err());
        for (String c : List.of("large-base", "small-ft", "small-base")) {
            assertTrue(r.err().contains("eft4j:   " + c), "per-source forward time of " + c + ": " + r.err());
        }
    }

    @Test
    void aCustomPromptGivesTheBaseModelsTheLibraryBuiltBasePrompt() {
        // Before: --base-prompt defaulted to the raw --prompt, so the default question typed out
        // gave other text than the default (and 'What does "bank" mean?' printed " a an.").
        Run dflt = run("upscale", "--max-tokens", "16");
        Run typed = run("upscale", "--max-tokens", "16", "--prompt", "What does \"alight\" mean?");
        assertEquals(0, typed.code(), typed.err());
        assertEquals(dflt.out(), typed.out());
        Run bank = run("upscale", "--max-tokens", "16", "--prompt", "What does \"bank\" mean?");
        assertTrue(bank.err().contains("large-base, small-base see (mini-prose, 8 tokens): \"The word \\\"bank\\\" means\""), bank.err());
        assertNotEquals(" a an.\n", bank.out());
        Run own = run("upscale", "--max-tokens", "4", "--prompt", "What does \"bank\" mean?", "--base-prompt", "Bank:");
        assertTrue(own.err().contains("large-base, small-base see (base-prompt, 4 tokens): \"Bank:\""), own.err());
        Run plain = run("upscale", "--max-tokens", "4", "--prompt", "What does \"bank\" mean?", "--base-format", "plain");
        assertTrue(plain.err().contains("large-base, small-base see (plain, ") && plain.err().contains(" tokens): \"What does \\\"bank\\\" mean?\""),
                plain.err());
    }

    @Test
    void theFirstTimingLineSeparatesPrefillWarmUpAndSteadyDecode() {
        Run r = run("upscale", "--max-tokens", "10", "--prompt", "What does \"harbor\" mean?");
        assertEquals(0, r.code(), r.err());
        Matcher m = Pattern.compile("eft4j: (\\d+) tokens \\(greedy; finish: [a-z ]+\\): prefill [0-9.]+ ms, warm-up [0-9.]+ ms "
                + "\\(first (\\d) tokens?\\)(, steady decode (\\d+) tokens in [0-9.]+ s = [0-9.]+ tokens/s|, steady decode: none.*)").matcher(r.err());
        assertTrue(m.find(), r.err());
        int n = Integer.parseInt(m.group(1));
        if (n > Commands.WARMUP_TOKENS) {
            assertEquals(n - Commands.WARMUP_TOKENS, Integer.parseInt(m.group(4)), r.err());
        }
    }

    @Test
    void repetitionPenaltyAppliesToGreedyDecodingAndIsReported() {
        String[] base = {"generate", "--model", FAMILY.resolve("small-base").toString(), "--plain", "--base-prompt", "Dictionary entry:",
                "--max-tokens", "40"};
        Run plain = run(base);
        Run penalized = run(concat(base, "--repetition-penalty", "1.3"));
        assertEquals(0, penalized.code(), penalized.err());
        assertTrue(penalized.err().contains("(greedy, repetition penalty 1.3;"), penalized.err());
        assertNotEquals(plain.out(), penalized.out(), "the penalty changes the greedy text");
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
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
        assertTrue(a.err().contains("sampled, seed 42"), a.err());
    }

    @Test
    void everyFormRuns() {
        for (String[] form : List.of(new String[] {"--scale-delta", "1.5"}, new String[] {"--behaviour-delta", "1.5"},
                new String[] {"--lambda", "0.3"}, new String[] {"--conservative", "0.9", "--conservative-keep"})) {
            Run r = run(concat(new String[] {"upscale", "--max-tokens", "8"}, form));
            assertEquals(0, r.code(), r.err());
        }
        assertTrue(run("upscale", "--scale-delta", "1.5", "--max-tokens", "2").err()
                .contains("scale-delta β=1.5: small-ft + 1.5·large-base − 1.5·small-base"));
        assertTrue(run("upscale", "--behaviour-delta", "0.5", "--max-tokens", "2").err()
                .contains("behaviour-delta β=0.5: large-base + 0.5·small-ft − 0.5·small-base"));
        Run l = run("upscale", "--lambda", "0.3", "--max-tokens", "2");
        assertTrue(l.err().contains("small-ft, small-ft2 sees") || l.err().contains("small-ft, small-ft2 see"), l.err());
        Run d = run("downscale", "--max-tokens", "8");
        assertEquals(0, d.code(), d.err());
        assertTrue(d.err().contains("down-scaling: small-base + large-ft − large-base"), d.err());
        Run g = run("generate", "--max-tokens", "8");
        assertEquals(0, g.code(), g.err());
        assertTrue(g.err().contains("model sees (qa,"), g.err());
    }

    @Test
    void scoreParsesSpecialTokensNamesTheCommandAndShowsThePrompts() {
        int[] parsed;
        int[] literal;
        try (ModelFolder f = ModelFolder.load(FAMILY.resolve("small-ft"))) {
            parsed = f.tokenizer().encode(" to come to rest, settle</s>", new EncodeOptions(false, true));
            literal = f.tokenizer().encode(" to come to rest, settle</s>", EncodeOptions.TEXT_ONLY);
        }
        assertEquals(2, parsed[parsed.length - 1], "</s> is the EOS id");
        Run s = run("score", "--text", " to come to rest, settle</s>");
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("continuation (" + parsed.length + " tokens, special tokens parsed)"), s.out());
        assertTrue(s.out().contains("\nupscale "), "the row is named after the command: " + s.out());
        assertFalse(s.out().contains("eft-upscale"), s.out());
        assertTrue(s.out().contains("small-ft sees (qa, 14 tokens): \"Q: What does \\\"alight\\\" mean?\\nA:\""), s.out());
        assertTrue(s.out().contains("large-base, small-base see (mini-prose, 8 tokens)"), s.out());
        Run lit = run("score", "--text", " to come to rest, settle</s>", "--text-literal");
        assertTrue(lit.out().contains("continuation (" + literal.length + " tokens, special-token text kept as characters)"), lit.out());
        assertTrue(literal.length > parsed.length + 2, "</s> as characters takes several tokens");
        Run b = run("score", "--behaviour-delta", "1.5");
        assertTrue(b.out().contains("\nupscale --behaviour-delta 1.5 "), b.out());
    }

    @Test
    void benchReportsWallAndCpuRatesInLabelledColumnsAndTakesRequestsFromAFile(@TempDir Path tmp) throws Exception {
        Path prompts = Files.writeString(tmp.resolve("requests.txt"), "# two requests\nWhat does \"harbor\" mean?\n\nWhat does \"lantern\" mean?\n");
        Run r = run("bench", "--rounds", "1", "--max-tokens", "4", "--prompts", prompts.toString());
        assertEquals(0, r.code(), r.err());
        String header = r.out().lines().filter(l -> l.startsWith("mode")).findFirst().orElseThrow();
        for (String col : List.of("wall tok/s", "CPU tok/s (thread)", "CPU tok/s (process)", "acceptance", "tokens/block")) {
            assertTrue(header.contains(col), header);
        }
        assertFalse(header.contains(" len "), header);
        assertTrue(r.out().startsWith("2 requests x 4 tokens"), r.out());
        assertTrue(r.out().contains("\"The word \\\"harbor\\\" means\""), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("speculative ")), r.out());
        Run llama = run("bench", "--rounds", "1", "--max-tokens", "2", "--prompts", prompts.toString(), "--chat-format", "falcon-instruct",
                "--base-format", "plain");
        assertTrue(llama.out().contains("small-ft sees (falcon-instruct"), llama.out());
        assertTrue(llama.out().contains("(plain, "), llama.out());
    }

    @Test
    void reproduceWritesIntoTheGivenFolderNotDocs(@TempDir Path tmp) throws Exception {
        Path docs = Path.of("docs/reproduction.md");
        String before = Files.exists(docs) ? Files.readString(docs) : null;
        Path out = tmp.resolve("r");
        Run r = run("reproduce", "--words", "2", "--max-tokens", "6", "--out-dir", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.readString(out.resolve("reproduction.md")).contains("| up-scaling | `upscale()` |"));
        assertTrue(r.out().contains("| behaviour-delta, β=1.5 | `behaviourDelta(1.5)` |"), r.out());
        assertTrue(r.out().contains("| scale-delta, β=1.5 | `scaleDelta(1.5)` |"), r.out());
        String svg = Files.readString(out.resolve("lambda-sweep.svg"));
        assertTrue(svg.contains("n = 2 held-out words") && svg.contains("exact match") && svg.contains("share of greedy answers"), svg);
        assertTrue(Files.size(out.resolve("lambda-sweep.png")) > 1000);
        assertEquals(before, Files.exists(docs) ? Files.readString(docs) : null, "docs/ untouched");
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
    void yourOwnFoldersGetPlainBasePromptsByDefault(@TempDir Path tmp) throws Exception {
        Path own = copyOf("small-base", tmp);
        Run r = run("upscale", "--small-base", own.toString(), "--large-base", copyOf("large-base", tmp).toString(), "--max-tokens", "2",
                "--prompt", "What does \"harbor\" mean?");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("large-base, small-base see (plain, 12 tokens): \"What does \\\"harbor\\\" mean?\""), r.err());
    }

    @Test
    void aFolderWithAChatTemplateGivesItsFineTunedSourceThatFormat(@TempDir Path tmp) throws Exception {
        Path ft = copyOf("small-ft", tmp);
        // the family's Q/A format as a Hugging Face chat template that writes BOS itself
        Files.writeString(ft.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"chat_template\": "
                + "\"{{ bos_token }}{% for m in messages %}Q: {{ m['content'] }}\\nA:{% endfor %}\"}");
        Run own = run("upscale", "--small-ft", ft.toString(), "--max-tokens", "12");
        assertEquals(0, own.code(), own.err());
        assertTrue(own.err().contains("small-ft sees (") && own.err().contains(", 14 tokens): \"<s>Q: What does \\\"alight\\\" mean?\\nA:\""),
                own.err());
        assertEquals(run("upscale", "--max-tokens", "12").out(), own.out(), "the same ids as the built-in qa format");
        Run named = run("upscale", "--small-ft", ft.toString(), "--max-tokens", "2", "--chat-format", "qa");
        assertTrue(named.err().contains("small-ft sees (qa, 14 tokens)"), named.err());
        assertOneLineError(run("upscale", "--chat-format", "folder", "--max-tokens", "2"), 2, "--chat-format folder:", "has no chat template");
    }

    @Test
    void missingTokenizerIsOneLine(@TempDir Path tmp) throws Exception {
        Path dir = copyOf("small-base", tmp);
        Files.delete(dir.resolve("tokenizer.json"));
        assertOneLineError(run("upscale", "--small-base", dir.toString()), 2, "no tokenizer.json in", dir.toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void upscalingTripleWithDifferentTokenizersNamesTheFirstDifferentId(@TempDir Path tmp) throws Exception {
        Path dir = copyOf("small-base", tmp);
        // swap the ids of two vocabulary entries: same size and merges, different token at id 600
        Map<String, Object> tok = TestJson.object(Files.readString(dir.resolve("tokenizer.json")));
        Map<String, Object> vocab = (Map<String, Object>) ((Map<String, Object>) tok.get("model")).get("vocab");
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
        Files.writeString(dir.resolve("tokenizer.json"), JsonText.write(tok));
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
