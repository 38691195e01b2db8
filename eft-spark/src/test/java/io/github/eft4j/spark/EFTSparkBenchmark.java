package io.github.eft4j.spark;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.decoder.TokenTrace;
import io.github.eft4j.onnx.ModelFolder;
import io.github.eft4j.onnx.OnnxOptions;
import io.github.eft4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * EFT up-scaling of N prompts three ways, in one run: a plain single-JVM loop (one thread, as a
 * user would write it), Spark {@code local[1]} and Spark {@code local[2]} (one task per core).
 * Reports prompts/s and generated tokens/s of each (median of the rounds) and checks that both
 * Spark runs produced the plain loop's rows (text, tokens, log-probability). Not a test: run it
 * with {@code bench/spark.sh} on a quiet machine.
 *
 * <pre>
 * bench/spark.sh [--prompts 400] [--max-tokens 32] [--batch-size 1] [--partitions 8] [--rounds 3]
 *                [--models models/mini]
 * </pre>
 *
 * Every mode loads the models with one ONNX Runtime intra-op thread per model (eft-spark's
 * default, right for one task per core); Spark keeps them loaded across its jobs, and one
 * warm-up pass per mode runs before the measured rounds. Spark times include job scheduling
 * and collecting the rows to the driver, not the session's start.
 */
public final class EFTSparkBenchmark {
    private static final List<String> COMPONENTS = List.of(EFTSpec.LARGE_BASE, EFTSpec.SMALL_FT, EFTSpec.SMALL_BASE);

    private EFTSparkBenchmark() {
    }

