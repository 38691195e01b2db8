package io.github.eft4j.examples.cli;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.FinishReason;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.SourcePrompts;
import io.github.eft4j.decoder.SpeculativeConfig;
import io.github.eft4j.decoder.SpeculativeStats;
import io.github.eft4j.onnx.ExecutionProvider;
import io.github.eft4j.onnx.ModelFolder;
import io.github.eft4j.onnx.OnnxOptions;
import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.tokenizer.StreamingDetokenizer;
import io.github.eft4j.tokenizer.Tokenizer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What the subcommands share: option groups, model loading, one reported generation. */
final class Commands {
    private Commands() {
    }

    /** Tokens counted as warm-up in the timing line (JIT compilation, first-touch allocation). */
    static final int WARMUP_TOKENS = 4;

    static final String[] SAMPLING_OPTIONS = {"sample", "temperature", "top-p", "top-k", "min-p"};

    // ---- option groups

    static OptionSpec decoding(OptionSpec s) {
        return s.section("Decoding")
                .option("max-tokens", "N", "maximum number of new tokens", "48")
                .flag("greedy", "greedy decoding (the default unless --sample or a sampling option is given)")
                .flag("sample", "sample instead of greedy decoding")
                .option("temperature", "T", "sampling temperature (> 0); implies --sample", "1.0")
                .option("top-p", "P", "nucleus sampling mass in (0, 1]; implies --sample", "1.0")
                .option("top-k", "K", "keep the K most likely tokens (0 = off); implies --sample", "0")
                .option("min-p", "P", "drop tokens below P × the top probability; implies --sample", "0")
                .option("seed", "S", "random seed of sampling (needs --sample or a sampling option)",
                        "drawn and printed")
                .option("repetition-penalty", "R", "Hugging Face repetition penalty (1 = off); applies to greedy and "
                        + "sampled decoding alike and does not switch to sampling", "1.0");
    }

    static OptionSpec output(OptionSpec s) {
        return s.section("Output")
                .option("trace", "FILE", "write a JSON-lines trace: a header (spec, prompts, settings, model "
                        + "checksums), one record per token, an end record; see docs/trace.md", null);
    }

    static OptionSpec runtime(OptionSpec s, boolean parallel) {
        s.section("Runtime")
                .option("threads", "N", "intra-op threads per model (0 = ONNX Runtime's shared pool)", "0")
                .flag("cuda", "run on CUDA device 0, falling back to the CPU with a warning")
                .flag("cuda-strict", "run on CUDA device 0 and fail if CUDA cannot be used");
        if (parallel) {
            s.flag("parallel", "step the models in parallel threads");
        }
        return s;
    }

    static SamplingConfig samplingConfig(OptionSpec.Parsed a) {
        boolean wantsSampling = false;
        for (String o : SAMPLING_OPTIONS) {
            wantsSampling |= a.has(o);
        }
        if (a.flag("greedy") && wantsSampling) {
            throw new UsageException("--greedy conflicts with --sample/--temperature/--top-p/--top-k/--min-p");
        }
        if (!wantsSampling) {
            a.requires("seed", "decoding is greedy, so there is nothing to seed", SAMPLING_OPTIONS);
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

    /** Checks the decoding options before any model is loaded, so that usage errors come first. */
    static Path preflight(OptionSpec.Parsed a) {
        samplingConfig(a);
        a.integer("max-tokens", 48, 0, 1_000_000);
        a.longValue("seed", 0);
        a.integer("threads", 0, 0, 1024);
        return a.outputFile("trace");
    }

    /** A folder option, else the embedded family's folder of that name. */
    static Path dir(OptionSpec.Parsed a, String option, String familyName) {
        return a.has(option) ? Path.of(a.string(option, null)) : MiniFamily.dir().resolve(familyName);
    }

    // ---- models

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
                            + (MiniFamily.contains(dir) ? " (the embedded family is missing; pass model folders explicitly)" : ""));
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

        List<TraceWriter.Folder> traceFolders() {
            List<TraceWriter.Folder> l = new ArrayList<>();
            folders.forEach((c, f) -> l.add(new TraceWriter.Folder(c, f.dir(), f.modelFile())));
            return l;
        }

        /** A decoder over the loaded (timed) sources of every spec component. */
        EFTDecoder decoder(EFTSpec spec) {
            EFTDecoder.Builder b = EFTDecoder.builder(spec).vocabSize(tokenizer().vocabSize());
            for (String c : spec.names()) {
                b.source(c, timed.get(c));
            }
            return b.build();
        }

        @Override
        public void close() {
            for (ModelFolder f : folders.values()) {
                f.close();
            }
        }
    }

