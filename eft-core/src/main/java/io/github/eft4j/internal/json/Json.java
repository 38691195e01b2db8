package io.github.eft4j.internal.json;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Strict RFC 8259 JSON reader and compact writer.
 *
 * <p>Values map to Java as: object → {@code Map<String, Object>} (insertion ordered, unmodifiable),
 * array → {@code List<Object>} (unmodifiable), string → {@link String}, number → {@link Long} when
 * it is an integer that fits, else {@link Double}, {@code true/false} → {@link Boolean}, {@code
 * null} → {@code null}. Strictness: no comments, no trailing commas, no leading zeros, no
 * unescaped control characters in strings, no duplicate object keys, nothing after the value.
 * Escaped lone surrogates ({@code "\ud800"}) are kept as they are, as Java strings can hold them.
 * Errors are {@link IllegalArgumentException}s that name the character offset.
 */
public final class Json {
    private static final int MAX_DEPTH = 512;

    private final String s;
    private int pos;
    private int depth;

    private Json(String s) {
        this.s = s;
    }

    /**
     * Parses one JSON document.
     *
     * @param text the whole document
     * @return the value (see the class comment for the mapping)
     * @throws IllegalArgumentException if the text is not valid JSON; the message names the offset
     */
    public static Object parse(String text) {
        Json p = new Json(text);
        p.skipWs();
        Object v = p.value();
        p.skipWs();
        if (p.pos != text.length()) {
            throw p.error("expected end of input");
        }
        return v;
    }

