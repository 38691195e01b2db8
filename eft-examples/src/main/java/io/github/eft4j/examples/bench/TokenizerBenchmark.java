package io.github.eft4j.examples.bench;

import io.github.eft4j.tokenizer.EncodeOptions;
import io.github.eft4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Encode and decode throughput of the pure-Java tokenizer on the committed test tokenizers.
 *
 * <p>Two corpora: {@code english} (the Apache-2.0 LICENSE text of this repository repeated to
 * 200 KB: real words, so the per-word cache is warm, as in real prompts) and {@code random}
 * (200 KB of seeded pseudo-words drawn from 26 letters, far more distinct words than the 10,000
 * the cache holds, so nearly every word runs the BPE merge loop: the worst case). Run from the
 * repository root after {@code ./mvnw -q -pl eft-examples -am package -DskipTests}:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *   -cp "eft-examples/target/classes:$(cat eft-examples/target/classpath.txt)" \
 *   io.github.eft4j.examples.bench.TokenizerBenchmark
 * </pre>
 *
 * <p>It prints JMH's table (ms per 200 KB) and the same as characters per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TokenizerBenchmark {
    private static final int CORPUS_CHARS = 200_000;

    /** Test tokenizer under eft-core/src/test/resources/tokenizer. */
    @Param({"gpt2", "llama2", "mistral"})
    public String tokenizer;

    /** {@code english} or {@code random}. */
    @Param({"english", "random"})
    public String corpus;

    /** Repository root (the working directory by default). */
    @Param({"."})
    public String repo;

    private Tokenizer tok;
    private String text;
    private int[] ids;

    /**
     * Loads the tokenizer and builds the corpus.
     *
     * @throws IOException if a file is missing
     */
    @Setup
    public void setup() throws IOException {
        Path root = Path.of(repo);
        Path file = root.resolve("eft-core/src/test/resources/tokenizer/" + tokenizer + ".json.gz");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            tok = Tokenizer.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        text = corpus(root, corpus);
        ids = tok.encode(text, EncodeOptions.TEXT_ONLY);
    }

    static String corpus(Path root, String kind) throws IOException {
        StringBuilder sb = new StringBuilder(CORPUS_CHARS + 1000);
        if (kind.equals("english")) {
            String license = Files.readString(root.resolve("LICENSE"));
            while (sb.length() < CORPUS_CHARS) {
                sb.append(license);
            }
        } else if (kind.equals("random")) {
            SplittableRandom r = new SplittableRandom(7);
            while (sb.length() < CORPUS_CHARS) {
                int n = 2 + r.nextInt(9);
                for (int i = 0; i < n; i++) {
                    sb.append((char) ('a' + r.nextInt(26)));
                }
                sb.append(r.nextInt(12) == 0 ? ".\n" : " ");
            }
        } else {
            throw new IllegalArgumentException("corpus \"" + kind + "\"; expected english or random");
        }
        sb.setLength(CORPUS_CHARS);
        return sb.toString();
    }

    /**
     * Encodes the corpus.
     *
     * @return the ids (consumed by JMH)
     */
    @Benchmark
    public int[] encode() {
        return tok.encode(text, EncodeOptions.TEXT_ONLY);
    }

    /**
     * Decodes the corpus's ids.
     *
     * @return the text (consumed by JMH)
     */
    @Benchmark
    public String decode() {
        return tok.decode(ids, true);
    }

    /**
     * Runs the benchmark and prints characters per second.
     *
     * @param args ignored
     * @throws RunnerException if JMH fails
     */
    public static void main(String[] args) throws RunnerException {
        Options opt = new OptionsBuilder().include(TokenizerBenchmark.class.getSimpleName()).build();
        System.out.printf("%-8s %-8s %-7s %14s%n", "tokenizer", "corpus", "bench", "M chars/s");
        for (RunResult r : new Runner(opt).run()) {
            double msPer = r.getPrimaryResult().getScore();
            System.out.printf("%-8s %-8s %-7s %14.2f%n", r.getParams().getParam("tokenizer"), r.getParams().getParam("corpus"),
                    r.getParams().getBenchmark().replaceAll(".*\\.", ""), CORPUS_CHARS / msPer / 1000.0);
        }
    }
}
