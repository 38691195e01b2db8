package io.github.eft4j.examples.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.onnx.OnnxLogitSource;
import io.github.eft4j.onnx.OnnxOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Greedy decoding throughput of eft-onnx (C API through FFM, IoBinding, KV kept in ORT memory)
 * against the same loop written with the official ONNX Runtime Java API (outputs fed straight
 * back as the next inputs), on the same graphs in one JVM, alternating rounds.
 *
 * <pre>
 * bench/onnx.sh [graphDir]
 * </pre>
 *
 * Run from the repository root. Without {@code graphDir} it writes a micro (overhead-bound), a tiny (~30K parameters) and a
 * medium (~32M parameters) Llama-style graph to {@code eft-examples/target/bench-graphs} with {@code /usr/bin/python3
 * eft-onnx/src/test/python/make_test_graphs.py --bench} (Debian python3-torch and python3-onnx).
 * Both loops use one intra-op thread.
 */
public final class OnnxBenchmark {
    private static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private OnnxBenchmark() {
    }

    /**
     * Per-loop result per generated token: wall nanoseconds, CPU nanoseconds of the decoding
     * thread (with one intra-op thread ORT computes on the caller, so this is the whole cost and
     * is robust on a loaded machine), heap bytes allocated by the decoding thread.
     */
    record Run(double nsPerToken, double cpuNsPerToken, double bytesPerToken) {
        static Run of(long t0, long t1, long c0, long c1, long b0, long b1, int n) {
            return new Run((t1 - t0) / (double) n, (c1 - c0) / (double) n, (b1 - b0) / (double) n);
        }
    }

