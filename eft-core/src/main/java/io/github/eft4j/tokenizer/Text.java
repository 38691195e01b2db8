package io.github.eft4j.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;

/** Character classes as Rust's {@code char} defines them, UTF-8 helpers and pattern parsing. */
final class Text {
    private Text() {
    }

    /** Rust {@code char::is_whitespace}: the Unicode White_Space property. */
    static boolean isWhitespace(int c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F
                || c == 0x205F || c == 0x3000;
    }

    /** Rust {@code char::is_numeric}: general categories Nd, Nl, No. */
    static boolean isNumeric(int c) {
        int t = Character.getType(c);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    /** Rust {@code char::is_alphanumeric}: Alphabetic or Numeric. */
    static boolean isAlphanumeric(int c) {
        return Character.isAlphabetic(c) || isNumeric(c);
    }

    /** HF's {@code is_punc}: ASCII punctuation, or Unicode general category P*. */
    static boolean isPunctuation(int c) {
        if (c < 0x80) {
            return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60)
                    || (c >= 0x7B && c <= 0x7E);
        }
        return switch (Character.getType(c)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /**
     * Replaces every lone surrogate with U+FFFD, as a Rust string (always valid UTF-8) cannot hold
     * one. Returns the same instance when there is none.
     */
    static String replaceLoneSurrogates(String s) {
        int n = s.length();
        int i = 0;
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                break;
            }
        }
        if (i == n) {
            return s;
        }
        StringBuilder sb = new StringBuilder(n).append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                sb.append('\uFFFD');
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * Strict UTF-8 decoding.
     *
     * @throws IllegalArgumentException naming the byte offset of the first invalid sequence
     */
    static String decodeStrict(byte[] utf8) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(utf8);
        CharBuffer out = CharBuffer.allocate(utf8.length + 1);
        CoderResult r = dec.decode(in, out, true);
        if (r.isError()) {
            throw new IllegalArgumentException("invalid UTF-8 at byte offset " + in.position() + " of " + utf8.length
                    + ": expected a well-formed sequence, found " + hex(utf8, in.position(), r.length()));
        }
        r = dec.flush(out);
        if (r.isError()) {
            throw new IllegalArgumentException("invalid UTF-8 at the end of the input (" + utf8.length + " bytes)");
        }
        out.flip();
        return out.toString();
    }

    private static String hex(byte[] b, int from, int len) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < Math.min(b.length, from + Math.max(1, len)); i++) {
            sb.append(String.format("%02X ", b[i] & 0xFF));
        }
        return sb.toString().trim();
    }

    /** Sequence length of a UTF-8 lead byte, 0 when it cannot start a sequence. */
    static int utf8Length(int lead) {
        if (lead < 0x80) {
            return 1;
        }
        if (lead >= 0xC2 && lead <= 0xDF) {
            return 2;
        }
        if (lead >= 0xE0 && lead <= 0xEF) {
            return 3;
        }
        if (lead >= 0xF0 && lead <= 0xF4) {
            return 4;
        }
        return 0;
    }

    /**
     * Lossy UTF-8 decoding with Rust's {@code String::from_utf8_lossy} policy: one U+FFFD per
     * maximal invalid subpart (the Unicode and WHATWG recommendation).
     */
    static void decodeLossy(byte[] b, int from, int to, StringBuilder out) {
        decode(b, from, to, out);
    }

    /** Whether the bytes are valid UTF-8. */
    static boolean isValidUtf8(byte[] b, int from, int to) {
        return decode(b, from, to, null);
    }

    /** Decodes into {@code out} (if not null); returns whether every sequence was valid. */
    private static boolean decode(byte[] b, int from, int to, StringBuilder out) {
        boolean valid = true;
        int i = from;
        while (i < to) {
            int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                if (out != null) {
                    out.append((char) b0);
                }
                i++;
                continue;
            }
            int need = utf8Length(b0);
            if (need == 0) {
                valid = false;
                if (out != null) {
                    out.append('\uFFFD');
                }
                i++;
                continue;
            }
            // Second-byte ranges that exclude overlongs, surrogates and values above U+10FFFF.
            int lo = b0 == 0xE0 ? 0xA0 : b0 == 0xF0 ? 0x90 : 0x80;
            int hi = b0 == 0xED ? 0x9F : b0 == 0xF4 ? 0x8F : 0xBF;
            int cp = b0 & (0xFF >> (need + 1));
            int j = i + 1;
            boolean ok = true;
            for (int k = 1; k < need; k++, j++) {
                int bk = j < to ? b[j] & 0xFF : -1;
                if (bk < lo || bk > hi) {
                    ok = false;
                    break;
                }
                lo = 0x80;
                hi = 0xBF;
                cp = (cp << 6) | (bk & 0x3F);
            }
            valid &= ok;
            if (out != null) {
                if (ok) {
                    out.appendCodePoint(cp);
                } else {
                    out.append('\uFFFD');
                }
            }
            i = j;
        }
        return valid;
    }

    /**
     * Compiles a tokenizer.json pattern ({@code {"String": s}} or {@code {"Regex": r}}).
     * Oniguruma's Unicode classes become Java's with {@link Pattern#UNICODE_CHARACTER_CLASS};
     * Oniguruma's {@code \h} (hex digit) is rewritten, as Java reads it as horizontal space.
     */
    static Pattern pattern(Object spec, String where) {
        Map<String, Object> m = Cfg.map(spec, where);
        if (m.get("String") instanceof String s) {
            return Pattern.compile(Pattern.quote(s));
        }
        if (m.get("Regex") instanceof String r) {
            try {
                return Pattern.compile(translateOniguruma(r), Pattern.UNICODE_CHARACTER_CLASS);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new IllegalArgumentException(where + ": regex \"" + r + "\" is not supported: " + e.getDescription(), e);
            }
        }
        throw new IllegalArgumentException(where + ": expected {\"String\": ...} or {\"Regex\": ...}, found " + m.keySet());
    }

    /** The literal of a {@code {"String": s}} pattern, or null for a regex. */
    static String literal(Object spec, String where) {
        return Cfg.map(spec, where).get("String") instanceof String s ? s : null;
    }

    /** Replace-all with a literal (fast path) or a regex pattern. */
    static String replaceAll(String s, String literal, Pattern pat, String content, String quotedContent) {
        if (literal != null) {
            return literal.isEmpty() ? pat.matcher(s).replaceAll(quotedContent) : s.replace(literal, content);
        }
        return pat.matcher(s).replaceAll(quotedContent);
    }

    static String translateOniguruma(String r) {
        StringBuilder sb = new StringBuilder(r.length());
        for (int i = 0; i < r.length(); i++) {
            char c = r.charAt(i);
            if (c == '\\' && i + 1 < r.length()) {
                char n = r.charAt(i + 1);
                if (n == 'h') {
                    sb.append("[0-9a-fA-F]");
                } else if (n == 'H') {
                    sb.append("[^0-9a-fA-F]");
                } else {
                    sb.append(c).append(n);
                }
                i++;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

}
