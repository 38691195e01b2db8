package io.github.eft4j.examples.cli;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.decoder.ScoreResult;
import io.github.eft4j.decoder.SpeculativeConfig;
import io.github.eft4j.decoder.SpeculativeStats;
import io.github.eft4j.decoder.TokenTrace;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.decoder.ScoreResult;
import io.github.eft4j.decoder.SpeculativeConfig;
import io.github.eft4j.decoder.SpeculativeStats;
import io.github.eft4j.decoder.TokenTrace;
import io.github.eft4j.chat.ChatFormat;
import io.github.eft4j.examples.cli.Eft4jCli.Command;
import io.github.eft4j.onnx.ExecutionProvider;
import io.github.eft4j.onnx.ModelFolder;
import io.github.eft4j.onnx.OnnxOptions;
import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.tokenizer.EncodeOptions;
import io.github.eft4j.tokenizer.StreamingDetokenizer;
import io.github.eft4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The subcommands of {@link Eft4jCli}. */
final class Commands {
    private Commands() {
    }

    /** The embedded mini family: {@code $eft4j.home/models/mini}, else {@code ./models/mini}. */
    static Path family() {
        String home = System.getProperty("eft4j.home");
        return (home == null ? Path.of("") : Path.of(home)).toAbsolutePath().resolve("models").resolve("mini");
    }

    static final String DEFAULT_QUESTION = "What does \"alight\" mean?";
    /** The base models' default prompt with the default question: the family's pre-training phrasing. */
    static final String DEFAULT_BASE_PROMPT = "The word \"alight\" means";

    // ---- option groups shared by several commands

    static OptionSpec sampling(OptionSpec s) {
        return s.option("max-tokens", "N", "maximum number of new tokens", "48")
                .option("temperature", "T", "sampling temperature (> 0)", "1.0")
                .option("top-p", "P", "nucleus sampling mass in (0, 1]", "1.0")
                .option("top-k", "K", "keep the K most likely tokens (0 = off)", "0")
                .option("min-p", "P", "drop tokens below P times the top probability", "0")
                .option("repetition-penalty", "R", "HF repetition penalty (1 = off)", "1.0")
                .flag("greedy", "greedy decoding (the default unless a sampling option or --sample is given)")
                .flag("sample", "sample instead of greedy decoding")
                .option("seed", "S", "random seed (sampling)", "random")
                .option("trace", "FILE", "write the per-token trace as JSON lines", null)
                .option("threads", "N", "intra-op threads per model (0 = shared pool)", "0")
                .flag("cuda", "run on CUDA device 0, falling back to CPU with a warning")
                .flag("cuda-strict", "run on CUDA device 0 and fail if CUDA cannot be used");
    }

    static OptionSpec prompts(OptionSpec s) {
        return s.option("prompt", "TEXT", "the user's request", "'" + DEFAULT_QUESTION + "'")
                .option("system", "TEXT", "system prompt for chat formats", null)
                .option("chat-format", "NAME", "fine-tuned models' format: qa | llama2 | falcon | plain | a template with {user}", "qa")
                .option("base-prompt", "TEXT", "plain prompt for base models", "the --prompt text; without --prompt '" + DEFAULT_BASE_PROMPT + "'");
    }

    static String basePrompt(OptionSpec.Parsed a, String user) {
        return a.string("base-prompt", a.has("prompt") ? user : DEFAULT_BASE_PROMPT);
    }

