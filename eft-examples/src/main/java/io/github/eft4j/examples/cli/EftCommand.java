package io.github.eft4j.examples.cli;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.SourcePrompts;
import io.github.eft4j.decoder.SpeculativeConfig;
import io.github.eft4j.examples.cli.Eft4jCli.Command;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code generate}, {@code upscale} and {@code downscale}: one generation from an {@link EFTSpec}
 * factory, with the library's per-source prompts. The formula options map one to one onto the
 * factories:
 *
 * <pre>
 *   upscale                         EFTSpec.upscale()              large-base + (small-ft − small-base)
 *   upscale --scale-delta B         EFTSpec.scaleDelta(B)          small-ft + B·(large-base − small-base)
 *   upscale --behaviour-delta B     EFTSpec.behaviourDelta(B)      large-base + B·(small-ft − small-base)
 *   upscale --lambda L              EFTSpec.lambdaInterpolation(L) large-base + L·(small-ft − small-base) + (1−L)·(small-ft2 − small-base)
 *   downscale                       EFTSpec.downscale()            small-base + (large-ft − large-base)
 *   generate                        one model
 * </pre>
 */
final class EftCommand implements Command {

    enum Kind { GENERATE, UPSCALE, DOWNSCALE }

    static final String BETA_REMOVED = "it weighed the behaviour delta while README's β weighed the scale delta; use --scale-delta B "
            + "(small-ft + B·(large-base − small-base)) or --behaviour-delta B (large-base + B·(small-ft − small-base))";

    private final Kind kind;

    EftCommand(Kind kind) {
        this.kind = kind;
    }

    @Override
    public String summary() {
        return switch (kind) {
            case GENERATE -> "generate with one model";
            case UPSCALE -> "EFT up-scaling: large-base + (small-ft − small-base), and its β and λ forms";
            case DOWNSCALE -> "EFT down-scaling: small-base + (large-ft − large-base)";
        };
    }

    static OptionSpec formulaOptions(OptionSpec s) {
        return s.section("Formula (one of --scale-delta, --behaviour-delta, --lambda; none = up-scaling)")
                .option("scale-delta", "B", "EFTSpec.scaleDelta(B): small-ft + B·(large-base − small-base)", null)
                .option("behaviour-delta", "B", "EFTSpec.behaviourDelta(B): large-base + B·(small-ft − small-base)", null)
                .option("lambda", "L", "EFTSpec.lambdaInterpolation(L): large-base + L·(small-ft − small-base) "
                        + "+ (1−L)·(small-ft2 − small-base)", null)
                .option("conservative", "P", "conservative filter: only tokens in small-ft's top-P nucleus get the EFT "
                        + "combination; the others are removed", null)
                .flag("conservative-keep", "with --conservative: tokens outside the nucleus keep small-ft's log-prob")
                .retired("beta", BETA_REMOVED);
    }

    static OptionSpec upscaleModels(OptionSpec s, boolean ft2) {
        s.section("Models (default: the embedded mini family, models/mini)")
                .option("large-base", "DIR", "large base model folder", "<family>/large-base")
                .option("small-ft", "DIR", "small fine-tuned model folder", "<family>/small-ft")
                .option("small-base", "DIR", "small base model folder", "<family>/small-base");
        if (ft2) {
            s.option("small-ft2", "DIR", "second small fine-tune, only with --lambda",
                    "<family>/small-ft-hedge");
        }
        return s;
    }

    @Override
    public OptionSpec options() {
        OptionSpec s;
        switch (kind) {
            case GENERATE -> {
                s = new OptionSpec("generate", "Generates with one model folder. A fine-tuned model sees the chat format; with --plain it is "
                        + "treated as a base model and sees the base prompt.")
                        .section("Models")
                        .option("model", "DIR", "model folder", "<family>/large-ft")
                        .flag("plain", "treat the model as a base model: it sees --base-format/--base-prompt, not --chat-format");
            }
            case UPSCALE -> {
                s = formulaOptions(upscaleModels(new OptionSpec("upscale",
                        "Emulates fine-tuning the large base model with a small fine-tuned/base pair (Mitchell et al. 2023). "
                                + "Fine-tuned sources see --chat-format, base sources --base-format (or --base-prompt); what each "
                                + "source sees is printed before the text."), true));
            }
            default -> {
                s = new OptionSpec("downscale", "Emulates fine-tuning the small base model with a large fine-tuned/base pair: "
                        + "EFTSpec.downscale() = small-base + (large-ft − large-base).")
                        .section("Models (default: the embedded mini family, models/mini)")
                        .option("small-base", "DIR", "small base model folder", "<family>/small-base")
                        .option("large-ft", "DIR", "large fine-tuned model folder", "<family>/large-ft")
                        .option("large-base", "DIR", "large base model folder", "<family>/large-base");
            }
        }
        ChatPrompts.options(s);
        Commands.decoding(s);
        if (kind == Kind.UPSCALE) {
            s.optionalValue("speculative", "K", "speculative decoding: small-ft drafts, adaptively up to K tokens",
                    "off; K = 4 when given alone", "4");
        }
        Commands.output(s);
        Commands.runtime(s, kind != Kind.GENERATE);
        return s.note("Exit codes: 0 ok, 1 failure, 2 bad usage. Timing: prefill, warm-up (the first " + Commands.WARMUP_TOKENS
                + " tokens) and steady decode are reported apart.");
    }

