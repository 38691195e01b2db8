package io.github.eft4j.examples.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code eft4j} command line.
 *
 * <pre>
 *   eft4j upscale --prompt 'What does "harbor" mean?'          # embedded mini family
 *   eft4j upscale --behaviour-delta 1.5 --trace t.jsonl
 *   eft4j upscale --large-base L --small-ft S --small-base B --chat-format llama-2 --speculative 4
 *   eft4j downscale
 *   eft4j generate --model DIR --prompt '...'
 *   eft4j score --text ' to come to rest, settle&lt;/s&gt;'
 *   eft4j bench
 *   eft4j reproduce --out-dir target/reproduce
 * </pre>
 *
 * Exit codes: 0 ok, 1 runtime failure, 2 bad usage. Errors are one line on stderr; set
 * {@code EFT4J_DEBUG=1} for stack traces.
 */
public final class Eft4jCli {
    /** Exit code of a successful run. */
    public static final int OK = 0;
    /** Exit code of a failure that is not the user's usage error. */
    public static final int FAILURE = 1;
    /** Exit code of bad usage (unknown option, bad value, missing file). */
    public static final int USAGE = 2;

    private Eft4jCli() {
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(args, out, err));
    }

    /**
     * Runs the command line.
     *
     * @param args the arguments
     * @param out where results go
     * @param err where progress, statistics and errors go
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, Command> commands = commands();
        if (args.length == 2 && args[0].equals("help") && commands.containsKey(args[1])) {
            out.print(commands.get(args[1]).options().help());
            return OK;
        }
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            (args.length == 0 ? err : out).print(usage(commands));
            return args.length == 0 ? USAGE : OK;
        }
        Command cmd = commands.get(args[0]);
        if (cmd == null) {
            err.println("eft4j: unknown command '" + args[0] + "'; expected one of " + commands.keySet() + " (see eft4j --help)");
            return USAGE;
        }
        try {
            OptionSpec spec = cmd.options();
            OptionSpec.Parsed parsed = spec.parse(args, 1);
            if (parsed.flag("help")) {
                out.print(spec.help());
                return OK;
            }
            return cmd.run(parsed, out, err);
        } catch (UsageException e) {
            err.println("eft4j " + args[0] + ": " + e.getMessage());
            return USAGE;
        } catch (IllegalArgumentException e) {
            debug(e, err);
            err.println("eft4j " + args[0] + ": " + oneLine(e));
            return USAGE;
        } catch (RuntimeException e) {
            debug(e, err);
            err.println("eft4j " + args[0] + ": " + oneLine(e));
            return FAILURE;
        }
    }

    private static Map<String, Command> commands() {
        Map<String, Command> m = new LinkedHashMap<>();
        m.put("generate", new EftCommand(EftCommand.Kind.GENERATE));
        m.put("upscale", new EftCommand(EftCommand.Kind.UPSCALE));
        m.put("downscale", new EftCommand(EftCommand.Kind.DOWNSCALE));
        m.put("score", new ScoreCommand());
        m.put("bench", new BenchCommand());
        m.put("reproduce", new Reproduce());
        return m;
    }

    private static String usage(Map<String, Command> commands) {
        StringBuilder sb = new StringBuilder("Usage: eft4j <command> [options]   (eft4j <command> --help for its options)\n\n");
        sb.append("Emulated fine-tuning on ONNX models; with no model options the embedded mini family is used.\n\nCommands:\n");
        for (Map.Entry<String, Command> e : commands.entrySet()) {
            sb.append(String.format("  %-10s %s%n", e.getKey(), e.getValue().summary()));
        }
        sb.append("\nFormulas (EFTSpec factories; fine-tuned sources see the chat format, base sources plain text):\n");
        sb.append("  upscale                       upscale()             large-base + (small-ft − small-base)\n");
        sb.append("  upscale --scale-delta B       scaleDelta(B)         small-ft + B·(large-base − small-base)\n");
        sb.append("  upscale --behaviour-delta B   behaviourDelta(B)     large-base + B·(small-ft − small-base)\n");
        sb.append("  upscale --lambda L            lambdaInterpolation(L) large-base + L·(small-ft − small-base) + (1−L)·(small-ft2 − small-base)\n");
        sb.append("  downscale                     downscale()           small-base + (large-ft − large-base)\n");
        sb.append("\nExit codes: 0 ok, 1 failure, 2 bad usage. Errors are one line; EFT4J_DEBUG=1 adds stack traces.\n");
        return sb.toString();
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName();
        }
        Throwable c = e.getCause();
        if (c != null && c.getMessage() != null && !m.contains(c.getMessage())) {
            m += ": " + c.getMessage();
        }
        return m.replace('\n', ' ').strip();
    }

    private static void debug(Throwable e, PrintStream err) {
        if (System.getenv("EFT4J_DEBUG") != null) {
            e.printStackTrace(err);
        }
    }

    /** One subcommand. */
    interface Command {
        String summary();

        OptionSpec options();

        int run(OptionSpec.Parsed args, PrintStream out, PrintStream err);
    }
}
