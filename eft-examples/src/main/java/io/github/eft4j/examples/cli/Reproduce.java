package io.github.eft4j.examples.cli;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.decoder.ScoreResult;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.decoder.ScoreResult;
import io.github.eft4j.examples.cli.Eft4jCli.Command;
import io.github.eft4j.tokenizer.EncodeOptions;
import io.github.eft4j.tokenizer.Tokenizer;
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
 * through the Java library alone (ONNX sources, {@link EFTDecoder#score} and greedy
 * {@link EFTDecoder#generate}).
 *
 * <p>Held-out words were seen in pre-training prose ({@code The word "X" means ...}) but never in
 * the fine-tuned question/answer format. Fine-tuned models get {@code Q: What does "X" mean?\nA:};
 * base models get their pre-training phrasing {@code The word "X" means} (the EFT default: base
 * sources see a plain prompt), and, as a check on that choice, the Q/A prompt too. Metrics: mean
 * per-token NLL of the gold answer {@code " <gloss></s>"} under each row's distribution, exact match
 * and first-word accuracy of the greedy answer.
 */
final class Reproduce implements Command {
    static final String QA = "Q: What does \"%s\" mean?\nA:";
    static final String PROSE = "The word \"%s\" means";

    record Word(String word, String gloss) {
    }

    record Row(String name, String note, EFTSpec spec, boolean basesSeeQa, double nll, double exact, double firstWord,
            double hedge) {
    }

    @Override
    public String summary() {
        return "reproduction table of the paper's up-scaling claims on the mini family";
    }

    @Override
    public OptionSpec options() {
        return new OptionSpec("reproduce", "Measures small-ft, large-base, EFT up/down-scaling, beta, conservative filter and a lambda sweep\n"
                + "on held-out words of the embedded mini family; prints a markdown table.")
                .option("family", "DIR", "model family folder", "<home>/models/mini")
                .option("words", "N", "held-out words to evaluate", "400")
                .option("max-tokens", "N", "answer length limit for greedy generation", "32")
                .option("out", "FILE", "also write the markdown report here", null)
                .option("svg", "FILE", "write the lambda sweep plot here", null)
                .option("threads", "N", "intra-op threads per model (0 = shared pool)", "0");
    }

    @Override
    public int run(OptionSpec.Parsed a, PrintStream out, PrintStream err) {
        Path fam = a.has("family") ? Path.of(a.string("family", null)) : Commands.family();
        int n = a.integer("words", 400, 1, 100_000);
        int maxTokens = a.integer("max-tokens", 32, 1, 1000);
        Path outFile = a.outputFile("out");
        Path svg = a.outputFile("svg");
        List<Word> train = new ArrayList<>();
        List<Word> held = new ArrayList<>();
        readWords(fam.resolve("words.tsv"), train, held);
        held = held.subList(0, Math.min(n, held.size()));
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (String m : List.of(EFTSpec.LARGE_BASE, EFTSpec.LARGE_FT, EFTSpec.SMALL_BASE, EFTSpec.SMALL_FT, "small-ft-hedge")) {
            dirs.put(m, fam.resolve(m));
        }
        try (Commands.Models models = new Commands.Models(dirs, a, err)) {
            Tokenizer tok = models.tokenizer();
            int eos = models.eos().isEmpty() ? -1 : models.eos().get(0);
            String fewShot = fewShot(train);
            List<Row> rows = new ArrayList<>();
            EFTSpec up = EFTSpec.upscale();
            rows.add(eval("small fine-tuned", "Q/A prompt", EFTSpec.of(EFTSpec.SMALL_FT, 1.0), false, held, models, tok, eos, maxTokens, "", err));
            rows.add(eval("large base", "plain prompt (its pre-training phrasing)", EFTSpec.of(EFTSpec.LARGE_BASE, 1.0), false, held, models, tok, eos, maxTokens, "", err));
            rows.add(eval("large base", "3-shot Q/A prompt", EFTSpec.of(EFTSpec.LARGE_BASE, 1.0), true, held, models, tok, eos, maxTokens, fewShot, err));
            rows.add(eval("EFT up-scaled", "large-base + small-ft - small-base", up, false, held, models, tok, eos, maxTokens, "", err));
            rows.add(eval("EFT up-scaled", "bases see the Q/A prompt", up, true, held, models, tok, eos, maxTokens, "", err));
            for (double beta : new double[] {0.5, 1.5, 2.0}) {
                rows.add(eval("β-amplified, β=" + beta, "small-ft + β(large-base - small-base)", EFTSpec.betaUpscale(beta), false, held,
                        models, tok, eos, maxTokens, "", err));
            }
            for (EFTSpec.ConservativeMode mode : EFTSpec.ConservativeMode.values()) {
                rows.add(eval("EFT conservative", "top-p 0.9 of small-ft, " + mode, up.withConservativeFilter(
                        new EFTSpec.ConservativeFilter(EFTSpec.SMALL_FT, 0.9, mode)), false, held, models, tok, eos, maxTokens, "", err));
            }
            rows.add(eval("EFT down-scaled", "small-base + large-ft - large-base", EFTSpec.downscale(), false, held, models, tok, eos, maxTokens, "", err));
            rows.add(eval("large fine-tuned", "Q/A prompt (upper bound)", EFTSpec.of(EFTSpec.LARGE_FT, 1.0), false, held, models, tok, eos, maxTokens, "", err));
            List<Row> sweep = new ArrayList<>();
            for (double l : new double[] {0, 0.25, 0.5, 0.75, 1.0}) {
                EFTSpec s = EFTSpec.of(EFTSpec.LARGE_BASE, 1.0, EFTSpec.SMALL_FT, l, "small-ft-hedge", 1 - l, EFTSpec.SMALL_BASE, -1.0);
                sweep.add(eval("λ=" + l, "", s, false, held, models, tok, eos, maxTokens, "", err));
            }
            String report = report(rows, sweep, held.size());
            out.print(report);
            try {
                if (outFile != null) {
                    Files.writeString(outFile, report);
                }
                if (svg != null) {
                    Files.writeString(svg, svg(sweep));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write report: " + e.getMessage(), e);
            }
        }
        return Eft4jCli.OK;
    }

    private static String fewShot(List<Word> train) {
        StringBuilder sb = new StringBuilder();
        for (Word w : train.subList(0, Math.min(3, train.size()))) {
            sb.append(String.format(Locale.ROOT, QA, w.word())).append(' ').append(w.gloss()).append('\n');
        }
        return sb.toString();
    }

    private static Row eval(String name, String note, EFTSpec spec, boolean basesSeeQa, List<Word> words,
            Commands.Models models, Tokenizer tok, int eos, int maxTokens, String fewShot, PrintStream err) {
        long t0 = System.nanoTime();
        EFTDecoder d = Commands.decoder(spec, models);
        // Greedy answers stop at </s> or at a line break, as tools/family/eval.py does.
        GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(maxTokens).stopTokens(eos)
                .stopSequences(ids -> tok.decode(ids, true), "\n").trace(false).build();
        double nll = 0;
        long tokens = 0;
        int exact = 0;
        int first = 0;
        int hedge = 0;
        for (Word w : words) {
            int[] qa = tok.encode(fewShot + String.format(Locale.ROOT, QA, w.word()), EncodeOptions.DEFAULT);
            int[] prose = tok.encode(String.format(Locale.ROOT, PROSE, w.word()), EncodeOptions.DEFAULT);
            Prompt p = Prompt.of(basesSeeQa ? qa : prose);
            for (String c : spec.names()) {
                if (c.endsWith("-ft") || c.equals("small-ft-hedge")) {
                    p = p.with(c, tok.encode(String.format(Locale.ROOT, QA, w.word()), EncodeOptions.DEFAULT));
                }
            }
            int[] gold = append(tok.encode(" " + w.gloss(), EncodeOptions.TEXT_ONLY), eos);
            ScoreResult s = d.score(p, gold);
            nll -= s.totalLogProb();
            tokens += gold.length;
            GenerationResult r = d.generate(p, cfg);
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
        err.printf(Locale.ROOT, "eft4j reproduce: %-22s %-45s %.1f s%n", name, note, (System.nanoTime() - t0) / 1e9);
        return new Row(name, note, spec, basesSeeQa, nll / tokens, exact / (double) n, first / (double) n, hedge / (double) n);
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

    private static String report(List<Row> rows, List<Row> sweep, int n) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Held-out words: %d. NLL = mean per-token negative log-likelihood of \" <gloss></s>\"; "
                + "exact = greedy answer (up to a line break, a trailing period dropped) equals the gloss; first word = its first word matches.%n%n", n));
        sb.append("| row | prompts / formula | NLL/token | exact match | first word |\n|---|---|---:|---:|---:|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.3f | %.3f |%n", r.name(), r.note(),
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
        sb.append("\nλ sweep: large-base + λ(small-ft − small-base) + (1−λ)(small-ft-hedge − small-base).\n\n");
        sb.append("| λ | NLL/token (plain answer) | first word | exact | hedged answers |\n|---:|---:|---:|---:|---:|\n");
        for (Row r : sweep) {
            sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f |%n", r.name().substring(2), r.nll(), r.firstWord(),
                    r.exact(), r.hedge()));
        }
        return sb.toString();
    }

    private static String svg(List<Row> sweep) {
        int w = 420;
        int h = 260;
        int left = 50;
        int right = 20;
        int top = 30;
        int bottom = 40;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n", w, h));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"13\">λ sweep: helpful (small-ft) vs hedging (small-ft-hedge) reward</text>%n", left));
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", left, h - bottom, w - right, h - bottom));
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", left, top, left, h - bottom));
        for (int i = 0; i <= 4; i++) {
            double v = i / 4.0;
            int y = (int) Math.round(h - bottom - v * (h - top - bottom));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.2f</text>%n", left - 4, y + 4, v));
            int x = (int) Math.round(left + v * (w - left - right));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.2f</text>%n", x, h - bottom + 14, v));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">λ (weight of the helpful, direct-answer reward)</text>%n",
                (left + w - right) / 2, h - 6));
        String[][] series = {{"first-word accuracy", "#1f77b4"}, {"hedged answers", "#d62728"}};
        for (int s = 0; s < 2; s++) {
            StringBuilder pts = new StringBuilder();
            for (Row r : sweep) {
                double l = Double.parseDouble(r.name().substring(2));
                double v = s == 0 ? r.firstWord() : r.hedge();
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", left + l * (w - left - right), h - bottom - v * (h - top - bottom)));
            }
            sb.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n", series[s][1], pts.toString().strip()));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>%n", left + 200, top + 110 + 14 * s, series[s][1], series[s][0]));
        }
        sb.append("</svg>\n");
        return sb.toString();
    }
}
