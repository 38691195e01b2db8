package io.github.eft4j.internal.jinja;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Splits a template into tokens as jinja2's lexer does with {@code trim_blocks=True,
 * lstrip_blocks=True} (transformers' settings): newlines normalized to {@code \n}, one trailing
 * newline dropped, the first newline after a block or comment tag removed, spaces and tabs before a
 * block or comment tag at the start of a line removed, {@code -} stripping all whitespace on its
 * side, {@code +} turning the block options off.
 */
final class Lexer {
    enum Type { DATA, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF }

    /** One token; {@code value} is the text, or the decoded value of a string or number. */
    record Token(Type type, String text, Object value, int line, int col) {
        boolean is(Type t, String s) {
            return type == t && text.equals(s);
        }

        boolean isOp(String s) {
            return type == Type.OP && text.equals(s);
        }

        boolean isName(String s) {
            return type == Type.NAME && text.equals(s);
        }

        String describe() {
            return switch (type) {
                case EOF -> "end of template";
                case DATA -> "template text";
                case VAR_BEGIN -> "'{{'";
                case VAR_END -> "'}}'";
                case BLOCK_BEGIN -> "'{%'";
                case BLOCK_END -> "'%}'";
                case STRING -> "string " + Py.repr(value);
                default -> "'" + text + "'";
            };
        }
    }

    private static final String[] OPERATORS = {
        "//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<",
        "=", ".", ":", "|", ",", ";"
    };

    private final String src;
    private final int[] lineStarts;
    private final List<Token> out = new ArrayList<>();
    private int pos;

    private Lexer(String src) {
        this.src = src;
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < src.length(); i++) {
            if (src.charAt(i) == '\n') {
                starts.add(i + 1);
            }
        }
        lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Normalizes newlines, drops one trailing newline (keep_trailing_newline=False) and tokenizes. */
    static List<Token> tokenize(String template) {
        String s = template.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1);
        }
        Lexer lx = new Lexer(s);
        lx.run();
        return lx.out;
    }

    private int lineOf(int offset) {
        int i = Arrays.binarySearch(lineStarts, offset);
        return i >= 0 ? i + 1 : -i - 1;
    }

    private int colOf(int offset) {
        return offset - lineStarts[lineOf(offset) - 1] + 1;
    }

    private JinjaException error(String message, int offset) {
        return JinjaException.syntax(message, lineOf(offset), colOf(offset));
    }

    private void add(Type type, String text, Object value, int offset) {
        out.add(new Token(type, text, value, lineOf(offset), colOf(offset)));
    }

    private void run() {
        boolean lineStarting = true;
        while (pos < src.length()) {
            int start = nextTag(pos);
            if (start < 0) {
                add(Type.DATA, src.substring(pos), null, pos);
                break;
            }
            char kind = src.charAt(start + 1);
            char sign = start + 2 < src.length() ? src.charAt(start + 2) : 0;
            boolean hasSign = sign == '-' || sign == '+';
            String text = src.substring(pos, start);
            int textAt = pos;
            if (sign == '-') {
                text = Py.strip(text, null, false, true);
            } else if (sign != '+' && kind != '{') {
                // lstrip_blocks: spaces and tabs alone between a newline (or a line start) and the tag go.
                int lpos = text.lastIndexOf('\n') + 1;
                if ((lpos > 0 || lineStarting) && onlySpacesAndTabs(text, lpos)) {
                    text = text.substring(0, lpos);
                }
            }
            if (!text.isEmpty()) {
                add(Type.DATA, text, null, textAt);
            }
            int body = start + 2 + (hasSign ? 1 : 0);
            if (kind == '#') {
                lineStarting = comment(start, body);
            } else if (kind == '%' && isRaw(body)) {
                lineStarting = raw(start, body);
            } else {
                lineStarting = tag(kind == '{', start, body);
            }
        }
        add(Type.EOF, "", null, src.length());
    }

    private int nextTag(int from) {
        int i = from;
        while (true) {
            i = src.indexOf('{', i);
            if (i < 0 || i + 1 >= src.length()) {
                return -1;
            }
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
            i++;
        }
    }

    private static boolean onlySpacesAndTabs(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t') {
                return false;
            }
        }
        return true;
    }

    private int skipSpace(int i) {
        while (i < src.length() && Py.isSpace(src.codePointAt(i))) {
            i += Character.charCount(src.codePointAt(i));
        }
        return i;
    }

    /** Consumes a comment; returns whether its end match ended with a newline. */
    private boolean comment(int start, int body) {
        int end = src.indexOf("#}", body);
        if (end < 0) {
            throw error("unclosed comment: '{#' without '#}'", start);
        }
        // The lazy match stops at the first '-#}' or '+#}' before a plain '#}'.
        char before = end > body ? src.charAt(end - 1) : 0;
        if (before == '-') {
            pos = skipSpace(end + 2);
        } else if (before == '+') {
            pos = end + 2;
        } else {
            pos = end + 2;
            if (pos < src.length() && src.charAt(pos) == '\n') {
                pos++;
            }
        }
        return pos > 0 && src.charAt(pos - 1) == '\n';
    }

    private boolean isRaw(int body) {
        int i = skipSpace(body);
        if (!src.startsWith("raw", i)) {
            return false;
        }
        i = skipSpace(i + 3);
        if (i < src.length() && (src.charAt(i) == '-' || src.charAt(i) == '+')) {
            i++;
        }
        return src.startsWith("%}", i);
    }

    /** {@code {% raw %}...{% endraw %}}: the content is text. */
    private boolean raw(int start, int body) {
        int i = skipSpace(skipSpace(body) + 3);
        if (src.charAt(i) == '-') {
            pos = skipSpace(i + 3);
        } else {
            pos = src.charAt(i) == '+' ? i + 3 : i + 2;
        }
        int search = pos;
        while (true) {
            int t = src.indexOf("{%", search);
            if (t < 0) {
                throw error("unclosed raw block: '{% raw %}' without '{% endraw %}'", start);
            }
            char sign = t + 2 < src.length() ? src.charAt(t + 2) : 0;
            int j = skipSpace(t + 2 + (sign == '-' || sign == '+' ? 1 : 0));
            if (!src.startsWith("endraw", j)) {
                search = t + 2;
                continue;
            }
            j = skipSpace(j + 6);
            String text = src.substring(pos, t);
            if (sign == '-') {
                text = Py.strip(text, null, false, true);
            } else if (sign != '+') {
                int lpos = text.lastIndexOf('\n') + 1;
                if (lpos > 0 && onlySpacesAndTabs(text, lpos)) {
                    text = text.substring(0, lpos);
                }
            }
            if (!text.isEmpty()) {
                add(Type.DATA, text, null, pos);
            }
            if (src.startsWith("-%}", j)) {
                pos = skipSpace(j + 3);
            } else if (src.startsWith("+%}", j)) {
                pos = j + 3;
            } else if (src.startsWith("%}", j)) {
                pos = j + 2;
                if (pos < src.length() && src.charAt(pos) == '\n') {
                    pos++;
                }
            } else {
                throw error("expected '%}' after 'endraw'", j);
            }
            return src.charAt(pos - 1) == '\n';
        }
    }

    /** Lexes the inside of {@code {{ }}} or {@code {% %}}; returns whether the end match ended with a newline. */
    private boolean tag(boolean variable, int start, int body) {
        add(variable ? Type.VAR_BEGIN : Type.BLOCK_BEGIN, variable ? "{{" : "{%", null, start);
        Deque<Character> balance = new ArrayDeque<>();
        int i = body;
        while (true) {
            if (balance.isEmpty()) {
                if (variable) {
                    if (src.startsWith("-}}", i)) {
                        add(Type.VAR_END, "}}", null, i);
                        pos = skipSpace(i + 3);
                        return pos > 0 && src.charAt(pos - 1) == '\n';
                    }
                    if (src.startsWith("}}", i)) {
                        add(Type.VAR_END, "}}", null, i);
                        pos = i + 2;
                        return false;
                    }
                } else {
                    if (src.startsWith("-%}", i)) {
                        add(Type.BLOCK_END, "%}", null, i);
                        pos = skipSpace(i + 3);
                        return pos > 0 && src.charAt(pos - 1) == '\n';
                    }
                    if (src.startsWith("+%}", i)) {
                        add(Type.BLOCK_END, "%}", null, i);
                        pos = i + 3;
                        return false;
                    }
                    if (src.startsWith("%}", i)) {
                        add(Type.BLOCK_END, "%}", null, i);
                        pos = i + 2;
                        if (pos < src.length() && src.charAt(pos) == '\n') {
                            pos++;
                            return true;
                        }
                        return false;
                    }
                }
            }
            if (i >= src.length()) {
                throw error("unclosed " + (variable ? "'{{': no '}}'" : "'{%': no '%}'") + " before the end of the template",
                        start);
            }
            int cp = src.codePointAt(i);
            if (Py.isSpace(cp)) {
                i = skipSpace(i);
                continue;
            }
            if (cp >= '0' && cp <= '9') {
                i = number(i);
                continue;
            }
            if (cp == '_' || Character.isLetter(cp)) {
                int j = i;
                while (j < src.length() && (src.charAt(j) == '_' || Character.isLetterOrDigit(src.codePointAt(j)))) {
                    j += Character.charCount(src.codePointAt(j));
                }
                add(Type.NAME, src.substring(i, j), null, i);
                i = j;
                continue;
            }
            if (cp == '\'' || cp == '"') {
                i = string(i);
                continue;
            }
            String op = null;
            for (String o : OPERATORS) {
                if (src.startsWith(o, i)) {
                    op = o;
                    break;
                }
            }
            if (op == null) {
                throw error("unexpected character " + Py.repr(Character.toString(cp)), i);
            }
            switch (op) {
                case "(", "[", "{" -> balance.push(op.charAt(0));
                case ")", "]", "}" -> {
                    char open = op.equals(")") ? '(' : op.equals("]") ? '[' : '{';
                    if (balance.isEmpty() || balance.peek() != open) {
                        throw error("unexpected '" + op + "'", i);
                    }
                    balance.pop();
                }
                default -> {
                }
            }
            add(Type.OP, op, null, i);
            i += op.length();
        }
    }

    private int digits(int i) {
        // (\d+_)*\d+
        int j = i;
        while (true) {
            int k = j;
            while (k < src.length() && Character.isDigit(src.charAt(k)) && src.charAt(k) < 128) {
                k++;
            }
            if (k == j) {
                return j == i ? i : j - 1; // a trailing '_' is not part of the number
            }
            j = k;
            if (j < src.length() && src.charAt(j) == '_' && j + 1 < src.length() && Character.isDigit(src.charAt(j + 1))) {
                j++;
                continue;
            }
            return j;
        }
    }

    private int number(int i) {
        int j = digits(i);
        boolean isFloat = false;
        boolean afterDot = i > 0 && src.charAt(i - 1) == '.';
        if (!afterDot) {
            int k = j;
            if (k < src.length() && src.charAt(k) == '.' && k + 1 < src.length() && Character.isDigit(src.charAt(k + 1))) {
                k = digits(k + 1);
                isFloat = true;
            }
            if (k < src.length() && (src.charAt(k) == 'e' || src.charAt(k) == 'E')) {
                int e = k + 1;
                if (e < src.length() && (src.charAt(e) == '+' || src.charAt(e) == '-')) {
                    e++;
                }
                if (e < src.length() && Character.isDigit(src.charAt(e))) {
                    k = digits(e);
                    isFloat = true;
                }
            }
            if (isFloat) {
                j = k;
            }
        }
        String text = src.substring(i, j);
        String clean = text.replace("_", "");
        if (isFloat) {
            add(Type.FLOAT, text, Double.parseDouble(clean), i);
        } else {
            try {
                add(Type.INT, text, Long.parseLong(clean), i);
            } catch (NumberFormatException e) {
                throw error("integer literal " + text + " does not fit in 64 bits", i);
            }
        }
        return j;
    }

    private int string(int i) {
        char q = src.charAt(i);
        int j = i + 1;
        while (j < src.length() && src.charAt(j) != q) {
            j += src.charAt(j) == '\\' ? 2 : 1;
        }
        if (j >= src.length()) {
            throw error("unterminated string literal", i);
        }
        add(Type.STRING, src.substring(i, j + 1), unescape(src.substring(i + 1, j), i), i);
        return j + 1;
    }

    /** Python's unicode-escape decoding, which jinja2 applies to string literals. */
    private String unescape(String s, int at) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                sb.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case '\n' -> { }
                case '\\' -> sb.append('\\');
                case '\'' -> sb.append('\'');
                case '"' -> sb.append('"');
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'v' -> sb.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    int v = 0;
                    for (int k = 1; k <= n; k++) {
                        int d = i + k < s.length() ? Character.digit(s.charAt(i + k), 16) : -1;
                        if (d < 0) {
                            throw error("truncated \\" + e + " escape in a string literal", at);
                        }
                        v = v * 16 + d;
                    }
                    if (v > Character.MAX_CODE_POINT) {
                        throw error("illegal Unicode character in a string literal", at);
                    }
                    sb.appendCodePoint(v);
                    i += n;
                }
                case 'N' -> {
                    int close = s.indexOf('}', i);
                    if (i + 1 >= s.length() || s.charAt(i + 1) != '{' || close < 0) {
                        throw error("malformed \\N character escape in a string literal", at);
                    }
                    try {
                        sb.appendCodePoint(Character.codePointOf(s.substring(i + 2, close)));
                    } catch (IllegalArgumentException ex) {
                        throw error("unknown Unicode character name in a string literal", at);
                    }
                    i = close;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        int k = 0;
                        while (k < 2 && i + 1 < s.length() && s.charAt(i + 1) >= '0' && s.charAt(i + 1) <= '7') {
                            v = v * 8 + (s.charAt(++i) - '0');
                            k++;
                        }
                        sb.appendCodePoint(v);
                    } else if (e >= 0x80) {
                        // jinja2 backslash-escapes non-ASCII text before decoding, so "\é" keeps a
                        // backslash followed by the escape text of é.
                        int cp = s.codePointAt(i);
                        i += Character.charCount(cp) - 1;
                        sb.append('\\').append(cp <= 0xff ? String.format("x%02x", cp)
                                : cp <= 0xffff ? String.format("u%04x", cp) : String.format("U%08x", cp));
                    } else {
                        sb.append('\\').append(e);
                    }
                }
            }
        }
        return sb.toString();
    }
}
