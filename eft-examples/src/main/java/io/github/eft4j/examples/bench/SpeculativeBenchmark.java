package io.github.eft4j.examples.bench;

import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.decoder.SpeculativeConfig;
import io.github.eft4j.decoder.SpeculativeStats;
import io.github.eft4j.sampling.SamplingConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Plain vs speculative EFT up-scaling, end to end, in one run: tokens/s of both, the speedup,
 * the acceptance rate, the mean accepted length and the forward passes per source. The models
 * come from a {@link BenchmarkSources} factory: by default {@link SyntheticBenchmarkSources}
 * (in-memory sources with a simulated, documented cost per forward pass); {@code --factory
 * <class>} plugs in others (ONNX graphs).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp ... io.github.eft4j.examples.bench.SpeculativeBenchmark \
 *      [--factory CLASS] [--tokens 128] [--rounds 3] [--draft 8 | --fixed K] [--modes greedy,0.7]
 *      [--parallel THREADS] [...factory options]
 * </pre>
 *
 * Each scenario and mode: one warm-up generation of each kind, then {@code --rounds} rounds that
 * each time every prompt plain, then speculative (interleaved, so machine noise hits both); the
 * report gives the median round, by wall time and, separately, by CPU time of the decoding thread
 * (the whole cost when the sources compute on the calling thread, as single-threaded ONNX sources
 * do; omitted with {@code --parallel}). Greedy rows also check that both produced the same tokens.
 * A scenario may cap the new tokens ({@link BenchmarkSources.Scenario#maxNewTokens()}).
 */
public final class SpeculativeBenchmark {

    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    private SpeculativeBenchmark() {
    }

    /**
     * Runs the benchmark and prints a Markdown table.
     *
     * @param args {@code --key value} options, see the class description
     * @throws Exception if the factory cannot be created
     */
    public static void main(String[] args) throws Exception {
        run(parse(args), System.out);
    }

    /** Runs the benchmark with parsed options, printing to {@code out}. */
    static void run(Map<String, String> o, java.io.PrintStream out) throws Exception {
        BenchmarkSources factory = (BenchmarkSources) Class
                .forName(o.getOrDefault("factory", SyntheticBenchmarkSources.class.getName()))
                .getDeclaredConstructor().newInstance();
        int tokens = Integer.parseInt(o.getOrDefault("tokens", "128"));
        int rounds = Integer.parseInt(o.getOrDefault("rounds", "3"));
        SpeculativeConfig spec = o.containsKey("fixed") ? SpeculativeConfig.fixed(Integer.parseInt(o.get("fixed")))
                : SpeculativeConfig.adaptive(Integer.parseInt(o.getOrDefault("draft", "8")));
        List<BenchmarkSources.Scenario> scenarios = factory.scenarios(o);
        int threads = Integer.parseInt(o.getOrDefault("parallel", "0"));
        java.util.concurrent.ExecutorService pool = threads > 0 ? java.util.concurrent.Executors.newFixedThreadPool(threads) : null;
        try {
            out.println("# Speculative EFT benchmark");
            out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.arch")
                    + ", JDK " + Runtime.version() + ", load average " + String.format(Locale.ROOT, "%.1f",
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
            out.println("sources: " + factory.describe(o));
            out.println("speculative: " + spec + "; " + tokens + " new tokens per prompt (unless the scenario caps it); median of "
                    + rounds + " rounds" + (pool != null ? "; sources stepped in parallel on " + threads + " threads"
                    : "; CPU = CPU time of the decoding thread"));
            out.println();
            out.println("| scenario | mode | tokens | plain tok/s | spec tok/s | speedup | plain tok/s CPU | spec tok/s CPU "
                    + "| speedup CPU | acceptance | accepted/block | tokens/block "
                    + "| passes/token plain | passes/token spec | greedy same |");
            out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            for (BenchmarkSources.Scenario sc : scenarios) {
                EFTDecoder.Builder b = EFTDecoder.builder(sc.spec());
                sc.sources().forEach(b::source);
                if (sc.vocabSize() > 0) {
                    b.vocabSize(sc.vocabSize());
                }
                EFTDecoder decoder = b.build();
                int n = sc.maxNewTokens() > 0 ? Math.min(tokens, sc.maxNewTokens()) : tokens;
                for (String mode : o.getOrDefault("modes", "greedy,0.7").split(",")) {
                    SamplingConfig sampling = mode.equals("greedy") ? SamplingConfig.greedyDecoding()
                            : SamplingConfig.sampling().withTemperature(Float.parseFloat(mode));
                    GenerationConfig plain = GenerationConfig.builder().maxNewTokens(n).sampling(sampling).seed(1L)
                            .executor(pool).build();
                    GenerationConfig fast = plain.withSpeculative(spec.withDraftComponent(sc.draftComponent()));
                    out.println(row(sc, mode, n, decoder, plain, fast, rounds, pool == null));
                }
            }
        } finally {
            for (BenchmarkSources.Scenario sc : scenarios) { // every onClose, also after a failure
                sc.onClose().run();
            }
            if (pool != null) {
                pool.shutdown();
            }
        }
    }

    private record Round(double seconds, double cpuSeconds, long tokens, Map<String, Long> passes, long blocks, long proposed, long accepted,
            List<int[]> outputs) {
    }

    private static Round time(EFTDecoder decoder, List<Prompt> prompts, GenerationConfig cfg) {
        long t0 = System.nanoTime();
        long c0 = CPU.getCurrentThreadCpuTime();
        long n = 0;
        long blocks = 0;
        long proposed = 0;
        long accepted = 0;
        Map<String, Long> passes = new LinkedHashMap<>();
        List<int[]> outputs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            GenerationResult r = decoder.generate(prompts.get(i), cfg.withSeed(1L + i));
            n += r.length();
            outputs.add(r.tokens());
            r.forwardPasses().forEach((k, v) -> passes.merge(k, v, Long::sum));
            SpeculativeStats s = r.speculative();
            if (s != null) {
                blocks += s.blocks();
                proposed += s.draftsProposed();
                accepted += s.draftsAccepted();
            }
        }
        return new Round((System.nanoTime() - t0) / 1e9, (CPU.getCurrentThreadCpuTime() - c0) / 1e9, n, passes, blocks, proposed, accepted, outputs);
    }

    private static String row(BenchmarkSources.Scenario sc, String mode, int tokens, EFTDecoder decoder,
            GenerationConfig plain, GenerationConfig fast, int rounds, boolean cpu) {
        List<Prompt> warm = sc.prompts().subList(0, 1);
        time(decoder, warm, plain);
        time(decoder, warm, fast);
        List<Round> p = new ArrayList<>();
        List<Round> s = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            p.add(time(decoder, sc.prompts(), plain));
            s.add(time(decoder, sc.prompts(), fast));
        }
        Round mp = median(p, false);
        Round ms = median(s, false);
        double plainRate = mp.tokens() / mp.seconds();
        double specRate = ms.tokens() / ms.seconds();
        Round cp = median(p, true);
        Round cs = median(s, true);
        double plainCpu = cp.tokens() / cp.cpuSeconds();
        double specCpu = cs.tokens() / cs.cpuSeconds();
        String same = "-";
        if (mode.equals("greedy")) {
            boolean eq = true;
            for (int i = 0; i < mp.outputs().size(); i++) {
                eq &= Arrays.equals(mp.outputs().get(i), ms.outputs().get(i));
            }
            same = eq ? "yes" : "NO";
        }
        return String.format(Locale.ROOT, "| %s | %s | %d | %.1f | %.1f | %.2fx | %s | %s | %s | %.3f | %.2f | %.2f | %s | %s | %s |",
                sc.name(), mode, tokens, plainRate, specRate, specRate / plainRate,
                cpu ? String.format(Locale.ROOT, "%.1f", plainCpu) : "-", cpu ? String.format(Locale.ROOT, "%.1f", specCpu) : "-",
                cpu ? String.format(Locale.ROOT, "%.2fx", specCpu / plainCpu) : "-",
                ms.proposed() == 0 ? 0.0 : (double) ms.accepted() / ms.proposed(),
                ms.blocks() == 0 ? 0.0 : (double) ms.accepted() / ms.blocks(),
                ms.blocks() == 0 ? 0.0 : (double) (ms.accepted() + ms.blocks()) / ms.blocks(),
                perToken(mp), perToken(ms), same);
    }

    private static String perToken(Round r) {
        StringBuilder sb = new StringBuilder();
        r.passes().forEach((k, v) -> sb.append(sb.length() == 0 ? "" : " / ")
                .append(k).append(' ').append(String.format(Locale.ROOT, "%.2f", (double) v / r.tokens())));
        return sb.toString();
    }

    /** The median round by wall-clock or by CPU rate. */
    private static Round median(List<Round> rounds, boolean byCpu) {
        List<Round> sorted = new ArrayList<>(rounds);
        sorted.sort((a, b) -> byCpu ? Double.compare(a.tokens() / a.cpuSeconds(), b.tokens() / b.cpuSeconds())
                : Double.compare(a.tokens() / a.seconds(), b.tokens() / b.seconds()));
        return sorted.get(sorted.size() / 2);
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --key [value], got '" + args[i] + "'");
            }
            String key = args[i].substring(2);
            String value = i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : "true";
            o.put(key, value);
        }
        return o;
    }
}