    /**
     * Runs the benchmark and prints a Markdown report.
     *
     * @param args {@code --key value} options, see the class description
     * @throws IOException if words.tsv cannot be read
     */
    public static void main(String[] args) throws IOException {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --key value pairs, got " + Arrays.toString(args));
            }
            o.put(args[i].substring(2), args[i + 1]);
        }
        run(o, System.out);
    }

    static void run(Map<String, String> o, PrintStream out) throws IOException {
        int n = Integer.parseInt(o.getOrDefault("prompts", "400"));
        int maxTokens = Integer.parseInt(o.getOrDefault("max-tokens", "32"));
        int batch = Integer.parseInt(o.getOrDefault("batch-size", "1"));
        int partitions = Integer.parseInt(o.getOrDefault("partitions", "8"));
        int rounds = Integer.parseInt(o.getOrDefault("rounds", "3"));
        Path models = Path.of(o.getOrDefault("models", "models/mini")).toAbsolutePath().normalize();
        List<Row> rows = prompts(models.resolve("words.tsv"), n);
        List<Row> warmRows = rows.subList(0, Math.min(n, 16));

        out.println("# eft-spark benchmark");
        out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, JDK " + Runtime.version()
                + ", load average at start " + String.format(Locale.ROOT, "%.1f",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        out.println("models: " + models + "; " + n + " prompts, up to " + maxTokens + " new tokens, greedy, batch size "
                + batch + ", " + partitions + " partitions; median of " + rounds + " rounds after one warm-up");
        out.println();

        EFTSparkConfig.Builder b = EFTSparkConfig.builder().chatPromptColumn("chat_prompt").maxTokens(maxTokens).batchSize(batch);
        COMPONENTS.forEach(c -> b.model(c, models.resolve(c).toString()));
        EFTSparkConfig cfg = b.build();

        // plain loop
        List<Object[]> reference;
        long tokens;
        double[] plain = new double[rounds];
        try (PlainLoop loop = new PlainLoop(models, maxTokens)) {
            loop.run(warmRows);
            reference = null;
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                List<Object[]> got = loop.run(rows);
                plain[r] = (System.nanoTime() - t0) / 1e9;
                reference = got;
            }
        }
        tokens = reference.stream().mapToLong(v -> ((int[]) v[1]).length).sum();

        out.println("| mode | seconds (median) | prompts/s | tokens/s | rows equal to the plain loop |");
        out.println("|---|---:|---:|---:|---|");
        line(out, "plain loop, 1 thread", median(plain), n, tokens, "(reference)");
        for (String master : List.of("local[1]", "local[2]")) {
            SparkSession spark = SparkSession.builder().master(master).appName("eft-spark-benchmark")
                    .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
            try {
                EFTSpark.generate(spark.createDataFrame(warmRows, SparkTestSupport.PROMPTS).repartition(2), cfg).collectAsList();
                double[] secs = new double[rounds];
                String equal = "yes";
                for (int r = 0; r < rounds; r++) {
                    Dataset<Row> ds = spark.createDataFrame(rows, SparkTestSupport.PROMPTS).repartition(partitions);
                    long t0 = System.nanoTime();
                    List<Row> got = EFTSpark.generate(ds, cfg).collectAsList();
                    secs[r] = (System.nanoTime() - t0) / 1e9;
                    String diff = compare(reference, got, batch > 1);
                    if (diff != null) {
                        equal = "NO: " + diff;
                    }
                }
                line(out, "Spark " + master, median(secs), n, tokens, equal);
            } finally {
                spark.stop();
            }
        }
        if (batch > 1) {
            out.println();
            out.println("With batch size > 1 the log-probabilities are compared with a 1e-4 relative tolerance "
                    + "(a padded batch rounds differently); tokens and text exactly.");
        }
        ModelRegistry.SHARED.closeIdle();
    }

    private static void line(PrintStream out, String mode, double secs, int n, long tokens, String equal) {
        out.printf(Locale.ROOT, "| %s | %.2f | %.1f | %.0f | %s |%n", mode, secs, n / secs, tokens / secs, equal);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** The first difference between Spark's rows and the plain loop's, or null. */
    private static String compare(List<Object[]> reference, List<Row> got, boolean tolerant) {
        if (got.size() != reference.size()) {
            return got.size() + " rows instead of " + reference.size();
        }
        for (Row r : got) {
            Object[] ref = reference.get((int) r.getLong(0));
            int[] ids = r.getList(r.fieldIndex(EFTSpark.TOKENS)).stream().mapToInt(x -> (Integer) x).toArray();
            double lp = r.getAs(EFTSpark.LOGPROB);
            boolean same = ref[0].equals(r.getAs(EFTSpark.TEXT)) && Arrays.equals((int[]) ref[1], ids)
                    && (tolerant ? Math.abs((double) ref[2] - lp) <= 1e-4 * Math.max(1, Math.abs(lp)) : (double) ref[2] == lp);
            if (!same) {
                return "row " + r.getLong(0);
            }
        }
        return null;
    }

    /** (id, plain prompt, Q/A prompt) rows over the words of words.tsv, repeated if needed. */
    private static List<Row> prompts(Path words, int n) throws IOException {
        List<String> w;
        try (Stream<String> lines = Files.lines(words)) {
            w = lines.filter(l -> !l.startsWith("#")).map(l -> l.split("\t")[1]).toList();
        }
        List<Row> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String word = w.get(i % w.size());
            rows.add(RowFactory.create((long) i, "The word \"" + word + "\" means", "Q: What does \"" + word + "\" mean?\nA:"));
        }
        return rows;
    }

    /** The plain loop: one decoder, the rows one after the other on this thread. */
    private static final class PlainLoop implements AutoCloseable {
        private final List<ModelFolder> folders = new ArrayList<>();
        private final Tokenizer tok;
        private final EFTDecoder decoder;
        private final GenerationConfig config;

        PlainLoop(Path models, int maxTokens) {
            EFTDecoder.Builder b = EFTDecoder.builder(EFTSpec.upscale());
            for (String c : COMPONENTS) {
                ModelFolder f = ModelFolder.load(models.resolve(c), m -> OnnxOptions.builder(m).threads(1).build());
                folders.add(f);
                b.source(c, f.source());
            }
            tok = folders.get(1).tokenizer();
            decoder = b.vocabSize(tok.vocabSize()).build();
            config = GenerationConfig.builder().maxNewTokens(maxTokens)
                    .stopTokens(folders.get(1).generation().eosTokenIds().getFirst()).trace(true).seed(0L).build();
        }

        /** (text, tokens, logprob) per row. */
        List<Object[]> run(List<Row> rows) {
            List<Object[]> out = new ArrayList<>(rows.size());
            for (Row r : rows) {
                Prompt p = Prompt.of(tok.encode(r.getString(1))).with(EFTSpec.SMALL_FT, tok.encode(r.getString(2)));
                GenerationResult g = decoder.generate(p, config);
                double lp = 0;
                for (TokenTrace t : g.trace()) {
                    lp += t.combinedLogProb();
                }
                out.add(new Object[] {tok.decode(g.tokens(), true), g.tokens(), lp});
            }
            return out;
        }

        @Override
        public void close() {
            folders.forEach(ModelFolder::close);
        }
    }
}
