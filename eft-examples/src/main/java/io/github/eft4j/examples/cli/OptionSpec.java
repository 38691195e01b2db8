package io.github.eft4j.examples.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A tiny declarative option parser: {@code --name value}, {@code --name=value} and flags, with
 * {@code -h} as the only short option. Every error is a {@link UsageException} naming the option
 * and what was expected; an option given twice is an error, not "the last one wins".
 */
final class OptionSpec {

    /**
     * One option; {@code argName == null} means a flag. {@code implicit != null} makes the value
     * optional: {@code --name} alone means {@code --name implicit}. {@code section} is the help
     * heading it is listed under.
     */
    record Opt(String name, String argName, String help, String defaultText, String implicit, String section) {
    }

    private final String command;
    private final String synopsis;
    private final Map<String, Opt> opts = new LinkedHashMap<>();
    private final Map<String, String> retired = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private String section = "Options";
    private int maxPositionals;
    private String positionalHelp = "";

    OptionSpec(String command, String synopsis) {
        this.command = command;
        this.synopsis = synopsis;
    }

    /** Starts a help section; the options declared next are listed under {@code title}. */
    OptionSpec section(String title) {
        this.section = title;
        return this;
    }

    OptionSpec option(String name, String argName, String help, String defaultText) {
        return add(new Opt(name, argName, help, defaultText, null, section));
    }

    OptionSpec optionalValue(String name, String argName, String help, String defaultText, String implicit) {
        return add(new Opt(name, argName, help, defaultText, implicit, section));
    }

    OptionSpec flag(String name, String help) {
        return add(new Opt(name, null, help, null, null, section));
    }

    /** An option that no longer exists: using it is an error that says what replaced it. */
    OptionSpec retired(String name, String replacement) {
        retired.put(name, replacement);
        return this;
    }

    /** A paragraph printed after the options. */
    OptionSpec note(String text) {
        notes.add(text);
        return this;
    }

    private OptionSpec add(Opt o) {
        if (opts.putIfAbsent(o.name(), o) != null) {
            throw new IllegalStateException("option --" + o.name() + " declared twice for " + command);
        }
        return this;
    }

    OptionSpec positionals(int max, String help) {
        this.maxPositionals = max;
        this.positionalHelp = help;
        return this;
    }

    String command() {
        return command;
    }

    boolean declares(String name) {
        return opts.containsKey(name);
    }

    String help() {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: eft4j ").append(command).append(" [options]").append(positionalHelp.isEmpty() ? "" : " " + positionalHelp).append('\n');
        sb.append(wrap(synopsis.replace('\n', ' '), 100)).append('\n');
        String current = null;
        for (Opt o : opts.values()) {
            if (!o.section().equals(current)) {
                current = o.section();
                sb.append('\n').append(current).append(":\n");
            }
            String left = "  --" + o.name() + (o.argName() == null ? "" : o.implicit() != null ? " [" + o.argName() + "]" : " " + o.argName());
            String text = wrap(o.help() + (o.defaultText() != null ? " (default: " + o.defaultText() + ")" : ""), 72)
                    .replace("\n", "\n" + " ".repeat(29));
            if (left.length() > 28) {
                sb.append(left).append('\n').append(" ".repeat(29)).append(text).append('\n');
            } else {
                sb.append(String.format(Locale.ROOT, "%-28s %s", left, text)).append('\n');
            }
        }
        sb.append(String.format(Locale.ROOT, "%-28s %s%n", "  -h, --help", "show this help and exit"));
        for (String n : notes) {
            sb.append('\n').append(wrap(n.replace('\n', ' '), 100)).append('\n');
        }
        return sb.toString();
    }

