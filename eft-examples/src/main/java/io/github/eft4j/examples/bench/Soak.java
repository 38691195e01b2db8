package io.github.eft4j.examples.bench;

import io.github.eft4j.model.BatchDecodingState;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.onnx.OnnxLogitSource;
import io.github.eft4j.onnx.OnnxOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Soak test of eft-onnx's native lifetimes: generates many tokens over and over opened and closed
 * sources and states (single states with appends, multi-token appends and rollbacks; batch
 * states; logits read through views and through copies) and prints the process's resident set
 * size ({@code VmRSS} from {@code /proc/self/status}), the Java heap's committed size (part of
 * the RSS, so heap growth is not mistaken for a native leak) and eft-onnx's live native object
 * count as it goes. A leak shows as RSS that keeps growing after warm-up, or a live count that does not
 * return to zero; the run exits with status 1 if the count is not zero at the end.
 *
 * <pre>
 * bench/soak.sh [MODEL.onnx [TOKENS [STATES_PER_SOURCE]]]
 * </pre>
 *
 * Defaults: the test graph {@code eft-onnx/src/test/resources/graphs/llama_gqa/model.onnx},
 * 100,000 tokens, a new source every 50 states. One intra-op thread. RSS is sampled every 10,000
 * tokens; "growth" is relative to the sample after the first 10% of tokens (warm-up: JIT, ORT's
 * arenas, the library cache).
 */
public final class Soak {
    private Soak() {
    }

    /**
     * Runs the soak.
     *
     * @param args optional model path, token count, states per source
     * @throws IOException if {@code /proc/self/status} cannot be read
     */
    public static void main(String[] args) throws IOException {
        Path model = Path.of(args.length > 0 ? args[0] : "eft-onnx/src/test/resources/graphs/llama_gqa/model.onnx");
        long total = args.length > 1 ? Long.parseLong(args[1]) : 100_000;
        int statesPerSource = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        SplittableRandom rnd = new SplittableRandom(42);
        long every = Math.max(1, total / 10);
        long next = every;
        long tokens = 0;
        long baseline = -1;
        int sources = 0;
        int states = 0;
        long start = System.nanoTime();
        System.out.printf(Locale.ROOT, "soak: %s, %,d tokens, %d states per source%n", model, total, statesPerSource);
        System.out.printf(Locale.ROOT, "%12s %8s %8s %10s %12s %14s %12s%n", "tokens", "sources", "states", "RSS MiB",
                "growth MiB", "heap comm. MiB", "live native");
        while (tokens < total) {
            try (OnnxLogitSource src = OnnxLogitSource.open(OnnxOptions.builder(model).threads(1).build())) {
                sources++;
                int vocab = src.vocabSize();
                int maxLen = src.config().maxPositions().orElse(512);
                float[] row = new float[vocab];
                for (int k = 0; k < statesPerSource && tokens < total; k++) {
                    states++;
                    if (k % 10 == 9) {
                        tokens += batch(src, rnd, Math.min(32, maxLen - 8));
                    } else {
                        tokens += single(src, rnd, row, maxLen);
                    }
                    if (tokens >= next) {
                        long rss = rssKiB();
                        if (baseline < 0) {
                            baseline = rss;
                        }
                        System.out.printf(Locale.ROOT, "%,12d %8d %8d %10.1f %+12.1f %14.1f %12d%n", tokens, sources,
                                states, rss / 1024.0, (rss - baseline) / 1024.0,
                                Runtime.getRuntime().totalMemory() / 1048576.0, OnnxLogitSource.liveNativeObjects());
                        next += every;
                    }
                }
            }
        }
        long live = OnnxLogitSource.liveNativeObjects();
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "done: %,d tokens in %.1f s (%,.0f tokens/s), %d sources, %d states; "
                + "RSS growth after warm-up %+.1f MiB; live native objects after close: %d%n", tokens, secs,
                tokens / secs, sources, states, (rssKiB() - baseline) / 1024.0, live);
        if (live != 0) {
            System.out.println("LEAK: native objects still alive after every source and state was closed");
            System.exit(1);
        }
    }

    /** One state: prompt, greedy-ish appends of 1 to 4 tokens, an occasional rollback. */
    private static long single(OnnxLogitSource src, SplittableRandom rnd, float[] row, int maxLen) {
        int vocab = src.vocabSize();
        int[] prompt = rnd.ints(1 + rnd.nextInt(8), 0, vocab).toArray();
        long generated = 0;
        int target = Math.min(maxLen - 4, prompt.length + 8 + rnd.nextInt(40));
        try (DecodingState s = src.open(prompt)) {
            while (s.length() < target) {
                int k = Math.min(1 + rnd.nextInt(4), target - s.length());
                int[] next = new int[k];
                for (int j = 0; j < k; j++) {
                    next[j] = rnd.nextBoolean() ? argmax(s, row) : rnd.nextInt(vocab);
                }
                s.append(next);
                generated += k;
                if (k > 1 && rnd.nextInt(4) == 0) {
                    s.truncate(s.length() - 1 - rnd.nextInt(k - 1)); // speculative-style rollback
                }
            }
        }
        return generated;
    }

    /** Copies the next-token row (no view) or reads it through a view, alternately. */
    private static int argmax(DecodingState s, float[] row) {
        int best = 0;
        if (s.length() % 2 == 0) {
            s.copyLogits(row);
            for (int v = 1; v < row.length; v++) {
                best = row[v] > row[best] ? v : best;
            }
        } else {
            MemorySegment view = s.logits();
            int n = (int) (view.byteSize() / 4);
            for (int v = 1; v < n; v++) {
                best = view.getAtIndex(ValueLayout.JAVA_FLOAT, v) > view.getAtIndex(ValueLayout.JAVA_FLOAT, best) ? v : best;
            }
        }
        return best;
    }

    private static long batch(OnnxLogitSource src, SplittableRandom rnd, int steps) {
        int vocab = src.vocabSize();
        int b = 2 + rnd.nextInt(3);
        int[][] prompts = new int[b][];
        for (int i = 0; i < b; i++) {
            prompts[i] = rnd.ints(1 + rnd.nextInt(6), 0, vocab).toArray();
        }
        try (BatchDecodingState s = src.openBatch(prompts)) {
            int[] next = new int[b];
            for (int t = 0; t < steps; t++) {
                for (int i = 0; i < b; i++) {
                    next[i] = rnd.nextInt(vocab);
                }
                s.append(next);
            }
        }
        return (long) b * steps;
    }

    /** VmRSS of this process in KiB, or 0 where there is no {@code /proc}. */
    static long rssKiB() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return 0;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }
}