    /**
     * Runs the benchmark and prints a Markdown table.
     *
     * @param args optional graph directory holding {@code tiny/model.onnx} and {@code medium/model.onnx}
     * @throws Exception if a graph cannot be made or run
     */
    public static void main(String[] args) throws Exception {
        Path dir = args.length > 0 ? Path.of(args[0]) : Path.of("eft-examples", "target", "bench-graphs");
        if (!Files.isRegularFile(dir.resolve("micro").resolve("model.onnx"))) {
            generate(dir);
        }
        // eft-onnx loads the library first: telemetry off (ORT_DISABLE_TELEMETRY) before the official
        // API creates the process's environment, and the libraries from eft-onnx's cache
        OnnxLogitSource.runtimeVersion();
        System.out.printf(Locale.ROOT, "machine: %s, %d cores, JDK %s, onnxruntime %s%n",
                System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), OrtEnvironment.getEnvironment().getVersion());
        System.out.println("| graph | loop | context | tokens/s (wall) | wall us/token | CPU us/token | heap bytes/token |");
        System.out.println("|---|---|---|---|---|---|---|");
        bench(dir.resolve("micro").resolve("model.onnx"), "micro", 2000, 5);
        bench(dir.resolve("tiny").resolve("model.onnx"), "tiny", 400, 5);
        bench(dir.resolve("medium").resolve("model.onnx"), "medium", 64, 6);
    }

    private static void generate(Path dir) throws IOException, InterruptedException {
        Path script = Path.of("eft-onnx", "src", "test", "python", "make_test_graphs.py");
        if (!Files.isRegularFile(script)) {
            throw new IOException("run from the repository root (" + script + " not found) or pass a graph directory");
        }
        System.err.println("writing benchmark graphs to " + dir + " ...");
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), "--bench", dir.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor() != 0) {
            throw new IOException("graph generator failed with exit code " + p.exitValue());
        }
    }

    private static void bench(Path model, String name, int tokens, int rounds) throws OrtException {
        try (OnnxLogitSource eft = OnnxLogitSource.open(OnnxOptions.builder(model).threads(1).build());
                Official ort = new Official(model, eft.layout().layers(), eft.layout().kvHeads(), eft.layout().headDim())) {
            for (int ctx : new int[] {16, 1024}) {
                int[] prompt = new int[ctx];
                for (int i = 0; i < ctx; i++) {
                    prompt[i] = (i * 7919 + 13) % eft.vocabSize();
                }
                int n = ctx == 16 ? tokens : Math.max(24, tokens / 2);
                int r = rounds;
                eftLoop(eft, prompt, Math.min(n, 32)); // warm-up both
                ort.loop(prompt, Math.min(n, 32));
                Run bestEft = null, bestOrt = null;
                for (int i = 0; i < r; i++) { // alternate (order swapped every round), keep each best round
                    Run a, b;
                    if (i % 2 == 0) {
                        a = eftLoop(eft, prompt, n);
                        b = ort.loop(prompt, n);
                    } else {
                        b = ort.loop(prompt, n);
                        a = eftLoop(eft, prompt, n);
                    }
                    bestEft = bestEft == null || a.cpuNsPerToken < bestEft.cpuNsPerToken ? a : bestEft;
                    bestOrt = bestOrt == null || b.cpuNsPerToken < bestOrt.cpuNsPerToken ? b : bestOrt;
                }
                row(name, "eft-onnx (FFM, IoBinding)", ctx, bestEft);
                row(name, "official ORT Java API", ctx, bestOrt);
                System.out.printf(Locale.ROOT, "| %s | **speed-up** | %d | | %.2fx | **%.2fx** | |%n", name, ctx,
                        bestOrt.nsPerToken / bestEft.nsPerToken, bestOrt.cpuNsPerToken / bestEft.cpuNsPerToken);
            }
        }
    }

    private static void row(String graph, String loop, int ctx, Run r) {
        System.out.printf(Locale.ROOT, "| %s | %s | %d | %.0f | %.1f | %.1f | %.0f |%n", graph, loop, ctx,
                1e9 / r.nsPerToken, r.nsPerToken / 1e3, r.cpuNsPerToken / 1e3, r.bytesPerToken);
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

    /** Greedy loop over eft-onnx; times only the generated tokens, not the prefill. */
    static Run eftLoop(OnnxLogitSource src, int[] prompt, int n) {
        int v = src.vocabSize();
        try (DecodingState s = src.open(prompt)) {
            int tok = argmax(s.logits(), v);
            long b0 = MX.getCurrentThreadAllocatedBytes();
            long c0 = MX.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                s.append(tok);
                tok = argmax(s.logits(), v);
            }
            long t1 = System.nanoTime();
            long c1 = MX.getCurrentThreadCpuTime();
            long b1 = MX.getCurrentThreadAllocatedBytes();
            return Run.of(t0, t1, c0, c1, b0, b1, n);
        }
    }

    /** The same loop with the official API: present.* outputs are passed back as past inputs. */
    static final class Official implements AutoCloseable {
        private final OrtEnvironment env = OrtEnvironment.getEnvironment();
        private final OrtSession session;
        private final int layers, kvHeads, headDim;
        private final LongBuffer ids = direct(1), pos = direct(1), mask = direct(4096);
        private final boolean hasPositionIds;

        Official(Path model, int layers, int kvHeads, int headDim) throws OrtException {
            OrtSession.SessionOptions so = new OrtSession.SessionOptions();
            so.setIntraOpNumThreads(1);
            so.setInterOpNumThreads(1);
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            this.session = env.createSession(model.toString(), so);
            so.close();
            this.layers = layers;
            this.kvHeads = kvHeads;
            this.headDim = headDim;
            this.hasPositionIds = session.getInputNames().contains("position_ids");
        }

        private static LongBuffer direct(int n) {
            return ByteBuffer.allocateDirect(8 * n).order(ByteOrder.nativeOrder()).asLongBuffer();
        }

        Run loop(int[] prompt, int n) throws OrtException {
            int p = prompt.length;
            Map<String, OnnxTensor> in = new HashMap<>();
            LongBuffer pids = direct(p), ppos = direct(p);
            for (int i = 0; i < p; i++) {
                pids.put(i, prompt[i]);
                ppos.put(i, i);
            }
            for (int i = 0; i < p + n + 1; i++) {
                mask.put(i, 1);
            }
            OnnxTensor empty = OnnxTensor.createTensor(env, ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder())
                    .asFloatBuffer(), new long[] {1, kvHeads, 0, headDim});
            OrtSession.Result prev = null;
            try {
                in.put("input_ids", OnnxTensor.createTensor(env, pids, new long[] {1, p}));
                in.put("attention_mask", OnnxTensor.createTensor(env, mask.duplicate().limit(p), new long[] {1, p}));
                if (hasPositionIds) {
                    in.put("position_ids", OnnxTensor.createTensor(env, ppos, new long[] {1, p}));
                }
                for (int l = 0; l < layers; l++) {
                    in.put("past_key_values." + l + ".key", empty);
                    in.put("past_key_values." + l + ".value", empty);
                }
                prev = session.run(in);
                closeInputs(in);
                int tok = argmax(prev, 1);
                long b0 = MX.getCurrentThreadAllocatedBytes();
                long c0 = MX.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    int t = p + i;
                    ids.put(0, tok);
                    pos.put(0, t);
                    in.put("input_ids", OnnxTensor.createTensor(env, ids, new long[] {1, 1}));
                    in.put("attention_mask", OnnxTensor.createTensor(env, mask.duplicate().limit(t + 1), new long[] {1, t + 1}));
                    if (hasPositionIds) {
                        in.put("position_ids", OnnxTensor.createTensor(env, pos, new long[] {1, 1}));
                    }
                    for (int l = 0; l < layers; l++) { // outputs fed straight back, no copy
                        in.put("past_key_values." + l + ".key", (OnnxTensor) prev.get("present." + l + ".key").get());
                        in.put("past_key_values." + l + ".value", (OnnxTensor) prev.get("present." + l + ".value").get());
                    }
                    OrtSession.Result next = session.run(in);
                    closeInputs(in);
                    prev.close();
                    prev = next;
                    tok = argmax(prev, 1);
                }
                long t1 = System.nanoTime();
                long c1 = MX.getCurrentThreadCpuTime();
                long b1 = MX.getCurrentThreadAllocatedBytes();
                return Run.of(t0, t1, c0, c1, b0, b1, n);
            } finally {
                if (prev != null) {
                    prev.close();
                }
                empty.close();
            }
        }

        private static void closeInputs(Map<String, OnnxTensor> in) {
            for (String k : new String[] {"input_ids", "attention_mask", "position_ids"}) {
                OnnxTensor t = in.remove(k);
                if (t != null) {
                    t.close();
                }
            }
        }

        private static int argmax(OrtSession.Result r, int rowsFromEnd) {
            OnnxValue v = r.get("logits").get();
            OnnxTensor t = (OnnxTensor) v;
            long[] shape = t.getInfo().getShape();
            int vocab = (int) shape[2];
            FloatBuffer fb = t.getFloatBuffer(); // the official API copies outputs to the heap
            int base = (int) ((shape[1] - rowsFromEnd) * vocab);
            int best = 0;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) {
                float x = fb.get(base + i);
                if (x > max) {
                    max = x;
                    best = i;
                }
            }
            return best;
        }

        @Override
        public void close() throws OrtException {
            session.close();
        }
    }
}
