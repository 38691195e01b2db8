package io.github.eft4j.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A tiny declarative option parser: {@code --name value}, {@code --name=value} and flags. Every
 * error is a {@link UsageException} naming the option and what was expected.
 */
final class OptionSpec {

    /**
     * One option; {@code argName == null} means a flag. {@code implicit != null} makes the value
     * optional: {@code --name} alone means {@code --name implicit}.
     */
    record Opt(String name, String argName, String help, String defaultText, String implicit) {
    }

    private final String command;
    private final String synopsis;
    private final Map<String, Opt> opts = new LinkedHashMap<>();
    private int maxPositionals;
    private String positionalHelp = "";

    OptionSpec(String command, String synopsis) {
        this.command = command;
        this.synopsis = synopsis;
        flag("help", "show this help and exit");
    }

    OptionSpec option(String name, String argName, String help, String defaultText) {
        opts.put(name, new Opt(name, argName, help, defaultText, null));
        return this;
    }

    OptionSpec optionalValue(String name, String argName, String help, String defaultText, String implicit) {
        opts.put(name, new Opt(name, argName, help, defaultText, implicit));
        return this;
    }

    OptionSpec flag(String name, String help) {
        opts.put(name, new Opt(name, null, help, null, null));
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

    String help() {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: eft4j ").append(command).append(" [options]").append(positionalHelp.isEmpty() ? "" : " " + positionalHelp).append('\n');
        sb.append(synopsis).append("\n\nOptions:\n");
        for (Opt o : opts.values()) {
            String left = "  --" + o.name() + (o.argName() == null ? "" : o.implicit() != null ? " [" + o.argName() + "]" : " " + o.argName());
            sb.append(String.format(Locale.ROOT, "%-30s %s", left, o.help()));
            if (o.defaultText() != null) {
                sb.append(" (default: ").append(o.defaultText()).append(')');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    Parsed parse(String[] args, int from) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> positionals = new ArrayList<>();
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h")) { // as at the top level: "eft4j upscale -h"
                values.put("help", "true");
            } else if (a.startsWith("--") && a.length() > 2) {
                String name = a.substring(2);
                String inline = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    inline = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                Opt o = opts.get(name);
                if (o == null) {
                    throw new UsageException("unknown option --" + name + " for '" + command + "'; expected one of "
                            + opts.keySet().stream().map(k -> "--" + k).toList() + " (see eft4j " + command + " --help)");
                }
                if (o.argName() == null) {
                    if (inline != null) {
                        throw new UsageException("option --" + name + " takes no value, got '" + inline + "'");
                    }
                    values.put(name, "true");
                } else if (inline != null) {
                    values.put(name, inline);
                } else if (o.implicit() != null && (i + 1 >= args.length || args[i + 1].startsWith("--"))) {
                    values.put(name, o.implicit());
                } else if (i + 1 < args.length) {
                    values.put(name, args[++i]);
                } else {
                    throw new UsageException("option --" + name + " needs a value (" + o.argName() + ")");
                }
            } else {
                positionals.add(a);
            }
        }
        if (!values.containsKey("help") && positionals.size() > maxPositionals) {
            throw new UsageException("unexpected argument '" + positionals.get(maxPositionals) + "' for '" + command + "'"
                    + (maxPositionals == 0 ? "; it takes options only" : "; expected at most " + maxPositionals + ": " + positionalHelp));
        }
        return new Parsed(values, positionals);
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

        Path existingDir(String name, Path dflt) {
            String v = values.get(name);
            Path p = v == null ? dflt : Path.of(v);
            if (p == null) {
                throw new UsageException("--" + name + " is required");
            }
            if (!Files.isDirectory(p)) {
                throw new UsageException("--" + name + ": no such model folder: " + p);
            }
            return p;
        }

        Path outputFile(String name) {
            String v = values.get(name);
            if (v == null) {
                return null;
            }
            Path p = Path.of(v).toAbsolutePath();
            Path parent = p.getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw new UsageException("--" + name + ": folder does not exist: " + parent);
            }
            // Checked before any model loads, so that a long run does not fail only at the end.
            if (Files.isDirectory(p)) {
                throw new UsageException("--" + name + ": is a folder, expected a file: " + p);
            }
            if (Files.exists(p) ? !Files.isWritable(p) : parent != null && !Files.isWritable(parent)) {
                throw new UsageException("--" + name + ": cannot write " + p);
            }
            return p;
        }
    }
}
