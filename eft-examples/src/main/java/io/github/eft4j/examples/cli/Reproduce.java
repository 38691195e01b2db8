package io.github.eft4j.examples.cli;

import io.github.eft4j.chat.TemplateChatFormat;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.ScoreResult;
import io.github.eft4j.decoder.SourcePrompts;
import io.github.eft4j.examples.cli.Eft4jCli.Command;
import io.github.eft4j.tokenizer.EncodeOptions;
import io.github.eft4j.tokenizer.Tokenizer;
import java.awt.Color;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code eft4j reproduce}: the paper's up-scaling claims measured on the embedded mini family,
 * through the Java library alone (ONNX sources, {@link SourcePrompts}, {@link EFTDecoder#score}
 * and greedy {@link EFTDecoder#generate}), one row per {@link EFTSpec} factory.
 *
 * <p>Held-out words were seen in pre-training prose ({@code The word "X" means ...}) but never in
 * the fine-tuned question/answer format. Fine-tuned sources get {@code Q: What does "X" mean?\nA:};
 * base sources get the family's plain prompt, its pre-training phrasing {@code The word "X" means}
 * (format {@code mini-prose}), and, as a check on that choice, the Q/A prompt too. Metrics: mean
 * per-token NLL of the gold answer {@code " <gloss></s>"} under each row's distribution, exact match
 * and first-word accuracy of the greedy answer.
 */
final class Reproduce implements Command {

    record Word(String word, String gloss) {
    }

    /** What the base sources see. */
    enum Bases { PROSE, QA, FEW_SHOT }

    record Row(String name, String factory, String note, EFTSpec spec, Bases bases, double nll, double exact, double firstWord,
            double hedge) {
    }

    @Override
    public String summary() {
        return "reproduction table of the paper's up-scaling claims on the mini family";
    }

    @Override
    public OptionSpec options() {
        return new OptionSpec("reproduce", "Measures each EFTSpec form (up-scaling, scale-delta and behaviour-delta β, conservative filter,\n"
                + "down-scaling, a λ sweep) on held-out words of the embedded mini family; prints a markdown table\n"
                + "and writes reproduction.md, lambda-sweep.svg and lambda-sweep.png into --out-dir.")
                .option("family", "DIR", "model family folder", "<home>/models/mini")
                .option("words", "N", "held-out words to evaluate", "400")
                .option("max-tokens", "N", "answer length limit for greedy generation", "32")
                .option("out-dir", "DIR", "where the report and the plot go (created if missing)", "target/reproduce")
                .option("threads", "N", "intra-op threads per model (0 = shared pool)", "0")
                .retired("out", "the report goes to --out-dir DIR/reproduction.md")
                .retired("svg", "the plot goes to --out-dir DIR/lambda-sweep.svg (and .png)");
    }

    @Override
    public int run(OptionSpec.Parsed a, PrintStream out, PrintStream err) {
        Path fam = a.has("family") ? Path.of(a.string("family", null)) : MiniFamily.dir();
        int n = a.integer("words", 400, 1, 100_000);
        int maxTokens = a.integer("max-tokens", 32, 1, 1000);
        a.integer("threads", 0, 0, 1024);
        List<Word> train = new ArrayList<>();
        List<Word> held = new ArrayList<>();
        readWords(fam.resolve("words.tsv"), train, held);
        held = held.subList(0, Math.min(n, held.size()));
        Path outDir = a.outputDir("out-dir", Path.of("target", "reproduce"));
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (String m : List.of(EFTSpec.LARGE_BASE, EFTSpec.LARGE_FT, EFTSpec.SMALL_BASE, EFTSpec.SMALL_FT)) {
            dirs.put(m, fam.resolve(m));
        }
        dirs.put(EFTSpec.SMALL_FT2, fam.resolve("small-ft-hedge"));
        try (Commands.Models models = new Commands.Models(dirs, a, err)) {
            Tokenizer tok = models.tokenizer();
            int eos = models.eos().isEmpty() ? -1 : models.eos().get(0);
            String fewShot = fewShot(train);
            Eval ev = new Eval(held, models, tok, eos, maxTokens, fewShot, err);
            List<Row> rows = new ArrayList<>();
            EFTSpec up = EFTSpec.upscale();
            rows.add(ev.row("small-ft alone", "of(SMALL_FT, 1)", "Q/A prompt", EFTSpec.of(EFTSpec.SMALL_FT, 1.0), Bases.PROSE));
            rows.add(ev.row("large-base alone", "of(LARGE_BASE, 1)", "plain prompt (its pre-training phrasing)",
                    EFTSpec.of(EFTSpec.LARGE_BASE, 1.0), Bases.PROSE));
            rows.add(ev.row("large-base alone", "of(LARGE_BASE, 1)", "3-shot Q/A prompt", EFTSpec.of(EFTSpec.LARGE_BASE, 1.0), Bases.FEW_SHOT));
            rows.add(ev.row("up-scaling", "upscale()", "bases: plain prompt", up, Bases.PROSE));
            rows.add(ev.row("up-scaling", "upscale()", "bases: the Q/A prompt", up, Bases.QA));
            for (double beta : new double[] {0.5, 1.5, 2.0}) {
                rows.add(ev.row("scale-delta, β=" + beta, "scaleDelta(" + beta + ")", "bases: plain prompt", EFTSpec.scaleDelta(beta), Bases.PROSE));
            }
            for (double beta : new double[] {0.5, 1.5, 2.0}) {
                rows.add(ev.row("behaviour-delta, β=" + beta, "behaviourDelta(" + beta + ")", "bases: plain prompt",
                        EFTSpec.behaviourDelta(beta), Bases.PROSE));
            }
            for (EFTSpec.ConservativeMode mode : EFTSpec.ConservativeMode.values()) {
                String m = mode.name().toLowerCase(Locale.ROOT).replace('_', '-');
                rows.add(ev.row("up-scaling, conservative " + m, "upscale().withConservativeFilter(…)", "top-p 0.9 of small-ft",
                        up.withConservativeFilter(new EFTSpec.ConservativeFilter(EFTSpec.SMALL_FT, 0.9, mode)), Bases.PROSE));
            }
            rows.add(ev.row("down-scaling", "downscale()", "bases: plain prompt", EFTSpec.downscale(), Bases.PROSE));
            rows.add(ev.row("large-ft alone", "of(LARGE_FT, 1)", "Q/A prompt (upper bound)", EFTSpec.of(EFTSpec.LARGE_FT, 1.0), Bases.PROSE));
            List<Row> sweep = new ArrayList<>();
            double[] lambdas = {0, 0.25, 0.5, 0.75, 1.0};
            for (double l : lambdas) {
                sweep.add(ev.row("λ=" + l, "lambdaInterpolation(" + l + ")", "", EFTSpec.lambdaInterpolation(l), Bases.PROSE));
            }
            String report = report(rows, sweep, held.size());
            out.print(report);
            SweepPlot plot = plot(sweep, lambdas, held.size());
            try {
                Files.writeString(outDir.resolve("reproduction.md"), report);
                Files.writeString(outDir.resolve("lambda-sweep.svg"), plot.svg());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write into " + outDir + ": " + OptionSpec.reason(e), e);
            }
            plot.writePng(outDir.resolve("lambda-sweep.png"));
            err.println("eft4j reproduce: wrote reproduction.md, lambda-sweep.svg and lambda-sweep.png to " + outDir);
        }
        return Eft4jCli.OK;
    }

    static SweepPlot plot(List<Row> sweep, double[] lambdas, int n) {
        double[] exact = new double[sweep.size()];
        double[] hedged = new double[sweep.size()];
        for (int i = 0; i < exact.length; i++) {
            exact[i] = sweep.get(i).exact();
            hedged[i] = sweep.get(i).hedge();
        }
        return new SweepPlot("λ sweep on the mini family, n = " + n + " held-out words",
                "λ (weight of small-ft; 1 − λ on small-ft2 = the hedging fine-tune)", "share of greedy answers",
                lambdas, List.of(new SweepPlot.Series("exact match", new Color(0x1f, 0x77, 0xb4), false, exact),
                        new SweepPlot.Series("hedged answers", new Color(0xd6, 0x27, 0x28), true, hedged)));
    }

    private static String fewShot(List<Word> train) {
        StringBuilder sb = new StringBuilder();
        for (Word w : train.subList(0, Math.min(3, train.size()))) {
            sb.append(TemplateChatFormat.QA.prompt(null, MiniFamily.question(w.word()))).append(' ').append(w.gloss()).append('\n');
        }
        return sb.toString();
    }

    /** Evaluates rows over the held-out words. */
    private record Eval(List<Word> words, Commands.Models models, Tokenizer tok, int eos, int maxTokens, String fewShot, PrintStream err) {

        /** Per word: fine-tuned sources get the Q/A format, bases what {@code bases} says. */
        SourcePrompts prompts(EFTSpec spec, Bases bases, Word w) {
            SourcePrompts.Builder b = SourcePrompts.builder(tok)
                    .baseFormat(bases == Bases.QA ? TemplateChatFormat.QA : MiniFamily.PROSE);
            if (bases == Bases.FEW_SHOT) {
                b.basePrompt(fewShot + TemplateChatFormat.QA.prompt(null, MiniFamily.question(w.word())));
            }
            for (String c : spec.names()) {
                if (EFTSpec.FINE_TUNED.contains(c)) {
                    b.fineTuned(c, TemplateChatFormat.QA);
                } else {
                    b.base(c);
                }
            }
            return b.build();
        }

        Row row(String name, String factory, String note, EFTSpec spec, Bases bases) {
            long t0 = System.nanoTime();
            EFTDecoder d = models.decoder(spec);
            // Greedy answers stop at </s> or at a line break, as tools/family/eval.py does.
            GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(maxTokens).stopTokens(eos)
                    .stopSequences(ids -> tok.decode(ids, true), "\n").trace(false).build();
            double nll = 0;
            long tokens = 0;
            int exact = 0;
            int first = 0;
            int hedge = 0;
            for (Word w : words) {
                SourcePrompts.Rendered p = prompts(spec, bases, w).render(null, MiniFamily.question(w.word()));
                int[] gold = append(tok.encode(" " + w.gloss(), EncodeOptions.TEXT_ONLY), eos);
                ScoreResult s = d.score(p.prompt(), gold);
                nll -= s.totalLogProb();
                tokens += gold.length;
                GenerationResult r = d.generate(p.prompt(), cfg);
                String answer = tok.decode(r.tokens(), true);
                int nl = answer.indexOf('\n');
                answer = (nl < 0 ? answer : answer.substring(0, nl)).strip();
                // prose-prompted continuations end the sentence with a period; glosses have none
                if (answer.endsWith(".")) {
                    answer = answer.substring(0, answer.length() - 1).strip();
                }
                if (answer.equals(w.gloss())) {
                    exact++;
                }
                if (firstWord(answer).equals(firstWord(w.gloss()))) {
                    first++;
                }
                if (answer.startsWith("I think")) {
                    hedge++;
                }
            }
            int n = words.size();
            err.printf(Locale.ROOT, "eft4j reproduce: %-34s %-24s %.1f s%n", name, note, (System.nanoTime() - t0) / 1e9);
            return new Row(name, factory, note, spec, bases, nll / tokens, exact / (double) n, first / (double) n, hedge / (double) n);
        }
    }

    private static int[] append(int[] ids, int eos) {
        if (eos < 0) {
            return ids;
        }
        int[] out = java.util.Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eos;
        return out;
    }

    private static String firstWord(String s) {
        String t = s.strip();
        if (t.startsWith("I think it means ")) {
            t = t.substring("I think it means ".length());
        }
        int sp = t.indexOf(' ');
        String w = sp < 0 ? t : t.substring(0, sp);
        return w.replaceAll("[^A-Za-z]", "").toLowerCase(Locale.ROOT);
    }

    static void readWords(Path file, List<Word> train, List<Word> held) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            // NoSuchFileException's message is only the path, already in the sentence
            throw new UsageException("cannot read the family's word list " + file + ": "
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
        }
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            if (f.length != 3) {
                throw new IllegalArgumentException(file + ": expected 'split<TAB>word<TAB>gloss', got: " + line);
            }
            (f[0].equals("heldout") ? held : train).add(new Word(f[1], f[2]));
        }
    }

    static String report(List<Row> rows, List<Row> sweep, int n) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Held-out words: %d. NLL = mean per-token negative log-likelihood of \" <gloss></s>\"; "
                + "exact = greedy answer (up to a line break, a trailing period dropped) equals the gloss; first word = its first word matches. "
                + "Fine-tuned sources see the Q/A prompt; \"plain prompt\" is the base models' pre-training phrasing `The word \"X\" means`.%n%n", n));
        sb.append("| row | EFTSpec | prompts | NLL/token | exact match | first word |\n|---|---|---|---:|---:|---:|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | `%s` | %s | %s | %.3f | %.3f |%n", r.name(), r.factory(), r.note(),
                    Double.isFinite(r.nll()) ? String.format(Locale.ROOT, "%.3f", r.nll()) : "∞", r.exact(), r.firstWord()));
        }
        Row smallFt = rows.get(0);
        Row largeFt = rows.get(rows.size() - 1);
        Row up = rows.get(3);
        Row upQa = rows.get(4);
        double gap = smallFt.nll() - largeFt.nll();
        sb.append(String.format(Locale.ROOT, "%nShare of the small-ft → large-ft NLL gap recovered by up-scaling: %.1f%% "
                + "(bases on the plain prompt), %.1f%% (bases on the Q/A prompt).%n",
                100 * (smallFt.nll() - up.nll()) / gap, 100 * (smallFt.nll() - upQa.nll()) / gap));
        sb.append(String.format(Locale.ROOT, "Exact match: small-ft %.3f, up-scaled %.3f, large-ft %.3f (gap recovered %.1f%%).%n",
                smallFt.exact(), up.exact(), largeFt.exact(), 100 * (up.exact() - smallFt.exact()) / (largeFt.exact() - smallFt.exact())));
        sb.append("\nλ sweep, `lambdaInterpolation(λ)`: " + EFTSpec.Form.LAMBDA_INTERPOLATION.formula()
                + ", with small-ft2 = the hedging fine-tune (folder small-ft-hedge).\n\n");
        sb.append("| λ | NLL/token (direct answer) | exact match | first word | hedged answers |\n|---:|---:|---:|---:|---:|\n");
        for (Row r : sweep) {
            sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f |%n", r.name().substring(2), r.nll(), r.exact(),
                    r.firstWord(), r.hedge()));
        }
        return sb.toString();
    }
}
