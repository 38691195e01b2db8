package io.github.eft4j.spark;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.FinishReason;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.decoder.ScoreResult;
import io.github.eft4j.decoder.TokenTrace;
import io.github.eft4j.model.EFTException;
import io.github.eft4j.model.LogitSource;
import io.github.eft4j.onnx.ModelFolder;
import io.github.eft4j.tokenizer.EncodeOptions;
import io.github.eft4j.tokenizer.Tokenizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CancellationException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.TaskCompletionListener;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The executor side of {@link EFTSpark}: one call per partition. Rows are processed lazily as
 * Spark pulls them, {@code batchSize} at a time for batched greedy generation, else one by one.
 */
final class PartitionTask implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private static final EncodeOptions CONTINUATION = new EncodeOptions(false, true);
    private static final int MAX_DECODERS = 256;

    private final EFTSparkConfig cfg;
    private final Columns cols;

    PartitionTask(EFTSparkConfig cfg, Columns cols) {
        this.cfg = cfg;
        this.cols = cols;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        return new RowIterator(input, TaskContext.get());
    }

    /** Pulls input rows a batch at a time; releases the models when done or when the task ends. */
    private final class RowIterator implements Iterator<Row> {
        private final Iterator<Row> input;
        private final TaskContext task;
        private final ArrayDeque<Row> ready = new ArrayDeque<>();
        private Runner runner;
        private TaskModels models;
        private long nextIndex;

        RowIterator(Iterator<Row> input, TaskContext task) {
            this.input = input;
            this.task = task;
        }

        @Override
        public boolean hasNext() {
            while (ready.isEmpty()) {
                if (!input.hasNext()) {
                    release();
                    return false;
                }
                int size = cols.score() ? 1 : cfg.batchSize();
                List<Row> batch = new ArrayList<>(size);
                while (batch.size() < size && input.hasNext()) {
                    batch.add(input.next());
                }
                if (runner == null) {
                    open();
                }
                ready.addAll(runner.process(batch, nextIndex));
                nextIndex += batch.size();
            }
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }

        private void open() {
            if (task != null) {
                // also on failure and kill, and when a consumer stops early (limit)
                task.addTaskCompletionListener((TaskCompletionListener) ctx -> release());
            }
            models = TaskModels.open(cfg, task);
            runner = new Runner(models, new TaskGuard(task), task == null ? 0 : task.partitionId());
        }

        private void release() {
            if (models != null) {
                models.close();
            }
        }
    }

    /** One row as read from the input. */
    private record Input(Row row, long index, String key, String prompt, String chat, Double parameter, long seed,
            int[] continuation, String continuationText) {
    }

    /** Turns input rows into output rows with one task's models. */
    private final class Runner {
        private final Tokenizer tok;
        private final List<String> names;
        private final Map<String, LogitSource> sources = new LinkedHashMap<>();
        private final Map<Double, EFTDecoder> decoders = new HashMap<>();
        private final GenerationConfig base;
        private final int partition;
        private final int added;   // output columns after the input's

        Runner(TaskModels models, TaskGuard guard, int partition) {
            this.partition = partition;
            this.added = (cols.score() ? Columns.scoreFields(cols.errorColumn()) : Columns.generateFields(cols.errorColumn())).size();
            this.names = SpecNames.components(cfg.spec());
            Set<Integer> eos = new LinkedHashSet<>();
            for (String n : names) {
                ModelFolder f = models.folder(n);
                sources.put(n, guard.wrap(f.source()));
                eos.addAll(f.generation().eosTokenIds());
            }
            this.tok = models.folder(names.getFirst()).tokenizer();
            this.base = GenerationConfig.builder()
                    .maxNewTokens(cfg.maxTokens())
                    .stopTokens(eos.stream().mapToInt(Integer::intValue).toArray())
                    .sampling(cfg.sampling().toSamplingConfig())
                    .seed(0L)
                    .trace(true)
                    .build();
        }

        List<Row> process(List<Row> rows, long firstIndex) {
            Row[] out = new Row[rows.size()];
            Input[] in = new Input[rows.size()];
            for (int i = 0; i < in.length; i++) {
                try {
                    in[i] = parse(rows.get(i), firstIndex + i);
                } catch (IllegalArgumentException e) {
                    out[i] = failed(rows.get(i), firstIndex + i, e);
                }
            }
            boolean batched = !cols.score() && cfg.batchSize() > 1 && cfg.sampling().greedy();
            int i = 0;
            while (i < in.length) {
                if (in[i] == null) {
                    i++;
                    continue;
                }
                if (!batched) {
                    out[i] = one(in[i]);
                    i++;
                    continue;
                }
                // consecutive valid rows with one parameter share a batch
                int j = i;
                List<Input> group = new ArrayList<>();
                while (j < in.length && in[j] != null && java.util.Objects.equals(in[j].parameter(), in[i].parameter())) {
                    group.add(in[j]);
                    j++;
                }
                Row[] g = group(group);
                System.arraycopy(g, 0, out, i, g.length);
                i = j;
            }
            return Arrays.asList(out);
        }

        /** A batch of greedy rows; a row the batch cannot take is retried alone, so only it fails. */
        private Row[] group(List<Input> group) {
            Row[] out = new Row[group.size()];
            if (group.size() == 1) {
                out[0] = one(group.getFirst());
                return out;
            }
            List<Prompt> prompts = new ArrayList<>(group.size());
            try {
                for (Input in : group) {
                    prompts.add(prompt(in));
                }
                List<GenerationResult> r = decoder(group.getFirst().parameter()).generateBatch(prompts, base);
                for (int k = 0; k < out.length; k++) {
                    stopIfCancelled(r.get(k));
                    out[k] = generated(group.get(k).row(), r.get(k));
                }
            } catch (IllegalArgumentException e) {
                for (int k = 0; k < out.length; k++) {
                    out[k] = one(group.get(k));
                }
            } catch (CancellationException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new EFTException("eft-spark: rows " + group.getFirst().index() + ".." + group.getLast().index()
                        + " of partition " + partition + " (a batch): " + e.getMessage(), e);
            }
            return out;
        }

        /** One row: its result, or its error by the {@code onError} rule. */
        private Row one(Input in) {
            try {
                if (cols.score()) {
                    int[] ids = in.continuation() != null ? in.continuation()
                            : tok.encode(in.continuationText(), CONTINUATION);
                    return scored(in.row(), ids, decoder(in.parameter()).score(prompt(in), ids));
                }
                GenerationResult r = decoder(in.parameter()).generate(prompt(in), base.withSeed(in.seed()));
                stopIfCancelled(r);
                return generated(in.row(), r);
            } catch (IllegalArgumentException e) {
                return failed(in.row(), in.index(), e);
            } catch (CancellationException e) {
                throw e;   // killed: Spark reports the kill
            } catch (RuntimeException e) {
                throw new EFTException("eft-spark: " + describe(in.row(), in.index()) + ": " + e.getMessage(), e);
            }
        }

        /**
         * The decoder ends a call whose thread was interrupted with CANCELLED instead of
         * throwing; such a row is not a result, and the task must end (Spark killed it).
         */
        private static void stopIfCancelled(GenerationResult r) {
            if (r.finishReason() == FinishReason.CANCELLED) {
                throw new CancellationException("eft-spark: generation cancelled (task killed or thread interrupted)");
            }
        }

        private Row failed(Row row, long index, IllegalArgumentException e) {
            String where = describe(row, index);
            if (!cols.errorColumn()) {
                throw new EFTException("eft-spark: " + where + ": " + e.getMessage(), e);
            }
            Object[] v = values(row);
            v[v.length - 1] = e.getMessage();
            return RowFactory.create(v);
        }

        private Input parse(Row row, long index) {
            String key = cols.key() >= 0 && !row.isNullAt(cols.key()) ? String.valueOf(row.get(cols.key())) : null;
            String prompt = text(row, cols.prompt(), "prompt column '" + cfg.promptColumn() + "'");
            String chat = cols.chatPrompt() < 0 ? null
                    : text(row, cols.chatPrompt(), "chat prompt column '" + cfg.chatPromptColumn() + "'");
            Double parameter = cfg.specParameter();
            if (cols.parameter() >= 0 && !row.isNullAt(cols.parameter())) {
                parameter = ((Number) row.get(cols.parameter())).doubleValue();
                if (!Double.isFinite(parameter)) {
                    throw new IllegalArgumentException("parameter column '" + cfg.parameterColumn() + "' is " + parameter
                            + ", expected a finite " + SpecNames.parameterName(cfg.spec()));
                }
            } else if (cols.parameter() >= 0 && parameter == null) {
                throw new IllegalArgumentException("parameter column '" + cfg.parameterColumn() + "' is null and the config "
                        + "has no default " + SpecNames.parameterName(cfg.spec()));
            }
            long seed = 0;
            if (!cols.score()) {
                if (cols.seed() >= 0) {
                    if (row.isNullAt(cols.seed())) {
                        throw new IllegalArgumentException("seed column '" + cfg.seedColumn() + "' is null");
                    }
                    seed = ((Number) row.get(cols.seed())).longValue();
                } else {
                    seed = cfg.seedFor(key != null ? key : chat == null ? prompt : prompt + '\u0000' + chat);
                }
            }
            int[] ids = null;
            String contText = null;
            if (cols.score()) {
                String what = "continuation column '" + cols.continuationName() + "'";
                if (row.isNullAt(cols.continuation())) {
                    throw new IllegalArgumentException(what + " is null");
                }
                if (cols.continuationIds()) {
                    ids = tokenIds(row.get(cols.continuation()), what);
                } else {
                    contText = row.getString(cols.continuation());
                }
            }
            return new Input(row, index, key, prompt, chat, parameter, seed, ids, contText);
        }

        /**
         * An array&lt;int&gt; cell: a Scala Seq as Spark reads it, or a Java array or list when
         * the producing function's rows reach this one directly (Spark then skips the encoder).
         */
        private static int[] tokenIds(Object cell, String what) {
            if (cell instanceof int[] a) {
                return a.clone();
            }
            List<?> list;
            if (cell instanceof scala.collection.Seq<?> seq) {
                list = CollectionConverters.asJava(seq);
            } else if (cell instanceof List<?> l) {
                list = l;
            } else if (cell instanceof Object[] a) {
                list = Arrays.asList(a);
            } else {
                throw new IllegalArgumentException(what + " holds a " + cell.getClass().getName() + ", expected token ids");
            }
            int[] ids = new int[list.size()];
            for (int k = 0; k < ids.length; k++) {
                if (!(list.get(k) instanceof Integer t)) {
                    throw new IllegalArgumentException(what + " holds " + list.get(k) + " at index " + k + ", expected token ids");
                }
                ids[k] = t;
            }
            return ids;
        }

        private static String text(Row row, int i, String what) {
            if (row.isNullAt(i)) {
                throw new IllegalArgumentException(what + " is null");
            }
            return row.getString(i);
        }

        /** Every component sees the prompt; fine-tuned components the chat prompt if there is one. */
        private Prompt prompt(Input in) {
            Prompt p = Prompt.of(encode(in.prompt(), "prompt"));
            if (in.chat() != null) {
                int[] chat = encode(in.chat(), "chat prompt");
                for (String n : names) {
                    if (SpecNames.fineTuned(n)) {
                        p = p.with(n, chat);
                    }
                }
            }
            return p;
        }

        private int[] encode(String text, String what) {
            int[] ids = tok.encode(text);
            if (ids.length == 0) {
                throw new IllegalArgumentException(what + " \"" + text + "\" encodes to no tokens");
            }
            return ids;
        }

        private EFTDecoder decoder(Double parameter) {
            EFTDecoder d = decoders.get(parameter);
            if (d == null) {
                if (decoders.size() >= MAX_DECODERS) {
                    decoders.clear();   // a parameter column with many values: decoders are cheap to rebuild
                }
                EFTSpec spec = SpecNames.create(cfg.spec(), parameter);
                EFTDecoder.Builder b = EFTDecoder.builder(spec).vocabSize(tok.vocabSize());
                for (String n : spec.names()) {
                    b.source(n, sources.get(n));
                }
                d = b.build();
                decoders.put(parameter, d);
            }
            return d;
        }

        private Row generated(Row row, GenerationResult r) {
            int[] tokens = r.tokens();
            double logprob = 0;
            for (TokenTrace t : r.trace()) {
                logprob += t.combinedLogProb();
            }
            Object[] v = values(row);
            int o = cols.width();
            v[o] = tok.decode(tokens, true);
            v[o + 1] = seq(tokens);
            v[o + 2] = logprob;
            v[o + 3] = r.finishReason().name().toLowerCase(Locale.ROOT);
            return RowFactory.create(v);
        }

        private Row scored(Row row, int[] ids, ScoreResult s) {
            int n = names.size();
            int len = s.tokens().size();
            double[] perToken = new double[len];
            double[] totals = new double[n];
            double[][] perComponent = new double[n][len];
            for (int t = 0; t < len; t++) {
                TokenTrace e = s.tokens().get(t);
                perToken[t] = e.combinedLogProb();
                for (int c = 0; c < n; c++) {
                    float lp = e.componentLogProb(c);
                    totals[c] += lp;
                    perComponent[c][t] = lp;
                }
            }
            Map<String, Double> total = new LinkedHashMap<>();
            Map<String, Object> tokens = new LinkedHashMap<>();
            for (int c = 0; c < n; c++) {
                total.put(names.get(c), totals[c]);
                tokens.put(names.get(c), seq(perComponent[c]));
            }
            Object[] v = values(row);
            int o = cols.width();
            v[o] = seq(ids);
            v[o + 1] = s.totalLogProb();
            v[o + 2] = seq(perToken);
            v[o + 3] = CollectionConverters.asScala(total);
            v[o + 4] = CollectionConverters.asScala(tokens);
            return RowFactory.create(v);
        }

        /**
         * Arrays and maps as Spark's own rows hold them (Scala collections), so that
         * {@code Row.getList} and {@code getJavaMap} work also where Spark hands these rows to
         * the next function without converting them.
         */
        private static Object seq(Object primitiveArray) {
            return scala.collection.immutable.ArraySeq.unsafeWrapArray(primitiveArray);
        }

        /** The input values followed by nulls for the added columns. */
        private Object[] values(Row row) {
            Object[] v = new Object[cols.width() + added];
            for (int i = 0; i < cols.width(); i++) {
                v[i] = row.get(i);
            }
            return v;
        }

        private String describe(Row row, long index) {
            StringBuilder sb = new StringBuilder("row ").append(index).append(" of partition ").append(partition);
            if (cols.key() >= 0 && !row.isNullAt(cols.key())) {
                sb.append(" (").append(cfg.keyColumn()).append(" = ").append(row.get(cols.key())).append(')');
            } else if (!row.isNullAt(cols.prompt())) {
                String p = row.getString(cols.prompt());
                sb.append(" (prompt \"").append(p.length() > 60 ? p.substring(0, 57) + "..." : p).append("\")");
            }
            return sb.toString();
        }
    }
}