    static SamplingConfig samplingConfig(OptionSpec.Parsed a) {
        boolean wantsSampling = a.flag("sample") || a.has("temperature") || a.has("top-p") || a.has("top-k") || a.has("min-p");
        if (a.flag("greedy") && wantsSampling) {
            throw new UsageException("--greedy conflicts with --sample/--temperature/--top-p/--top-k/--min-p");
        }
        // doubles as parsed: SamplingConfig refuses what float32 cannot hold, naming the value as given
        double penalty = a.number("repetition-penalty", 1.0, 0, true, 100);
        if (!wantsSampling) {
            return SamplingConfig.greedyDecoding().withRepetitionPenalty(penalty);
        }
        return SamplingConfig.sampling()
                .withTemperature(a.number("temperature", 1.0, 0, true, 100))
                .withTopP(a.number("top-p", 1.0, 0, true, 1))
                .withTopK(a.integer("top-k", 0, 0, Integer.MAX_VALUE))
                .withMinP(a.number("min-p", 0, 0, false, 1))
                .withRepetitionPenalty(penalty);
    }

    /** Loads model folders with progress on stderr and wraps each source in a timer. */
    static final class Models implements AutoCloseable {
        final Map<String, ModelFolder> folders = new LinkedHashMap<>();
        final Map<String, TimedLogitSource> timed = new LinkedHashMap<>();

        Models(Map<String, Path> dirs, OptionSpec.Parsed a, PrintStream err) {
            int threads = a.integer("threads", 0, 0, 1024);
            boolean cuda = a.flag("cuda") || a.flag("cuda-strict");
            // Every folder is checked before the first one loads: a typo in the last one fails at once.
            for (Map.Entry<String, Path> e : dirs.entrySet()) {
                Path dir = e.getValue();
                if (Files.exists(dir) && !Files.isDirectory(dir)) {
                    throw new UsageException("model folder for " + e.getKey() + " is a file, expected a folder: " + dir);
                }
                if (!Files.isDirectory(dir)) {
                    throw new UsageException("model folder for " + e.getKey() + " not found: " + dir
                            + (dir.startsWith(family()) ? " (the embedded family is missing; pass model folders explicitly)" : ""));
                }
            }
            boolean progressOpen = false;
            try {
                for (Map.Entry<String, Path> e : dirs.entrySet()) {
                    Path dir = e.getValue();
                    progressOpen = true;
                    err.printf(Locale.ROOT, "eft4j: loading %-11s %s ... ", e.getKey(), dir);
                    long t0 = System.nanoTime();
                    ModelFolder f = ModelFolder.load(dir, model -> {
                        OnnxOptions.Builder b = OnnxOptions.builder(model).threads(threads);
                        if (cuda) {
                            b.cuda(0).strict(a.flag("cuda-strict"));
                        }
                        return b.build();
                    });
                    folders.put(e.getKey(), f);
                    timed.put(e.getKey(), new TimedLogitSource(e.getKey(), f.source()));
                    err.printf(Locale.ROOT, "%.2f s (%s, vocab %d)%n", (System.nanoTime() - t0) / 1e9,
                            f.source().provider() == ExecutionProvider.CUDA ? "CUDA" : "CPU", f.source().vocabSize());
                    progressOpen = false;
                }
                ModelFolder.requireSameTokenizer(new ArrayList<>(folders.values()));
            } catch (RuntimeException ex) {
                if (progressOpen) {
                    err.println(); // end the "loading ..." line so that the error stands on its own line
                }
                close();
                throw ex;
            }
        }

        Tokenizer tokenizer() {
            return folders.values().iterator().next().tokenizer();
        }

        List<Integer> eos() {
            return folders.values().iterator().next().generation().eosTokenIds();
        }

        @Override
        public void close() {
            for (ModelFolder f : folders.values()) {
                f.close();
            }
        }
    }

    static int[] encode(Tokenizer tok, String text) {
        int[] ids = tok.encode(text, EncodeOptions.DEFAULT);
        if (ids.length == 0) {
            throw new UsageException("the prompt encodes to no tokens; give a non-empty --prompt");
        }
        return ids;
    }

    /**
     * A blank {@code --prompt} is a mistake (often an unset shell variable), not a request for
     * unconditional text: the tokenizer's BOS would make it "work" silently.
     */
    static void checkPrompt(OptionSpec.Parsed a) {
        if (a.has("prompt") && a.string("prompt", "").isBlank()) {
            throw new UsageException("--prompt is empty; give the request text, or omit --prompt for the default question");
        }
    }