    /** Wraps each line of {@code text} at {@code width} characters, on spaces. */
    static String wrap(String text, int width) {
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            int col = 0;
            for (String word : line.split(" ")) {
                if (col > 0 && col + 1 + word.length() > width) {
                    out.append('\n');
                    col = 0;
                } else if (col > 0) {
                    out.append(' ');
                    col++;
                }
                out.append(word);
                col += word.length();
            }
        }
        return out.toString();
    }

    private List<String> names() {
        List<String> l = new ArrayList<>();
        opts.keySet().forEach(k -> l.add("--" + k));
        return l;
    }

    /** Parses {@code args[from..]}; {@code -h}/{@code --help} anywhere wins over every other check. */
    Parsed parse(String[] args, int from) {
        for (int i = from; i < args.length; i++) {
            if (args[i].equals("-h") || args[i].equals("--help")) {
                return new Parsed(Map.of("help", "true"), List.of());
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        List<String> positionals = new ArrayList<>();
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--") && a.length() > 2) {
                String name = a.substring(2);
                String inline = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    inline = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (retired.containsKey(name)) {
                    throw new UsageException("option --" + name + " was removed; " + retired.get(name));
                }
                Opt o = opts.get(name);
                if (o == null) {
                    throw new UsageException("unknown option --" + name + " for '" + command + "'; expected one of " + names()
                            + " (see eft4j " + command + " --help)");
                }
                String value;
                if (o.argName() == null) {
                    if (inline != null) {
                        throw new UsageException("option --" + name + " takes no value, got '" + inline + "'");
                    }
                    value = "true";
                } else if (inline != null) {
                    value = inline;
                } else if (o.implicit() != null && (i + 1 >= args.length || args[i + 1].startsWith("-"))) {
                    value = o.implicit();
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new UsageException("option --" + name + " needs a value (" + o.argName() + ")");
                }
                String before = values.putIfAbsent(name, value);
                if (before != null) {
                    throw new UsageException("option --" + name + " is given twice" + (o.argName() == null ? "" : " ('" + before + "' and '" + value + "')")
                            + "; give it once");
                }
            } else if (a.startsWith("-") && a.length() > 1) {
                throw new UsageException("unknown option " + a + " for '" + command + "'; options are long (--name; -h is the only short one): "
                        + names());
            } else {
                positionals.add(a);
            }
        }
        if (positionals.size() > maxPositionals) {
            throw new UsageException("unexpected argument '" + positionals.get(maxPositionals) + "' for '" + command + "'"
                    + (maxPositionals == 0 ? "; it takes options only (--name value)" : "; expected at most " + maxPositionals + ": " + positionalHelp));
        }
        return new Parsed(values, positionals);
    }

    /** An I/O failure's reason in words: {@code AccessDeniedException}'s message is only the path. */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The parsed values with typed, range-checked getters. */
    static final class Parsed {
        private final Map<String, String> values;
        private final List<String> positionals;

        Parsed(Map<String, String> values, List<String> positionals) {
            this.values = values;
            this.positionals = positionals;
        }

        List<String> positionals() {
            return positionals;
        }

        boolean has(String name) {
            return values.containsKey(name);
        }

        boolean flag(String name) {
            return values.containsKey(name);
        }

        String string(String name, String dflt) {
            return values.getOrDefault(name, dflt);
        }

        /** The option as the user typed it, for messages and labels: {@code --name value}. */
        String typed(String name) {
            String v = values.get(name);
            return v == null ? "" : v.equals("true") ? "--" + name : "--" + name + " " + v;
        }

        /** Refuses {@code name} unless one of {@code enablers} is given: it would be ignored. */
        void requires(String name, String why, String... enablers) {
            if (!has(name)) {
                return;
            }
            for (String e : enablers) {
                if (has(e)) {
                    return;
                }
            }
            List<String> l = new ArrayList<>();
            for (String e : enablers) {
                l.add("--" + e);
            }
            throw new UsageException("--" + name + " would be ignored: " + why + " (give " + String.join(" or ", l) + ")");
        }

        /** Refuses two options together. */
        void conflicts(String a, String b, String why) {
            if (has(a) && has(b)) {
                throw new UsageException("--" + a + " and --" + b + " cannot be combined: " + why);
            }
        }

        int integer(String name, int dflt, int min, int max) {
            String v = values.get(name);
            if (v == null) {
                return dflt;
            }
            int x;
            try {
                x = Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " expects an integer, got '" + v + "'");
            }
            if (x < min || x > max) {
                throw new UsageException("--" + name + " must be in [" + min + ", " + max + "], got " + x);
            }
            return x;
        }

        long longValue(String name, long dflt) {
            String v = values.get(name);
            if (v == null) {
                return dflt;
            }
            try {
                return Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " expects an integer, got '" + v + "'");
            }
        }

        /** A finite number in {@code [min, max]}; {@code minExclusive} excludes {@code min}. */
        double number(String name, double dflt, double min, boolean minExclusive, double max) {
            String v = values.get(name);
            if (v == null) {
                return dflt;
            }
            double x;
            try {
                x = Double.parseDouble(v.trim());
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " expects a number, got '" + v + "'");
            }
            boolean low = minExclusive ? x > min : x >= min;
            if (!Double.isFinite(x) || !low || x > max) {
                throw new UsageException("--" + name + " must be in " + (minExclusive ? "(" : "[") + min + ", " + max + "], got " + v);
            }
            return x;
        }

        /** A file to write, checked by opening it (before any model loads), not by permission bits. */
        Path outputFile(String name) {
            String v = values.get(name);
            if (v == null) {
                return null;
            }
            Path p = Path.of(v).toAbsolutePath();
            Path parent = p.getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw new UsageException("--" + name + ": cannot write " + p + ": folder " + parent + " does not exist");
            }
            if (Files.isDirectory(p)) {
                throw new UsageException("--" + name + ": cannot write " + p + ": it is a folder, expected a file");
            }
            // Root passes every permission check; only opening the file tells.
            boolean existed = Files.exists(p);
            try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                out.flush();
            } catch (IOException e) {
                throw new UsageException("--" + name + ": cannot write " + p + ": " + reason(e));
            }
            if (!existed) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // an empty file left behind is harmless; the real write replaces it
                }
            }
            return p;
        }

        /** A folder to write into, created if missing. */
        Path outputDir(String name, Path dflt) {
            String v = values.get(name);
            Path p = (v == null ? dflt : Path.of(v)).toAbsolutePath();
            if (Files.exists(p) && !Files.isDirectory(p)) {
                throw new UsageException("--" + name + ": " + p + " is a file, expected a folder");
            }
            try {
                Files.createDirectories(p);
            } catch (IOException e) {
                throw new UsageException("--" + name + ": cannot create " + p + ": " + reason(e));
            }
            return p;
        }
    }
}
