package io.github.eft4j.examples.bench;

import io.github.eft4j.model.DecodingState;
import io.github.eft4j.onnx.OnnxLogitSource;
import io.github.eft4j.onnx.OnnxOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Per-token decode time of one set of weights in two KV layouts: a GroupQueryAttention graph
 * (ONNX Runtime GenAI style) with past and present sharing one buffer written in place, the same
 * graph with ORT allocating {@code present.*} each step (the past copied every token), and the
 * optimum-layout twin (standard ops, {@code present = concat(past, new)}), at several context
 * lengths. Greedy ids of the three loops are compared; the ratios are the other loops' CPU time
 * per token over the in-place loop's.
 *
 * <pre>
 * bench/kv-layout.sh [graphDir] [--shape default|kv-heavy|vocab32k|wide] [--contexts 16,512,1536] [--tokens 32] [--rounds 5]
 * </pre>
 *
 * Run from the repository root. Without {@code graphDir} it writes the pair of the shape (default:
 * about 5M parameters; 2048 positions) to {@code eft-examples/target/bench-graphs/kv-layout/<shape>}
 * with {@code /usr/bin/python3 eft-onnx/src/test/python/make_export_graphs.py --bench --shape}
 * (Debian python3-torch and python3-onnx). Every loop uses one intra-op thread.
 */
public final class KvLayoutBenchmark {
    private static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private KvLayoutBenchmark() {
    }

    /** Per generated token: wall ns, CPU ns of the decoding thread, heap bytes; and the ids generated. */
    record Run(double nsPerToken, double cpuNsPerToken, double bytesPerToken, int[] ids) {
    }

    /**
     * Runs the benchmark and prints a Markdown table.
     *
     * @param args {@code [graphDir] [--contexts a,b,c] [--tokens n] [--rounds r]}
     * @throws Exception if the graphs cannot be made or run
     */
    public static void main(String[] args) throws Exception {
        Path dir = null;
        String shape = "default";
        int[] contexts = {16, 512, 1536};
        int tokens = 32;
        int rounds = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--contexts" -> contexts = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--shape" -> shape = args[++i];
                default -> dir = Path.of(args[i]);
            }
        }
        if (dir == null) {
            dir = Path.of("eft-examples", "target", "bench-graphs", "kv-layout", shape);
            if (!Files.isRegularFile(dir.resolve("gqa").resolve("model.onnx"))) {
                generate(dir, shape);
            }
        }
        Path gqa = dir.resolve("gqa").resolve("model.onnx");
        Path twin = dir.resolve("twin").resolve("model.onnx");
        System.out.printf(Locale.ROOT, "graphs: %s; machine: %s, %d cores, JDK %s, onnxruntime %s; %d tokens per round, "
                + "best of %d%n", dir, System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), OnnxLogitSource.runtimeVersion(), tokens, rounds);
        System.out.println("| context | loop | wall us/token | CPU us/token | heap bytes/token | greedy ids |");
        System.out.println("|---|---|---|---|---|---|");
        try (OnnxLogitSource inPlace = OnnxLogitSource.open(OnnxOptions.builder(gqa).threads(1).build());
                OnnxLogitSource copied = OnnxLogitSource.open(OnnxOptions.builder(gqa).threads(1).inPlaceKv(false).build());
                OnnxLogitSource optimum = OnnxLogitSource.open(OnnxOptions.builder(twin).threads(1).build())) {
            OnnxLogitSource[] loops = {inPlace, copied, optimum};
            String[] names = {"GQA, KV in place (shared buffer)", "GQA, present allocated per step",
                "optimum twin (concat)"};
            for (int ctx : contexts) {
                int[] prompt = new int[ctx];
                for (int i = 0; i < ctx; i++) {
                    prompt[i] = (i * 7919 + 13) % inPlace.vocabSize();
                }
                for (OnnxLogitSource s : loops) { // warm-up
                    loop(s, prompt, Math.min(tokens, 8));
                }
                Run[] best = new Run[loops.length];
                for (int r = 0; r < rounds; r++) { // rotate the order every round, keep each loop's best round
                    for (int j = 0; j < loops.length; j++) {
                        int k = (j + r) % loops.length;
                        Run run = loop(loops[k], prompt, tokens);
                        if (best[k] == null || run.cpuNsPerToken < best[k].cpuNsPerToken) {
                            best[k] = run;
                        }
                    }
                }
                for (int k = 0; k < loops.length; k++) {
                    String same = k == 0 ? "reference" : Arrays.equals(best[0].ids, best[k].ids) ? "identical"
                            : "DIFFER at " + Arrays.mismatch(best[0].ids, best[k].ids);
                    System.out.printf(Locale.ROOT, "| %d | %s | %.1f | %.1f | %.0f | %s |%n", ctx, names[k],
                            best[k].nsPerToken / 1e3, best[k].cpuNsPerToken / 1e3, best[k].bytesPerToken, same);
                }
                System.out.printf(Locale.ROOT, "| %d | **CPU time / in place** | | per step %.2fx, optimum %.2fx | | |%n",
                        ctx, best[1].cpuNsPerToken / best[0].cpuNsPerToken, best[2].cpuNsPerToken / best[0].cpuNsPerToken);
            }
        }
    }

    private static void generate(Path dir, String shape) throws IOException, InterruptedException {
        Path script = Path.of("eft-onnx", "src", "test", "python", "make_export_graphs.py");
        if (!Files.isRegularFile(script)) {
            throw new IOException("run from the repository root (" + script + " not found) or pass a graph directory");
        }
        System.err.println("writing benchmark graphs to " + dir + " ...");
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), "--bench", "--shape", shape, dir.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor() != 0) {
            throw new IOException("graph generator failed with exit code " + p.exitValue());
        }
    }

    /** Greedy loop; times only the generated tokens, not the prefill. */
    private static Run loop(OnnxLogitSource src, int[] prompt, int n) {
        int v = src.vocabSize();
        int[] ids = new int[n];
        try (DecodingState s = src.open(prompt)) {
            int tok = argmax(s.logits(), v);
            long b0 = MX.getCurrentThreadAllocatedBytes();
            long c0 = MX.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                ids[i] = tok;
                s.append(tok);
                tok = argmax(s.logits(), v);
            }
            long t1 = System.nanoTime();
            long c1 = MX.getCurrentThreadCpuTime();
            long b1 = MX.getCurrentThreadAllocatedBytes();
            return new Run((t1 - t0) / (double) n, (c1 - c0) / (double) n, (b1 - b0) / (double) n, ids);
        }
    }

    private static int argmax(MemorySegment row, int v) {
        int best = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
            float x = row.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (x > max) {
                max = x;
                best = i;
            }
        }
        return best;
    }
}