    /** Checks the generation options before any model is loaded, so that usage errors come first. */
    static void preflight(OptionSpec.Parsed a) {
        checkPrompt(a);
        samplingConfig(a);
        a.integer("max-tokens", 48, 0, 1_000_000);
        a.longValue("seed", 0);
        a.integer("threads", 0, 0, 1024);
        a.outputFile("trace");
    }

    static GenerationConfig generationConfig(OptionSpec.Parsed a, Models m, SpeculativeConfig speculative) {
        GenerationConfig.Builder b = GenerationConfig.builder()
                .maxNewTokens(a.integer("max-tokens", 48, 0, 1_000_000))
                .sampling(samplingConfig(a))
                .trace(true);
        List<Integer> eos = m.eos();
        if (!eos.isEmpty()) {
            b.stopTokens(eos.stream().mapToInt(Integer::intValue).toArray());
        }
        if (a.has("seed")) {
            b.seed(a.longValue("seed", 0));
        }
        if (speculative != null) {
            b.speculative(speculative);
        }
        return b.build();
    }

    /** Runs one generation, streaming text to {@code out}, then prints statistics to {@code err}. */
    static GenerationResult runAndReport(EFTDecoder decoder, Prompt prompt, GenerationConfig cfg, Models m,
            OptionSpec.Parsed a, PrintStream out, PrintStream err) {
        Tokenizer tok = m.tokenizer();
        StreamingDetokenizer stream = tok.streamingDecoder(true);
        m.timed.values().forEach(TimedLogitSource::reset);
        long t0 = System.nanoTime();
        GenerationResult r = decoder.generate(prompt, cfg, (token, index) -> {
            out.print(stream.next(token));
            out.flush();
        });
        double secs = (System.nanoTime() - t0) / 1e9;
        out.print(stream.finish());
        out.println();
        err.printf(Locale.ROOT, "eft4j: %d tokens in %.3f s = %.1f tokens/s (finish: %s%s)%n", r.length(), secs,
                r.length() / Math.max(secs, 1e-9), r.finishReason(),
                cfg.sampling().greedy() ? ", greedy" : ", seed " + r.seed());
        for (TimedLogitSource s : m.timed.values()) {
            err.printf(Locale.ROOT, "eft4j:   %-11s %4d forward passes, %8.1f ms (%.2f ms/pass)%n", s.name(), s.forwardPasses(),
                    s.forwardSeconds() * 1e3, s.forwardSeconds() * 1e3 / Math.max(1, s.forwardPasses()));
        }
        SpeculativeStats st = r.speculative();
        if (st != null) {
            err.printf(Locale.ROOT, "eft4j:   speculative: %d blocks, acceptance %.3f, mean accepted length %.2f, %.2f tokens/block%n",
                    st.blocks(), st.acceptanceRate(), st.meanAcceptedLength(), st.tokensPerBlock());
        }
        Path trace = a.outputFile("trace");
        if (trace != null) {
            writeTrace(trace, decoder.spec(), r.trace(), tok);
            err.println("eft4j: trace written to " + trace);
        }
        return r;
    }

