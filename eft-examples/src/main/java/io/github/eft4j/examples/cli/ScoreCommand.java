package io.github.eft4j.examples.cli;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.ScoreResult;
import io.github.eft4j.decoder.SourcePrompts;
import io.github.eft4j.decoder.TokenTrace;
import io.github.eft4j.examples.cli.Eft4jCli.Command;
import io.github.eft4j.tokenizer.EncodeOptions;
import io.github.eft4j.tokenizer.Tokenizer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * {@code eft4j score}: the log-likelihood of a continuation under an {@code upscale} formula and
 * under each model alone (teacher forcing), with what each source saw.
 */
final class ScoreCommand implements Command {
    static final String DEFAULT_TEXT = " to come to rest, settle</s>";

    @Override
    public String summary() {
        return "log-likelihood of a continuation under an upscale formula and each model alone";
    }

    @Override
    public OptionSpec options() {
        OptionSpec s = EftCommand.formulaOptions(EftCommand.upscaleModels(new OptionSpec("score",
                "Scores --text as the continuation of the prompt (teacher forcing) under the formula that "
                        + "'eft4j upscale' with the same formula options generates from, and under each model alone."), true));
        ChatPrompts.options(s);
        s.section("Continuation")
                .option("text", "TEXT", "the continuation to score; special-token text such as </s> becomes the "
                        + "special token", "'" + DEFAULT_TEXT + "'")
                .flag("text-literal", "treat special-token text in --text as plain characters");
        return Commands.runtime(s, false);
    }

    @Override
    public int run(OptionSpec.Parsed a, PrintStream out, PrintStream err) {
        EFTSpec spec = EftCommand.upscaleSpec(a);
        a.requires(EFTSpec.SMALL_FT2, "only the λ form has a second fine-tune", "lambda");
        Map<String, Path> dirs = EftCommand.upscaleDirs(a, spec);
        Map<String, Boolean> roles = ChatPrompts.roles(spec);
        ChatPrompts.Builder prompts = ChatPrompts.prepare(a, roles, EftCommand.baseFolders(dirs, roles));
        String text = a.string("text", DEFAULT_TEXT);
        if (text.isEmpty()) {
            throw new UsageException("--text is empty; give the continuation to score");
        }
        a.integer("threads", 0, 0, 1024);
        String label = EftCommand.label(a);
        try (Commands.Models m = new Commands.Models(dirs, a, err)) {
            Tokenizer tok = m.tokenizer();
            SourcePrompts.Rendered rendered = prompts.render(m);
            boolean literal = a.flag("text-literal");
            // no BOS: the continuation follows the prompt; special tokens parsed unless literal
            int[] cont = tok.encode(text, new EncodeOptions(false, !literal));
            if (cont.length == 0) {
                throw new UsageException("--text encodes to no tokens");
            }
            ScoreResult r = m.decoder(spec).score(rendered.prompt(), cont);
            out.println("formula: " + label + " = " + Commands.describe(spec));
            out.println("prompts:");
            for (String line : ChatPrompts.describe(rendered)) {
                out.println("  " + line);
            }
            out.printf(Locale.ROOT, "continuation (%d tokens, %s): %s%n", cont.length,
                    literal ? "special-token text kept as characters" : "special tokens parsed", JsonText.quote(text));
            out.println();
            int w = Math.max(12, label.length());
            out.printf(Locale.ROOT, "%-" + w + "s %10s %10s %12s%n", "row", "log-lik", "nll/token", "perplexity");
            printScore(out, w, label, r.totalLogProb(), cont.length);
            for (int i = 0; i < spec.size(); i++) {
                double sum = 0;
                for (TokenTrace t : r.tokens()) {
                    sum += t.componentLogProb(i);
                }
                printScore(out, w, spec.components().get(i).name(), sum, cont.length);
            }
            out.println("(each model alone sees its own prompt above)");
        }
        return Eft4jCli.OK;
    }

    private static void printScore(PrintStream out, int w, String name, double logLik, int n) {
        out.printf(Locale.ROOT, "%-" + w + "s %10.4f %10.4f %12.4g%n", name, logLik, -logLik / n, Math.exp(-logLik / n));
    }
}
