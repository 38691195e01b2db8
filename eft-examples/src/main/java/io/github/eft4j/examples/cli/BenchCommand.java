package io.github.eft4j.examples.cli;

import io.github.eft4j.chat.ChatMessage;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.decoder.SourcePrompts;
import io.github.eft4j.decoder.SpeculativeConfig;
import io.github.eft4j.examples.cli.Eft4jCli.Command;
import io.github.eft4j.sampling.SamplingConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code eft4j bench}: greedy up-scaling, plain and speculative, on the same requests; wall and
 * CPU tokens/s in labelled columns.
 */
final class BenchCommand implements Command {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    @Override
    public String summary() {
        return "tokens/s (wall and CPU) of plain vs speculative up-scaling";
    }

    @Override
    public OptionSpec options() {
        OptionSpec s = EftCommand.upscaleModels(new OptionSpec("bench",
                "Greedy up-scaling, plain and then speculative, on the same requests: one warm-up round, then the\n"
                        + "measured rounds. Requests are rendered per source as 'upscale' does."), false)
                .section("Requests")
                .option("prompts", "FILE", "one request per line (blank lines and lines starting with # skipped)",
                        "6 held-out words of the mini family: What does \"X\" mean?")
                .option("chat-format", "NAME", "fine-tuned sources' format: " + ChatPrompts.CHAT_FORMATS, ChatPrompts.CHAT_DEFAULT)
                .option("base-format", "NAME", "base sources' format: plain | mini-prose | a chat format",
                        "mini-prose for the embedded family's folders, plain for your own")
                .section("Measurement")
                .option("max-tokens", "N", "new tokens per request", "48")
                .option("rounds", "N", "measured rounds (after one warm-up round)", "3")
                .option("speculative", "K", "maximum draft length", "4");
        return Commands.runtime(s, false).note("""
                Columns: wall tok/s = tokens / elapsed time; CPU tok/s (thread) = tokens / CPU time of the decoding
                thread (README's speculative table; ONNX Runtime work on its pool threads is not counted unless
                --threads 1, which runs each model on the calling thread); CPU tok/s (process) = tokens / CPU time of
                every thread of the JVM (ONNX Runtime pools, JIT and GC included). acceptance = accepted / proposed
                drafts; tokens/block = tokens emitted per speculative block (accepted drafts + 1).""");
    }

    static List<String> requests(OptionSpec.Parsed a) {
        if (!a.has("prompts")) {
            return MiniFamily.BENCH_WORDS.stream().map(MiniFamily::question).toList();
        }
        Path file = Path.of(a.string("prompts", null));
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(line.strip());
                }
            }
        } catch (IOException e) {
            throw new UsageException("--prompts: cannot read " + file.toAbsolutePath() + ": " + OptionSpec.reason(e));
        }
        if (out.isEmpty()) {
            throw new UsageException("--prompts: " + file.toAbsolutePath() + " holds no request (one per line)");
        }
        return out;
    }

    @Override
    public int run(OptionSpec.Parsed a, PrintStream out, PrintStream err) {
        EFTSpec spec = EFTSpec.upscale();
        Map<String, Path> dirs = EftCommand.upscaleDirs(a, spec);
        int maxTokens = a.integer("max-tokens", 48, 1, 100_000);
        int rounds = a.integer("rounds", 3, 1, 1000);
        int k = a.integer("speculative", 4, 1, SpeculativeConfig.MAX_DRAFT_LENGTH);
        a.integer("threads", 0, 0, 1024);
        Map<String, Boolean> roles = ChatPrompts.roles(spec);
        List<ChatPrompts.Builder> builders = new ArrayList<>();
        for (String q : requests(a)) {
            builders.add(ChatPrompts.prepare(a, roles, EftCommand.baseFolders(dirs, roles), List.of(ChatMessage.user(q))));
        }
        try (Commands.Models m = new Commands.Models(dirs, a, err)) {
            List<Prompt> prompts = new ArrayList<>();
            SourcePrompts.Rendered first = null;
            for (ChatPrompts.Builder b : builders) {
                SourcePrompts.Rendered r = b.render(m);
                first = first == null ? r : first;
                prompts.add(r.prompt());
            }
            out.printf(Locale.ROOT, "%d requests x %d tokens, %d measured rounds; formula %s; prompts of the first request:%n",
                    prompts.size(), maxTokens, rounds, Commands.describe(spec));
            for (String line : ChatPrompts.describe(first)) {
                out.println("  " + line);
            }
            EFTDecoder d = m.decoder(spec);
            GenerationConfig plain = GenerationConfig.builder().maxNewTokens(maxTokens)
                    .sampling(SamplingConfig.greedyDecoding()).trace(false).build();
            GenerationConfig speculative = plain.withSpeculative(SpeculativeConfig.adaptive(k));
            out.printf(Locale.ROOT, "%n%-12s %10s %19s %20s %8s %10s %12s  %s%n", "mode", "wall tok/s", "CPU tok/s (thread)",
                    "CPU tok/s (process)", "tokens", "acceptance", "tokens/block", "forward passes: count (ms/pass)");
            double[] plainRates = null;
            for (GenerationConfig cfg : List.of(plain, speculative)) {
                String mode = cfg.speculative() == null ? "plain" : "speculative";
                runAll(d, prompts, cfg); // warm-up
                m.timed.values().forEach(TimedLogitSource::reset);
                long tokens = 0;
                long drafts = 0;
                long accepted = 0;
                long blocks = 0;
                long process0 = processCpu();
                long thread0 = THREADS.getCurrentThreadCpuTime();
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
                double wall = (System.nanoTime() - t0) / 1e9;
                double thread = (THREADS.getCurrentThreadCpuTime() - thread0) / 1e9;
                long process1 = processCpu();
                double process = process0 < 0 || process1 < 0 ? Double.NaN : (process1 - process0) / 1e9;
                double[] rates = {tokens / wall, tokens / thread, tokens / process};
                StringBuilder passes = new StringBuilder();
                for (TimedLogitSource s : m.timed.values()) {
                    passes.append(String.format(Locale.ROOT, "%s %d (%.2f)  ", s.name(), s.forwardPasses(),
                            s.forwardSeconds() * 1e3 / Math.max(1, s.forwardPasses())));
                }
                out.printf(Locale.ROOT, "%-12s %10.1f %19.1f %20s %8d %10s %12s  %s%n", mode, rates[0], rates[1],
                        Double.isNaN(rates[2]) ? "n/a" : String.format(Locale.ROOT, "%.1f", rates[2]), tokens,
                        drafts == 0 ? "-" : String.format(Locale.ROOT, "%.3f", accepted / (double) drafts),
                        blocks == 0 ? "-" : String.format(Locale.ROOT, "%.2f", tokens / (double) blocks), passes.toString().strip());
                if (plainRates == null) {
                    plainRates = rates;
                } else {
                    out.printf(Locale.ROOT, "%-12s %9.2fx %18.2fx %19s%n", "speedup", rates[0] / plainRates[0], rates[1] / plainRates[1],
                            Double.isNaN(rates[2]) ? "n/a" : String.format(Locale.ROOT, "%.2fx", rates[2] / plainRates[2]));
                }
            }
        }
        return Eft4jCli.OK;
    }

    /** CPU time of the whole JVM process in ns, or -1 where the platform does not say. */
    static long processCpu() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    private static List<GenerationResult> runAll(EFTDecoder d, List<Prompt> prompts, GenerationConfig cfg) {
        List<GenerationResult> out = new ArrayList<>();
        for (Prompt p : prompts) {
            out.add(d.generate(p, cfg));
        }
        return out;
    }
}
