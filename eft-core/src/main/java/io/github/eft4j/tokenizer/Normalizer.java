package io.github.eft4j.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@code tokenizer.json} normalizer: text → normalized text (offsets are not tracked). */
interface Normalizer {
    List<String> SUPPORTED = List.of("Sequence", "Prepend", "Replace", "NFC", "NFD", "NFKC", "NFKD",
            "Lowercase", "Strip");

    String normalize(String s);

    static Normalizer fromConfig(Object node) {
        if (node == null) {
            return null;
        }
        Map<String, Object> m = Cfg.map(node, "normalizer");
        String type = Cfg.type(m, "normalizer");
        String where = "normalizer " + type;
        return switch (type) {
            case "Sequence" -> {
                List<Normalizer> parts = new ArrayList<>();
                for (Object o : Cfg.list(m, "normalizers", where)) {
                    parts.add(fromConfig(o));
                }
                yield s -> {
                    for (Normalizer n : parts) {
                        s = n.normalize(s);
                    }
                    return s;
                };
            }
            case "Prepend" -> {
                String p = Cfg.str(m, "prepend", where);
                yield s -> s.isEmpty() ? s : p + s;
            }
            case "Replace" -> {
                Pattern pat = Text.pattern(m.get("pattern"), where + ".pattern");
                String literal = Text.literal(m.get("pattern"), where + ".pattern");
                String content = Cfg.str(m, "content", where);
                String quoted = Matcher.quoteReplacement(content);
                yield s -> Text.replaceAll(s, literal, pat, content, quoted);
            }
            case "NFC" -> s -> java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFC);
            case "NFD" -> s -> java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFD);
            case "NFKC" -> s -> java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFKC);
            case "NFKD" -> s -> java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFKD);
            case "Lowercase" -> Normalizer::lowercase;
            case "Strip" -> {
                boolean left = Cfg.bool(m, "strip_left", true, where);
                boolean right = Cfg.bool(m, "strip_right", true, where);
                yield s -> strip(s, left, right);
            }
            default -> throw Cfg.unsupported("normalizer", type, SUPPORTED);
        };
    }

    /** Rust's per-char {@code to_lowercase}: no context rules (a final Σ stays σ, not ς). */
    private static String lowercase(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int n = Character.charCount(c);
            if (c < 0x80) {
                sb.append((char) (c >= 'A' && c <= 'Z' ? c + 32 : c));
            } else if (c == 0x130) {
                sb.append("i\u0307"); // the one char whose lowercase is two
            } else {
                sb.appendCodePoint(Character.toLowerCase(c));
            }
            i += n;
        }
        return sb.toString();
    }

    private static String strip(String s, boolean left, boolean right) {
        int a = 0;
        int b = s.length();
        while (left && a < b && Text.isWhitespace(s.codePointAt(a))) {
            a += Character.charCount(s.codePointAt(a));
        }
        while (right && b > a && Text.isWhitespace(s.codePointBefore(b))) {
            b -= Character.charCount(s.codePointBefore(b));
        }
        return s.substring(a, b);
    }
}