    /**
     * Writes a value back as compact JSON (maps, lists, strings, numbers, booleans, null).
     *
     * @param value the value
     * @return the JSON text
     * @throws IllegalArgumentException if a value of another type is found
     */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(value, sb);
        return sb.toString();
    }

    private static void write(Object v, StringBuilder sb) {
        switch (v) {
            case null -> sb.append("null");
            case String str -> writeString(str, sb);
            case Boolean b -> sb.append(b);
            case Long l -> sb.append(l);
            case Integer i -> sb.append(i);
            case Double d -> {
                if (d.isNaN() || d.isInfinite()) {
                    throw new IllegalArgumentException("JSON cannot hold " + d);
                }
                sb.append(d);
            }
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    writeString((String) e.getKey(), sb);
                    sb.append(':');
                    write(e.getValue(), sb);
                }
                sb.append('}');
            }
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    write(l.get(i), sb);
                }
                sb.append(']');
            }
            default -> throw new IllegalArgumentException(
                    "cannot write " + v.getClass().getName() + " as JSON; expected Map, List, String, Number, Boolean or null");
        }
    }

    private static void writeString(String str, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < str.length(); i++) {
            char c = str.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c)
                            && !(Character.isHighSurrogate(c) && i + 1 < str.length() && Character.isLowSurrogate(str.charAt(i + 1)))
                            && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(str.charAt(i - 1)))) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private IllegalArgumentException error(String what) {
        String near = pos < s.length() ? "'" + escapeForMessage(s.substring(pos, Math.min(s.length(), pos + 20))) + "'" : "end of input";
        return new IllegalArgumentException("malformed JSON at offset " + pos + ": " + what + ", found " + near);
    }

    private static String escapeForMessage(String t) {
        StringBuilder b = new StringBuilder();
        for (char c : t.toCharArray()) {
            b.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return b.toString();
    }

    private void skipWs() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                pos++;
            } else {
                break;
            }
        }
    }

    private Object value() {
        if (pos >= s.length()) {
            throw error("expected a value");
        }
        char c = s.charAt(pos);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("expected a value");
            }
        };
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, pos)) {
            throw error("expected '" + word + "'");
        }
        pos += word.length();
        return v;
    }

    private Map<String, Object> object() {
        enter();
        pos++; // '{'
        Map<String, Object> m = new LinkedHashMap<>();
        skipWs();
        if (pos < s.length() && s.charAt(pos) == '}') {
            pos++;
            depth--;
            return Collections.unmodifiableMap(m);
        }
        while (true) {
            skipWs();
            if (pos >= s.length() || s.charAt(pos) != '"') {
                throw error("expected a string key");
            }
            int keyAt = pos;
            String key = string();
            skipWs();
            expect(':');
            skipWs();
            Object v = value();
            if (m.containsKey(key)) {
                pos = keyAt;
                throw error("duplicate key \"" + key + "\"");
            }
            m.put(key, v);
            skipWs();
            if (pos < s.length() && s.charAt(pos) == ',') {
                pos++;
                continue;
            }
            expect('}');
            depth--;
            return Collections.unmodifiableMap(m);
        }
    }

    private List<Object> array() {
        enter();
        pos++; // '['
        List<Object> l = new ArrayList<>();
        skipWs();
        if (pos < s.length() && s.charAt(pos) == ']') {
            pos++;
            depth--;
            return Collections.unmodifiableList(l);
        }
        while (true) {
            skipWs();
            l.add(value());
            skipWs();
            if (pos < s.length() && s.charAt(pos) == ',') {
                pos++;
                continue;
            }
            expect(']');
            depth--;
            return Collections.unmodifiableList(l);
        }
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH);
        }
    }

    private void expect(char c) {
        if (pos >= s.length() || s.charAt(pos) != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private String string() {
        pos++; // opening quote
        int start = pos;
        // Fast path: no escapes.
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == '"') {
                return s.substring(start, pos++);
            }
            if (c == '\\') {
                break;
            }
            if (c < 0x20) {
                throw error("unescaped control character in string");
            }
            pos++;
        }
        StringBuilder sb = new StringBuilder().append(s, start, pos);
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == '"') {
                pos++;
                return sb.toString();
            }
            if (c < 0x20) {
                throw error("unescaped control character in string");
            }
            if (c != '\\') {
                sb.append(c);
                pos++;
                continue;
            }
            if (pos + 1 >= s.length()) {
                pos++;
                throw error("unterminated escape");
            }
            char e = s.charAt(pos + 1);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 6 > s.length()) {
                        throw error("truncated \\u escape");
                    }
                    int v = 0;
                    for (int i = pos + 2; i < pos + 6; i++) {
                        int d = Character.digit(s.charAt(i), 16);
                        if (d < 0) {
                            throw error("invalid \\u escape");
                        }
                        v = v * 16 + d;
                    }
                    sb.append((char) v);
                    pos += 4;
                }
                default -> throw error("invalid escape '\\" + e + "'");
            }
            pos += 2;
        }
        throw error("unterminated string");
    }

    private Object number() {
        int start = pos;
        if (s.charAt(pos) == '-') {
            pos++;
        }
        if (pos >= s.length() || !isDigit(s.charAt(pos))) {
            throw error("expected a digit");
        }
        if (s.charAt(pos) == '0') {
            pos++;
            if (pos < s.length() && isDigit(s.charAt(pos))) {
                throw error("leading zero in number");
            }
        } else {
            while (pos < s.length() && isDigit(s.charAt(pos))) {
                pos++;
            }
        }
        boolean integer = true;
        if (pos < s.length() && s.charAt(pos) == '.') {
            integer = false;
            pos++;
            if (pos >= s.length() || !isDigit(s.charAt(pos))) {
                throw error("expected a digit after '.'");
            }
            while (pos < s.length() && isDigit(s.charAt(pos))) {
                pos++;
            }
        }
        if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
            integer = false;
            pos++;
            if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                pos++;
            }
            if (pos >= s.length() || !isDigit(s.charAt(pos))) {
                throw error("expected a digit in exponent");
            }
            while (pos < s.length() && isDigit(s.charAt(pos))) {
                pos++;
            }
        }
        String t = s.substring(start, pos);
        if (integer && t.length() < 19) {
            return Long.parseLong(t);
        }
        return Double.parseDouble(t);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
