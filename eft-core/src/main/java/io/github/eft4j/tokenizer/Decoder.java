package io.github.eft4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@code tokenizer.json} decoder: HF's {@code decode_chain} over token strings. */
interface Decoder {
    List<String> SUPPORTED = List.of("Sequence", "ByteFallback", "Fuse", "Strip", "Replace", "ByteLevel", "Metaspace");

    List<String> decodeChain(List<String> tokens);

    static Decoder fromConfig(Object node) {
        if (node == null) {
            return null;
        }
        Map<String, Object> m = Cfg.map(node, "decoder");
        String type = Cfg.type(m, "decoder");
        String where = "decoder " + type;
        return switch (type) {
            case "Sequence" -> {
                List<Decoder> parts = new ArrayList<>();
                for (Object o : Cfg.list(m, "decoders", where)) {
                    parts.add(fromConfig(o));
                }
                yield t -> {
                    for (Decoder d : parts) {
                        t = d.decodeChain(t);
                    }
                    return t;
                };
            }
            case "ByteFallback" -> Decoder::byteFallback;
            case "Fuse" -> t -> List.of(String.join("", t));
            case "Strip" -> {
                String content = Cfg.str(m, "content", where);
                if (content.codePointCount(0, content.length()) != 1) {
                    throw new IllegalArgumentException(where + ".content: expected one character, found \"" + content + "\"");
                }
                int start = Cfg.integer(m, "start", 0, where);
                int stop = Cfg.integer(m, "stop", 0, where);
                int c = content.codePointAt(0);
                yield t -> {
                    List<String> out = new ArrayList<>(t.size());
                    for (String s : t) {
                        out.add(strip(s, c, start, stop));
                    }
                    return out;
                };
            }
            case "Replace" -> {
                Pattern pat = Text.pattern(m.get("pattern"), where + ".pattern");
                String literal = Text.literal(m.get("pattern"), where + ".pattern");
                String content = Cfg.str(m, "content", where);
                String quoted = Matcher.quoteReplacement(content);
                yield t -> {
                    List<String> out = new ArrayList<>(t.size());
                    for (String s : t) {
                        out.add(Text.replaceAll(s, literal, pat, content, quoted));
                    }
                    return out;
                };
            }
            case "ByteLevel" -> Decoder::byteLevel;
            case "Metaspace" -> {
                String rep = Cfg.str(m, "replacement", where);
                if (rep.codePointCount(0, rep.length()) != 1) {
                    throw new IllegalArgumentException(where + ".replacement: expected one character, found \"" + rep + "\"");
                }
                int r = rep.codePointAt(0);
                boolean dropFirst;
                if (m.get("prepend_scheme") != null) {
                    dropFirst = !"never".equalsIgnoreCase(Cfg.str(m, "prepend_scheme", where));
                } else {
                    dropFirst = Cfg.bool(m, "add_prefix_space", true, where);
                }
                yield t -> {
                    List<String> out = new ArrayList<>(t.size());
                    for (int i = 0; i < t.size(); i++) {
                        String s = t.get(i);
                        StringBuilder sb = new StringBuilder(s.length());
                        for (int k = 0; k < s.length(); ) {
                            int c = s.codePointAt(k);
                            k += Character.charCount(c);
                            if (c == r) {
                                // As HF: in the first token every replacement char is dropped.
                                if (!(i == 0 && dropFirst)) {
                                    sb.append(' ');
                                }
                            } else {
                                sb.appendCodePoint(c);
                            }
                        }
                        out.add(sb.toString());
                    }
                    return out;
                };
            }
            default -> throw Cfg.unsupported("decoder", type, SUPPORTED);
        };
    }

    /** {@code <0xAB>} → the byte AB, else -1. */
    static int byteToken(String t) {
        if (t.length() == 6 && t.startsWith("<0x") && t.charAt(5) == '>') {
            int hi = Character.digit(t.charAt(3), 16);
            int lo = Character.digit(t.charAt(4), 16);
            if (hi >= 0 && lo >= 0) {
                return hi * 16 + lo;
            }
        }
        return -1;
    }

    private static List<String> byteFallback(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        byte[] pending = new byte[16];
        int n = 0;
        for (String t : tokens) {
            int b = byteToken(t);
            if (b >= 0) {
                if (n == pending.length) {
                    pending = java.util.Arrays.copyOf(pending, n * 2);
                }
                pending[n++] = (byte) b;
            } else {
                flushBytes(pending, n, out);
                n = 0;
                out.add(t);
            }
        }
        flushBytes(pending, n, out);
        return out;
    }

    /** As HF: valid UTF-8 becomes one token; otherwise one U+FFFD per byte. */
    private static void flushBytes(byte[] b, int n, List<String> out) {
        if (n == 0) {
            return;
        }
        if (Text.isValidUtf8(b, 0, n)) {
            out.add(new String(b, 0, n, StandardCharsets.UTF_8));
        } else {
            for (int i = 0; i < n; i++) {
                out.add("\uFFFD");
            }
        }
    }

    private static List<String> byteLevel(List<String> tokens) {
        byte[] buf = new byte[64];
        int n = 0;
        for (String t : tokens) {
            // A token with a char outside the byte alphabet is taken as its own UTF-8 bytes.
            boolean mapped = true;
            for (int i = 0; i < t.length() && mapped; i++) {
                mapped = ByteLevel.byteOf(t.charAt(i)) >= 0;
            }
            byte[] raw = mapped ? null : t.getBytes(StandardCharsets.UTF_8);
            int need = mapped ? t.length() : raw.length;
            if (n + need > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, n + need));
            }
            if (mapped) {
                for (int i = 0; i < t.length(); i++) {
                    buf[n++] = (byte) ByteLevel.byteOf(t.charAt(i));
                }
            } else {
                System.arraycopy(raw, 0, buf, n, raw.length);
                n += raw.length;
            }
        }
        StringBuilder sb = new StringBuilder(n);
        Text.decodeLossy(buf, 0, n, sb);
        return List.of(sb.toString());
    }

    private static String strip(String s, int c, int start, int stop) {
        int[] cps = s.codePoints().toArray();
        int a = 0;
        for (int i = 0; i < Math.min(start, cps.length); i++) {
            if (cps[i] == c) {
                a = i + 1;
            } else {
                break;
            }
        }
        int b = cps.length;
        for (int i = 0; i < Math.min(stop, cps.length); i++) {
            if (cps[cps.length - 1 - i] == c) {
                b = cps.length - 1 - i;
            } else {
                break;
            }
        }
        return a >= b ? "" : new String(cps, a, b - a);
    }
}
