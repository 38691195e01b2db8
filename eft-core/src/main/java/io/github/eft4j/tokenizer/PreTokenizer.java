package io.github.eft4j.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@code tokenizer.json} pre-tokenizer: splits pieces of normalized text into words. */
interface PreTokenizer {
    List<String> SUPPORTED = List.of("Sequence", "Split", "Punctuation", "Digits", "ByteLevel", "Metaspace",
            "Whitespace", "WhitespaceSplit");

    /**
     * A piece of text; {@code first} when it starts at offset 0 of the original input (HF's
     * Metaspace {@code prepend_scheme: first} looks at that).
     */
    record Piece(String text, boolean first) {
    }

    List<Piece> apply(List<Piece> in);

    /** How HF's {@code NormalizedString::split} treats the delimiters it finds. */
    enum Behavior {
        REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

        static Behavior of(String s, String where) {
            return switch (s) {
                case "Removed" -> REMOVED;
                case "Isolated" -> ISOLATED;
                case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
                case "MergedWithNext" -> MERGED_WITH_NEXT;
                case "Contiguous" -> CONTIGUOUS;
                default -> throw new IllegalArgumentException(where + ": unknown split behavior \"" + s
                        + "\"; expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous");
            };
        }
    }

    static PreTokenizer fromConfig(Object node) {
        if (node == null) {
            return null;
        }
        Map<String, Object> m = Cfg.map(node, "pre_tokenizer");
        String type = Cfg.type(m, "pre_tokenizer");
        String where = "pre_tokenizer " + type;
        return switch (type) {
            case "Sequence" -> {
                List<PreTokenizer> parts = new ArrayList<>();
                for (Object o : Cfg.list(m, "pretokenizers", where)) {
                    parts.add(fromConfig(o));
                }
                yield in -> {
                    for (PreTokenizer p : parts) {
                        in = p.apply(in);
                    }
                    return in;
                };
            }
            case "Split" -> {
                Pattern pat = Text.pattern(m.get("pattern"), where + ".pattern");
                Behavior b = Behavior.of(Cfg.str(m, "behavior", where), where);
                boolean invert = Cfg.bool(m, "invert", false, where);
                yield in -> splitAll(in, s -> regexMatches(pat, s, invert), b);
            }
            case "Punctuation" -> {
                Behavior b = Behavior.of(m.get("behavior") == null ? "Isolated" : Cfg.str(m, "behavior", where), where);
                yield in -> splitAll(in, s -> charMatches(s, Text::isPunctuation), b);
            }
            case "Digits" -> {
                Behavior b = Cfg.bool(m, "individual_digits", false, where) ? Behavior.ISOLATED : Behavior.CONTIGUOUS;
                yield in -> splitAll(in, s -> charMatches(s, Text::isNumeric), b);
            }
            case "ByteLevel" -> {
                boolean prefix = Cfg.bool(m, "add_prefix_space", true, where);
                boolean regex = Cfg.bool(m, "use_regex", true, where);
                yield in -> {
                    List<Piece> out = new ArrayList<>(in.size() * 4);
                    for (Piece p : in) {
                        String s = p.text();
                        if (prefix && !s.startsWith(" ")) {
                            s = " " + s;
                        }
                        if (regex) {
                            split(new Piece(s, p.first()), regexMatches(ByteLevel.GPT2_SPLIT, s, false), Behavior.ISOLATED, out);
                        } else if (!s.isEmpty()) {
                            out.add(new Piece(s, p.first()));
                        }
                    }
                    for (int i = 0; i < out.size(); i++) {
                        Piece p = out.get(i);
                        out.set(i, new Piece(ByteLevel.encode(p.text()), p.first()));
                    }
                    return out;
                };
            }
            case "Metaspace" -> {
                String rep = Cfg.str(m, "replacement", where);
                if (rep.codePointCount(0, rep.length()) != 1) {
                    throw new IllegalArgumentException(where + ".replacement: expected one character, found \"" + rep + "\"");
                }
                String scheme = prependScheme(m, where);
                boolean split = Cfg.bool(m, "split", true, where);
                int repCp = rep.codePointAt(0);
                yield in -> {
                    List<Piece> out = new ArrayList<>(in.size() * 4);
                    for (Piece p : in) {
                        String s = p.text().replace(" ", rep);
                        boolean prepend = switch (scheme) {
                            case "always" -> !s.startsWith(rep);
                            case "first" -> !s.startsWith(rep) && p.first();
                            default -> false;
                        };
                        if (prepend) {
                            s = rep + s;
                        }
                        Piece q = new Piece(s, p.first());
                        if (split) {
                            split(q, charMatches(s, c -> c == repCp), Behavior.MERGED_WITH_NEXT, out);
                        } else if (!s.isEmpty()) {
                            out.add(q);
                        }
                    }
                    return out;
                };
            }
            case "Whitespace" -> {
                Pattern words = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);
                yield in -> splitAll(in, s -> regexMatches(words, s, true), Behavior.REMOVED);
            }
            case "WhitespaceSplit" -> in -> splitAll(in, s -> charMatches(s, Text::isWhitespace), Behavior.REMOVED);
            default -> throw Cfg.unsupported("pre-tokenizer", type, SUPPORTED);
        };
    }

    private static String prependScheme(Map<String, Object> m, String where) {
        if (m.get("prepend_scheme") != null) {
            String s = Cfg.str(m, "prepend_scheme", where).toLowerCase(Locale.ROOT);
            if (!s.equals("first") && !s.equals("always") && !s.equals("never")) {
                throw new IllegalArgumentException(where + ".prepend_scheme: expected first, always or never, found \"" + s + "\"");
            }
            return s;
        }
        // Files written before prepend_scheme existed carry add_prefix_space.
        return Cfg.bool(m, "add_prefix_space", true, where) ? "always" : "never";
    }

    /** Finds delimiter matches: a flat list of (start, end, isMatch) covering the whole string. */
    interface Matches {
        int[] find(String s);
    }

    private static List<Piece> splitAll(List<Piece> in, Matches finder, Behavior b) {
        List<Piece> out = new ArrayList<>(in.size() * 2);
        for (Piece p : in) {
            split(p, finder.find(p.text()), b, out);
        }
        return out;
    }

    /** HF's {@code Pattern::find_matches} for a regex. */
    private static int[] regexMatches(Pattern pat, String s, boolean invert) {
        if (s.isEmpty()) {
            return new int[] {0, 0, 0};
        }
        IntList r = new IntList(16);
        Matcher mt = pat.matcher(s);
        int prev = 0;
        int m = invert ? 0 : 1;
        while (mt.find()) {
            if (prev != mt.start()) {
                r.add(prev);
                r.add(mt.start());
                r.add(1 - m);
            }
            r.add(mt.start());
            r.add(mt.end());
            r.add(m);
            prev = mt.end();
        }
        if (prev != s.length()) {
            r.add(prev);
            r.add(s.length());
            r.add(1 - m);
        }
        return r.toArray();
    }

    /** HF's {@code Pattern::find_matches} for a character predicate: each such char is a match. */
    private static int[] charMatches(String s, IntPredicate isDelim) {
        if (s.isEmpty()) {
            return new int[] {0, 0, 0};
        }
        IntList r = new IntList(16);
        int last = 0;
        int i = 0;
        while (i < s.length()) {
            int c = s.codePointAt(i);
            int next = i + Character.charCount(c);
            if (isDelim.test(c)) {
                if (last < i) {
                    r.add(last);
                    r.add(i);
                    r.add(0);
                }
                r.add(i);
                r.add(next);
                r.add(1);
                last = next;
            }
            i = next;
        }
        if (s.length() > last) {
            r.add(last);
            r.add(s.length());
            r.add(0);
        }
        return r.toArray();
    }

    /** HF's {@code NormalizedString::split} followed by dropping empty pieces. */
    private static void split(Piece p, int[] m, Behavior b, List<Piece> out) {
        String s = p.text();
        int n = m.length / 3;
        // (start, end, remove) after applying the behavior.
        IntList res = new IntList(m.length);
        switch (b) {
            case ISOLATED -> {
                for (int i = 0; i < n; i++) {
                    res.add(m[3 * i]);
                    res.add(m[3 * i + 1]);
                    res.add(0);
                }
            }
            case REMOVED -> res.addAll(m);
            case CONTIGUOUS -> {
                boolean prevMatch = false;
                for (int i = 0; i < n; i++) {
                    boolean isMatch = m[3 * i + 2] == 1;
                    if (isMatch == prevMatch && res.size() > 0) {
                        res.set(res.size() - 2, m[3 * i + 1]);
                    } else {
                        res.add(m[3 * i]);
                        res.add(m[3 * i + 1]);
                        res.add(0);
                    }
                    prevMatch = isMatch;
                }
            }
            case MERGED_WITH_PREVIOUS -> {
                boolean prevMatch = false;
                for (int i = 0; i < n; i++) {
                    boolean isMatch = m[3 * i + 2] == 1;
                    if (isMatch && !prevMatch && res.size() > 0) {
                        res.set(res.size() - 2, m[3 * i + 1]);
                    } else {
                        res.add(m[3 * i]);
                        res.add(m[3 * i + 1]);
                        res.add(0);
                    }
                    prevMatch = isMatch;
                }
            }
            case MERGED_WITH_NEXT -> {
                // Walk backwards; a delimiter joins the piece after it.
                IntList rev = new IntList(m.length);
                boolean prevMatch = false;
                for (int i = n - 1; i >= 0; i--) {
                    boolean isMatch = m[3 * i + 2] == 1;
                    if (isMatch && !prevMatch && rev.size() > 0) {
                        rev.set(rev.size() - 3, m[3 * i]);
                    } else {
                        rev.add(m[3 * i]);
                        rev.add(m[3 * i + 1]);
                        rev.add(0);
                    }
                    prevMatch = isMatch;
                }
                for (int i = rev.size() / 3 - 1; i >= 0; i--) {
                    res.add(rev.get(3 * i));
                    res.add(rev.get(3 * i + 1));
                    res.add(0);
                }
            }
        }
        for (int i = 0; i < res.size(); i += 3) {
            int a = res.get(i);
            int e = res.get(i + 1);
            if (res.get(i + 2) == 0 && e > a) {
                out.add(new Piece(a == 0 && e == s.length() ? s : s.substring(a, e), p.first() && a == 0));
            }
        }
    }
}
