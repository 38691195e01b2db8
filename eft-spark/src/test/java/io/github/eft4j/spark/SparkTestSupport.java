package io.github.eft4j.spark;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.decoder.ScoreResult;
import io.github.eft4j.decoder.TokenTrace;
import io.github.eft4j.onnx.ModelFolder;
import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The tests' Spark session (one per JVM: {@code local[2,2]}, two task slots and one retry, the
 * mini family shipped as {@code spark.archives}), their prompts, and the plain eft4j loop the
 * Spark results are compared with.
 */
final class SparkTestSupport {
    static final Path HOME = Path.of(System.getProperty("eft4j.home", ".")).toAbsolutePath().normalize();
    static final Path MINI = HOME.resolve("models/mini");
    static final List<String> UPSCALE = List.of(EFTSpec.LARGE_BASE, EFTSpec.SMALL_FT, EFTSpec.SMALL_BASE);
    static final StructType PROMPTS = new StructType()
            .add("id", DataTypes.LongType, false)
            .add("prompt", DataTypes.StringType, true)
            .add("chat_prompt", DataTypes.StringType, true);

    private static SparkSession spark;

    private SparkTestSupport() {
    }

    /** The shared session; the archive is built (target/spark-test/family.zip) before it starts. */
    static synchronized SparkSession spark() {
        if (spark == null) {
            Path zip = zipFamily(HOME.resolve("eft-spark/target/spark-test/family.zip"));
            spark = SparkSession.builder()
                    .master("local[2,2]")
                    .appName("eft-spark-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", "4")
                    .config("spark.archives", zip.toUri().toString())
                    .getOrCreate();
        }
        return spark;
    }

    /** models/mini/{large-base,small-ft,small-base} as mini/... inside a zip. */
    private static Path zipFamily(Path zip) {
        try {
            Files.createDirectories(zip.getParent());
            try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
                for (String c : UPSCALE) {
                    try (Stream<Path> files = Files.list(MINI.resolve(c))) {
                        for (Path f : files.sorted(Comparator.naturalOrder()).toList()) {
                            out.putNextEntry(new ZipEntry("mini/" + c + "/" + f.getFileName()));
                            Files.copy(f, out);
                            out.closeEntry();
                        }
                    }
                }
            }
            return zip;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Up-scaling with the models shipped in the archive. */
    static EFTSparkConfig.Builder archiveConfig() {
        EFTSparkConfig.Builder b = EFTSparkConfig.builder();
        for (String c : UPSCALE) {
            b.model(c, "archive:family.zip#mini/" + c);
        }
        return b.chatPromptColumn("chat_prompt").maxTokens(24);
    }

    /** Up-scaling with the models read from models/mini. */
    static EFTSparkConfig.Builder pathConfig() {
        EFTSparkConfig.Builder b = EFTSparkConfig.builder();
        for (String c : UPSCALE) {
            b.model(c, MINI.resolve(c).toString());
        }
        return b.chatPromptColumn("chat_prompt").maxTokens(24);
    }

    /** The first n words of words.tsv as (id, plain prompt, Q/A prompt) rows. */
    static List<Row> promptRows(int n) {
        try (Stream<String> lines = Files.lines(MINI.resolve("words.tsv"))) {
            List<String> words = lines.filter(l -> !l.startsWith("#")).map(l -> l.split("\t")[1]).limit(n).toList();
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < words.size(); i++) {
                String w = words.get(i);
                rows.add(RowFactory.create((long) i, "The word \"" + w + "\" means", "Q: What does \"" + w + "\" mean?\nA:"));
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Dataset<Row> prompts(List<Row> rows, int partitions) {
        return spark().createDataFrame(rows, PROMPTS).repartition(partitions);
    }

    /**
     * What a user's plain loop over the rows gives: eft4j's decoder on freshly loaded folders,
     * default ONNX options, one row after the other.
     */
    static final class PlainLoop implements AutoCloseable {
        final ModelFolder large = ModelFolder.load(MINI.resolve(EFTSpec.LARGE_BASE));
        final ModelFolder chat = ModelFolder.load(MINI.resolve(EFTSpec.SMALL_FT));
        final ModelFolder small = ModelFolder.load(MINI.resolve(EFTSpec.SMALL_BASE));
        final Tokenizer tok = chat.tokenizer();

        EFTDecoder decoder(EFTSpec spec) {
            return EFTDecoder.builder(spec)
                    .source(EFTSpec.LARGE_BASE, large.source())
                    .source(EFTSpec.SMALL_FT, chat.source())
                    .source(EFTSpec.SMALL_BASE, small.source())
                    .build();
        }

        Prompt prompt(Row r) {
            return Prompt.of(tok.encode(r.getString(1))).with(EFTSpec.SMALL_FT, tok.encode(r.getString(2)));
        }

        /** (text, tokens, logprob, finish) of one prompt row. */
        Generated generate(EFTSpec spec, Row r, SamplingConfig sampling, long seed, int maxTokens) {
            GenerationResult g = decoder(spec).generate(prompt(r), GenerationConfig.builder()
                    .maxNewTokens(maxTokens).stopTokens(chat.generation().eosTokenIds().getFirst())
                    .sampling(sampling).seed(seed).trace(true).build());
            double lp = 0;
            for (TokenTrace t : g.trace()) {
                lp += t.combinedLogProb();
            }
            List<Integer> tokens = new ArrayList<>();
            for (int t : g.tokens()) {
                tokens.add(t);
            }
            return new Generated(tok.decode(g.tokens(), true), tokens, lp, g.finishReason().name().toLowerCase(Locale.ROOT));
        }

        ScoreResult score(EFTSpec spec, Row r, int[] continuation) {
            return decoder(spec).score(prompt(r), continuation);
        }

        @Override
        public void close() {
            large.close();
            chat.close();
            small.close();
        }
    }

    record Generated(String text, List<Integer> tokens, double logprob, String finish) {
        static Generated of(Row out) {
            return new Generated(out.getAs(EFTSpark.TEXT), out.getList(out.fieldIndex(EFTSpark.TOKENS)),
                    out.getAs(EFTSpark.LOGPROB), out.getAs(EFTSpark.FINISH_REASON));
        }
    }

    /** Rows sorted by their id column. */
    static List<Row> byId(Dataset<Row> ds) {
        List<Row> rows = new ArrayList<>(ds.collectAsList());
        rows.sort(Comparator.comparingLong(r -> r.getLong(r.fieldIndex("id"))));
        return rows;
    }
}