    /** The spec the formula options choose (upscale and score). */
    static EFTSpec upscaleSpec(OptionSpec.Parsed a) {
        int forms = (a.has("scale-delta") ? 1 : 0) + (a.has("behaviour-delta") ? 1 : 0) + (a.has("lambda") ? 1 : 0);
        if (forms > 1) {
            throw new UsageException("--scale-delta, --behaviour-delta and --lambda each choose a formula; give at most one");
        }
        EFTSpec spec;
        if (a.has("scale-delta")) {
            spec = EFTSpec.scaleDelta(a.number("scale-delta", 1, -100, false, 100));
        } else if (a.has("behaviour-delta")) {
            spec = EFTSpec.behaviourDelta(a.number("behaviour-delta", 1, -100, false, 100));
        } else if (a.has("lambda")) {
            spec = EFTSpec.lambdaInterpolation(a.number("lambda", 0.5, -10, false, 10));
        } else {
            spec = EFTSpec.upscale();
        }
        a.requires("conservative-keep", "it changes what --conservative does", "conservative");
        if (a.has("conservative")) {
            spec = spec.withConservativeFilter(new EFTSpec.ConservativeFilter(EFTSpec.SMALL_FT,
                    a.number("conservative", 0.9, 0, true, 1),
                    a.flag("conservative-keep") ? EFTSpec.ConservativeMode.ANCHOR_ONLY : EFTSpec.ConservativeMode.REMOVE));
        }
        return spec;
    }

    /** The command line that generates from the same distribution: {@code upscale --scale-delta 1.5}. */
    static String label(OptionSpec.Parsed a) {
        List<String> parts = new ArrayList<>(List.of("upscale"));
        for (String o : List.of("scale-delta", "behaviour-delta", "lambda", "conservative", "conservative-keep")) {
            if (a.has(o)) {
                parts.add(a.typed(o));
            }
        }
        return String.join(" ", parts);
    }

    /** The upscale model folders: the triple, and small-ft2 with --lambda. */
    static Map<String, Path> upscaleDirs(OptionSpec.Parsed a, EFTSpec spec) {
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (String c : List.of(EFTSpec.LARGE_BASE, EFTSpec.SMALL_FT, EFTSpec.SMALL_BASE)) {
            dirs.put(c, Commands.dir(a, c, c));
        }
        if (spec.names().contains(EFTSpec.SMALL_FT2)) {
            boolean own = a.has(EFTSpec.LARGE_BASE) || a.has(EFTSpec.SMALL_FT) || a.has(EFTSpec.SMALL_BASE);
            if (own && !a.has(EFTSpec.SMALL_FT2)) {
                // the embedded hedge model would be mixed into the user's own models
                throw new UsageException("--lambda with your own model folders needs --small-ft2 DIR (the second small fine-tune)");
            }
            dirs.put(EFTSpec.SMALL_FT2, Commands.dir(a, EFTSpec.SMALL_FT2, "small-ft-hedge"));
        }
        // in spec order, so that progress and timing lines follow the formula
        Map<String, Path> ordered = new LinkedHashMap<>();
        for (String c : spec.names()) {
            ordered.put(c, dirs.get(c));
        }
        return ordered;
    }

    static List<Path> baseFolders(Map<String, Path> dirs, Map<String, Boolean> roles) {
        List<Path> l = new ArrayList<>();
        roles.forEach((c, ft) -> {
            if (!ft) {
                l.add(dirs.get(c));
            }
        });
        return l;
    }

    @Override
    public int run(OptionSpec.Parsed a, PrintStream out, PrintStream err) {
        EFTSpec spec;
        Map<String, Path> dirs = new LinkedHashMap<>();
        Map<String, Boolean> roles;
        String command = options().command();
        switch (kind) {
            case GENERATE -> {
                spec = EFTSpec.of("model", 1.0);
                dirs.put("model", a.has("model") ? Path.of(a.string("model", null)) : MiniFamily.dir().resolve("large-ft"));
                roles = Map.of("model", !a.flag("plain"));
                a.requires("base-prompt", "the model is fine-tuned and sees the chat format", "plain");
                a.requires("base-format", "the model is fine-tuned and sees the chat format", "plain");
                if (a.flag("plain")) {
                    a.conflicts("plain", "chat-format", "a model treated as base does not see the chat format");
                }
            }
            case UPSCALE -> {
                spec = upscaleSpec(a);
                a.requires(EFTSpec.SMALL_FT2, "only the λ form has a second fine-tune", "lambda");
                dirs = upscaleDirs(a, spec);
                roles = ChatPrompts.roles(spec);
            }
            default -> {
                spec = EFTSpec.downscale();
                for (String c : spec.names()) {
                    dirs.put(c, Commands.dir(a, c, c));
                }
                roles = ChatPrompts.roles(spec);
            }
        }
        ChatPrompts.Builder prompts = ChatPrompts.prepare(a, roles, baseFolders(dirs, roles));
        int k = a.integer("speculative", 0, 0, SpeculativeConfig.MAX_DRAFT_LENGTH);
        Path trace = Commands.preflight(a);
        try (Commands.Models m = new Commands.Models(dirs, a, err)) {
            SourcePrompts.Rendered rendered = prompts.render(m);
            GenerationConfig cfg = Commands.generationConfig(a, m, k > 0 ? SpeculativeConfig.adaptive(k) : null, trace != null);
            EFTDecoder decoder = m.decoder(spec);
            if (a.flag("parallel")) {
                ExecutorService ex = Executors.newFixedThreadPool(spec.size());
                try {
                    Commands.runAndReport(command, decoder, rendered, cfg.withExecutor(ex), m, trace, out, err);
                } finally {
                    ex.shutdownNow();
                }
            } else {
                Commands.runAndReport(command, decoder, rendered, cfg, m, trace, out, err);
            }
        }
        return Eft4jCli.OK;
    }
}