    static void writeTrace(Path file, EFTSpec spec, List<TokenTrace> trace, Tokenizer tok) {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (TokenTrace t : trace) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("position", (long) t.position());
                line.put("token", (long) t.token());
                line.put("text", tok.decode(new int[] {t.token()}, false));
                Map<String, Object> comps = new LinkedHashMap<>();
                for (int i = 0; i < spec.size(); i++) {
                    comps.put(spec.components().get(i).name(), finite(t.componentLogProb(i)));
                }
                line.put("component_logprobs", comps);
                line.put("combined_logprob", finite(t.combinedLogProb()));
                line.put("sampled_logprob", finite(t.sampledLogProb()));
                line.put("implicit_reward", finite(t.implicitReward()));
                line.put("origin", t.origin().name().toLowerCase(Locale.ROOT));
                if (t.rejectedDraft() >= 0) {
                    line.put("rejected_draft", (long) t.rejectedDraft());
                }
                w.write(io.github.eft4j.internal.json.Json.write(line));
                w.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write trace " + file + ": " + e.getMessage(), e);
        }
    }

    private static Object finite(float x) {
        // JSON has no -Infinity: a masked token's log-prob is written as null.
        return Float.isFinite(x) ? (Object) (double) x : null;
    }

    // ---- generate

    static final class Generate implements Command {
        @Override
        public String summary() {
            return "generate with one model";
        }

        @Override
        public OptionSpec options() {
            return sampling(prompts(new OptionSpec("generate", "Generates with one model folder (default: the embedded large fine-tuned model).")
                    .option("model", "DIR", "model folder", "<family>/large-ft")
                    .flag("plain", "give the model the plain prompt instead of the chat format")));
        }

        @Override
        public int run(OptionSpec.Parsed a, PrintStream out, PrintStream err) {
            Path dir = a.has("model") ? Path.of(a.string("model", null)) : family().resolve("large-ft");
            String user = a.string("prompt", DEFAULT_QUESTION);
            EFTSpec spec = EFTSpec.of("model", 1.0);
            ChatFormat fmt = ChatPrompts.format(a.string("chat-format", "qa"), a.string("system", null));
            preflight(a);
            try (Models m = new Models(Map.of("model", dir), a, err)) {
                int[] ids = a.flag("plain") ? encode(m.tokenizer(), basePrompt(a, user))
                        : ChatPrompts.encode(m.tokenizer(), fmt, a.string("system", null), user);
                Prompt prompt = Prompt.of(ids);
                EFTDecoder d = EFTDecoder.builder(spec).source("model", m.timed.get("model")).build();
                runAndReport(d, prompt, generationConfig(a, m, null), m, a, out, err);
            }
            return Eft4jCli.OK;
        }
    }

    // ---- upscale

    static final class Upscale implements Command {
        @Override
        public String summary() {
            return "EFT up-scaling: large base + (small fine-tuned - small base)";
        }

        @Override
        public OptionSpec options() {
            return sampling(prompts(new OptionSpec("upscale",
                    "Emulates fine-tuning the large base model: large-base + beta (small-ft - small-base), or with\n"
                            + "--lambda an interpolation between two small fine-tunes. Fine-tuned models get the chat format,\n"
                            + "base models the plain prompt.")
                    .option("large-base", "DIR", "large base model folder", "<family>/large-base")
                    .option("small-ft", "DIR", "small fine-tuned model folder", "<family>/small-ft")
                    .option("small-base", "DIR", "small base model folder", "<family>/small-base")
                    .option("beta", "B", "scale of the fine-tuning delta small-ft - small-base", "1.0")
                    .option("lambda", "L", "interpolate: lambda (small-ft - ref) + (1 - lambda)(small-ft2 - ref)", null)
                    .option("small-ft2", "DIR", "second small fine-tune for --lambda", "<family>/small-ft-hedge")
                    .option("conservative", "P", "conservative filter: only the small-ft top-P nucleus is up-scaled", null)
                    .flag("conservative-keep", "with --conservative: tokens outside keep small-ft's log-prob instead of being removed")
                    .optionalValue("speculative", "K", "speculative decoding: small-ft drafts, adaptively up to K tokens", "off; K = 4 when given alone", "4")
                    .flag("parallel", "step the models in parallel threads")));
        }

        @Override
        public int run(OptionSpec.Parsed a, PrintStream out, PrintStream err) {
            Map<String, Path> dirs = triple(a);
            Path fam = family();
            boolean lambda = a.has("lambda");
            double beta = a.number("beta", 1.0, -100, false, 100);
            if (lambda) {
                if (a.has("beta")) {
                    throw new UsageException("--beta and --lambda cannot be combined");
                }
                if (!a.has("small-ft2") && (a.has(EFTSpec.LARGE_BASE) || a.has(EFTSpec.SMALL_FT) || a.has(EFTSpec.SMALL_BASE))) {
                    // the embedded hedge model would be mixed into the user's own models
                    throw new UsageException("--lambda with your own model folders needs --small-ft2 DIR (the second small fine-tune)");
                }
                dirs.put("small-ft2", dir(a, "small-ft2", fam.resolve("small-ft-hedge")));
            } else if (a.has("small-ft2")) {
                throw new UsageException("--small-ft2 is only used with --lambda L");
            }
            EFTSpec spec;
            if (lambda) {
                double l = a.number("lambda", 0.5, -10, false, 10);
                // base + λ (help - ref) + (1-λ)(safe - ref) with base = large base, ref = small base
                spec = EFTSpec.of(EFTSpec.LARGE_BASE, 1.0, EFTSpec.SMALL_FT, l, "small-ft2", 1.0 - l, EFTSpec.SMALL_BASE, -1.0);
            } else {
                spec = EFTSpec.of(EFTSpec.LARGE_BASE, 1.0, EFTSpec.SMALL_FT, beta, EFTSpec.SMALL_BASE, -beta);
            }
            if (a.has("conservative")) {
                spec = spec.withConservativeFilter(new EFTSpec.ConservativeFilter(EFTSpec.SMALL_FT,
                        a.number("conservative", 0.9, 0, true, 1),
                        a.flag("conservative-keep") ? EFTSpec.ConservativeMode.ANCHOR_ONLY : EFTSpec.ConservativeMode.REMOVE));
            } else if (a.flag("conservative-keep")) {
                throw new UsageException("--conservative-keep needs --conservative P");
            }
            int k = a.integer("speculative", 0, 0, SpeculativeConfig.MAX_DRAFT_LENGTH);
            ChatFormat fmt = ChatPrompts.format(a.string("chat-format", "qa"), a.string("system", null));
            preflight(a);
            try (Models m = new Models(dirs, a, err)) {
                String user = a.string("prompt", DEFAULT_QUESTION);
                int[] chatIds = ChatPrompts.encode(m.tokenizer(), fmt, a.string("system", null), user);
                int[] plainIds = encode(m.tokenizer(), basePrompt(a, user));
                Prompt prompt = Prompt.of(plainIds).with(EFTSpec.SMALL_FT, chatIds);
                if (lambda) {
                    prompt = prompt.with("small-ft2", chatIds);
                }
                GenerationConfig cfg = generationConfig(a, m, k > 0 ? SpeculativeConfig.adaptive(k) : null);
                if (a.flag("parallel")) {
                    java.util.concurrent.ExecutorService ex = java.util.concurrent.Executors.newFixedThreadPool(spec.size());
                    try {
                        runAndReport(decoder(spec, m), prompt, cfg.withExecutor(ex), m, a, out, err);
                    } finally {
                        ex.shutdownNow();
                    }
                } else {
                    runAndReport(decoder(spec, m), prompt, cfg, m, a, out, err);
                }
            }
            return Eft4jCli.OK;
        }
    }

    /** The up-scaling triple's folders: the options, else the embedded family's. */
    static Map<String, Path> triple(OptionSpec.Parsed a) {
        Path fam = family();
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (String c : List.of(EFTSpec.LARGE_BASE, EFTSpec.SMALL_FT, EFTSpec.SMALL_BASE)) {
            dirs.put(c, dir(a, c, fam.resolve(c)));
        }
        return dirs;
    }

    /** A decoder over the loaded (timed) sources of every spec component. */
    static EFTDecoder decoder(EFTSpec spec, Models m) {
        EFTDecoder.Builder b = EFTDecoder.builder(spec).vocabSize(m.tokenizer().vocabSize());
        for (String c : spec.names()) {
            b.source(c, m.timed.get(c));
        }
        return b.build();
    }

    static Path dir(OptionSpec.Parsed a, String name, Path dflt) {
        return a.has(name) ? Path.of(a.string(name, null)) : dflt;
    }

    // ---- score

    static final class Score implements Command {
        @Override
        public String summary() {
            return "EFT log-likelihood of a continuation (teacher forcing)";
        }

        @Override
        public OptionSpec options() {
            return prompts(new OptionSpec("score", "Scores --text as the continuation of the prompt under up-scaling and under each model alone.")
                    .option("text", "TEXT", "the continuation to score", "' to come to rest, settle'")
                    .option("large-base", "DIR", "large base model folder", "<family>/large-base")
                    .option("small-ft", "DIR", "small fine-tuned model folder", "<family>/small-ft")
                    .option("small-base", "DIR", "small base model folder", "<family>/small-base")
                    .option("threads", "N", "intra-op threads per model (0 = shared pool)", "0")
                    .flag("cuda", "run on CUDA device 0, falling back to CPU")
                    .flag("cuda-strict", "run on CUDA device 0 and fail if CUDA cannot be used"));
        }

        @Override
        public int run(OptionSpec.Parsed a, PrintStream out, PrintStream err) {
            Map<String, Path> dirs = triple(a);
            ChatFormat fmt = ChatPrompts.format(a.string("chat-format", "qa"), a.string("system", null));
            checkPrompt(a);
            if (a.string("text", " ").isEmpty()) {
                throw new UsageException("--text is empty; give the continuation to score");
            }
            try (Models m = new Models(dirs, a, err)) {
                Tokenizer tok = m.tokenizer();
                String user = a.string("prompt", DEFAULT_QUESTION);
                int[] chatIds = ChatPrompts.encode(tok, fmt, a.string("system", null), user);
                int[] plainIds = encode(tok, basePrompt(a, user));
                int[] cont = tok.encode(a.string("text", " to come to rest, settle"), EncodeOptions.TEXT_ONLY);
                if (cont.length == 0) {
                    throw new UsageException("--text encodes to no tokens");
                }
                Prompt prompt = Prompt.of(plainIds).with(EFTSpec.SMALL_FT, chatIds);
                EFTSpec spec = EFTSpec.upscale();
                ScoreResult r = decoder(spec, m).score(prompt, cont);
                out.printf(Locale.ROOT, "%-12s %10s %10s %12s%n", "model", "log-lik", "nll/token", "perplexity");
                printScore(out, "eft-upscale", r.totalLogProb(), cont.length);
                for (int i = 0; i < spec.size(); i++) {
                    double sum = 0;
                    for (TokenTrace t : r.tokens()) {
                        sum += t.componentLogProb(i);
                    }
                    printScore(out, spec.components().get(i).name(), sum, cont.length);
                }
            }
            return Eft4jCli.OK;
        }

        private static void printScore(PrintStream out, String name, double logLik, int n) {
            out.printf(Locale.ROOT, "%-12s %10.4f %10.4f %12.4g%n", name, logLik, -logLik / n, Math.exp(-logLik / n));
        }
    }

    // ---- bench

    static final class Bench implements Command {
        @Override
        public String summary() {
            return "tokens/s of plain vs speculative up-scaling on the given (or embedded) models";
        }

        @Override
        public OptionSpec options() {
            return new OptionSpec("bench", "Greedy up-scaling, plain and speculative, on the same prompts; prints tokens/s and per-source forward time.")
                    .option("large-base", "DIR", "large base model folder", "<family>/large-base")
                    .option("small-ft", "DIR", "small fine-tuned model folder", "<family>/small-ft")
                    .option("small-base", "DIR", "small base model folder", "<family>/small-base")
                    .option("max-tokens", "N", "new tokens per prompt", "48")
                    .option("rounds", "N", "measured rounds (after one warm-up round)", "3")
                    .option("speculative", "K", "maximum draft length", "4")
                    .option("threads", "N", "intra-op threads per model (0 = shared pool)", "0")
                    .flag("cuda", "run on CUDA device 0, falling back to CPU")
                    .flag("cuda-strict", "run on CUDA device 0 and fail if CUDA cannot be used");
        }

        @Override
        public int run(OptionSpec.Parsed a, PrintStream out, PrintStream err) {
            Map<String, Path> dirs = triple(a);
            int maxTokens = a.integer("max-tokens", 48, 1, 100_000);
            int rounds = a.integer("rounds", 3, 1, 1000);
            int k = a.integer("speculative", 4, 1, SpeculativeConfig.MAX_DRAFT_LENGTH);
            try (Models m = new Models(dirs, a, err)) {
                Tokenizer tok = m.tokenizer();
                String[] words = {"inconsistent", "alight", "indefensible", "firsthand", "orthopedic", "antitrust"}; // held-out words of the mini family
                List<Prompt> prompts = new ArrayList<>();
                for (String w : words) {
                    String user = "What does \"" + w + "\" mean?";
                    prompts.add(Prompt.of(encode(tok, "The word \"" + w + "\" means"))
                            .with(EFTSpec.SMALL_FT, ChatPrompts.encode(tok, io.github.eft4j.chat.TemplateChatFormat.QA, null, user)));
                }
                EFTSpec spec = EFTSpec.upscale();
                EFTDecoder d = decoder(spec, m);
                GenerationConfig plain = GenerationConfig.builder().maxNewTokens(maxTokens)
                        .sampling(SamplingConfig.greedyDecoding()).trace(false).build();
                GenerationConfig spec8 = plain.withSpeculative(SpeculativeConfig.adaptive(k));
                out.printf(Locale.ROOT, "%-12s %10s %8s %10s %8s %s%n", "mode", "tokens/s", "tokens", "accept", "len", "forward passes (ms/pass)");
                double plainRate = 0;
                for (GenerationConfig cfg : List.of(plain, spec8)) {
                    String mode = cfg.speculative() == null ? "plain" : "speculative";
                    runAll(d, prompts, cfg); // warm-up
                    m.timed.values().forEach(TimedLogitSource::reset);
                    long tokens = 0;
                    long drafts = 0;
                    long accepted = 0;
                    long blocks = 0;
                    long t0 = System.nanoTime();
                    for (int r = 0; r < rounds; r++) {
                        for (GenerationResult res : runAll(d, prompts, cfg)) {
                            tokens += res.length();
                            if (res.speculative() != null) {
                                drafts += res.speculative().draftsProposed();
                                accepted += res.speculative().draftsAccepted();
                                blocks += res.speculative().blocks();
                            }
                        }
                    }
                    double secs = (System.nanoTime() - t0) / 1e9;
                    double rate = tokens / secs;
                    if (cfg.speculative() == null) {
                        plainRate = rate;
                    }
                    StringBuilder passes = new StringBuilder();
                    for (TimedLogitSource s : m.timed.values()) {
                        passes.append(String.format(Locale.ROOT, "%s %d (%.2f) ", s.name(), s.forwardPasses(),
                                s.forwardSeconds() * 1e3 / Math.max(1, s.forwardPasses())));
                    }
                    out.printf(Locale.ROOT, "%-12s %10.1f %8d %10s %8s %s%n", mode, rate, tokens,
                            drafts == 0 ? "-" : String.format(Locale.ROOT, "%.3f", accepted / (double) drafts),
                            blocks == 0 ? "-" : String.format(Locale.ROOT, "%.2f", accepted / (double) blocks), passes);
                    if (cfg.speculative() != null) {
                        out.printf(Locale.ROOT, "speedup      %10.2fx%n", rate / plainRate);
                    }
                }
            }
            return Eft4jCli.OK;
        }

        private static List<GenerationResult> runAll(EFTDecoder d, List<Prompt> prompts, GenerationConfig cfg) {
            List<GenerationResult> out = new ArrayList<>();
            for (Prompt p : prompts) {
                out.add(d.generate(p, cfg));
            }
            return out;
        }
    }
}