    static GenerationConfig generationConfig(OptionSpec.Parsed a, Models m, SpeculativeConfig speculative, boolean trace) {
        GenerationConfig.Builder b = GenerationConfig.builder()
                .maxNewTokens(a.integer("max-tokens", 48, 0, 1_000_000))
                .sampling(samplingConfig(a))
                .trace(trace);
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

    static String describe(EFTSpec spec) {
        String p = spec.parameter().isPresent()
                ? " " + spec.form().parameter() + "=" + num(spec.parameter().getAsDouble()) : "";
        String f = spec.conservative() == null ? ""
                : String.format(Locale.ROOT, ", conservative filter: top-p %s of %s, %s", num(spec.conservative().topP()),
                        spec.conservative().anchor(), spec.conservative().mode().name().toLowerCase(Locale.ROOT));
        return spec.form().id() + p + ": " + spec.formula() + f;
    }

    static String num(double x) {
        return x == Math.rint(x) ? String.format(Locale.ROOT, "%.1f", x) : Double.toString(x);
    }

    /**
     * Runs one generation: prints the formula and what each source sees to {@code err}, streams
     * the text to {@code out}, then prints timings and writes the trace.
     */
    static GenerationResult runAndReport(String command, EFTDecoder decoder, SourcePrompts.Rendered prompts,
            GenerationConfig cfg, Models m, Path trace, PrintStream out, PrintStream err) {
        Tokenizer tok = m.tokenizer();
        err.println("eft4j: " + command + ", " + describe(decoder.spec()));
        for (String line : ChatPrompts.describe(prompts)) {
            err.println("eft4j:   " + line);
        }
        StreamingDetokenizer stream = tok.streamingDecoder(true);
        m.timed.values().forEach(TimedLogitSource::reset);
        long[] at = new long[Math.max(1, cfg.maxNewTokens())];
        long t0 = System.nanoTime();
        GenerationResult r = decoder.generate(prompts.prompt(), cfg, (token, index) -> {
            if (index < at.length) {
                at[index] = System.nanoTime();
            }
            out.print(stream.next(token));
            out.flush();
        });
        out.print(stream.finish());
        out.println();
        err.println("eft4j: " + timing(r, cfg, at, t0, m));
        for (TimedLogitSource s : m.timed.values()) {
            err.printf(Locale.ROOT, "eft4j:   %-11s %4d forward passes, %8.1f ms (%.2f ms/pass)%n", s.name(), s.forwardPasses(),
                    s.forwardSeconds() * 1e3, s.forwardSeconds() * 1e3 / Math.max(1, s.forwardPasses()));
        }
        SpeculativeStats st = r.speculative();
        if (st != null) {
            err.printf(Locale.ROOT, "eft4j:   speculative: %d blocks, acceptance %.3f, mean accepted length %.2f, %.2f tokens/block%n",
                    st.blocks(), st.acceptanceRate(), st.meanAcceptedLength(), st.tokensPerBlock());
        }
        if (trace != null) {
            TraceWriter.write(trace, command, decoder.spec(), prompts, cfg, r, m.traceFolders(), tok);
            err.println("eft4j: trace written to " + trace);
        }
        return r;
    }

    /** Prefill, warm-up and steady decode apart: the first tokens pay for JIT compilation. */
    static String timing(GenerationResult r, GenerationConfig cfg, long[] at, long t0, Models m) {
        int n = r.length();
        long prefillEnd = t0;
        for (TimedLogitSource s : m.timed.values()) {
            prefillEnd = Math.max(prefillEnd, s.lastOpenEnd());
        }
        String mode = cfg.sampling().greedy() ? "greedy" : "sampled, seed " + r.seed();
        if (cfg.sampling().repetitionPenalty() != 1f) {
            mode += ", repetition penalty " + Float.toString(cfg.sampling().repetitionPenalty());
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%d tokens (%s; finish: %s): prefill %.1f ms", n, mode,
                finish(r.finishReason()), (prefillEnd - t0) / 1e6));
        if (n == 0) {
            return sb.toString();
        }
        int w = Math.min(WARMUP_TOKENS, n);
        sb.append(String.format(Locale.ROOT, ", warm-up %.1f ms (first %d token%s)", (at[w - 1] - prefillEnd) / 1e6, w, w == 1 ? "" : "s"));
        if (n > w) {
            double secs = (at[n - 1] - at[w - 1]) / 1e9;
            sb.append(String.format(Locale.ROOT, ", steady decode %d tokens in %.3f s = %.1f tokens/s", n - w, secs,
                    (n - w) / Math.max(secs, 1e-9)));
        } else {
            sb.append(", steady decode: none (it starts after " + WARMUP_TOKENS + " tokens)");
        }
        return sb.toString();
    }

    static String finish(FinishReason f) {
        return f.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
