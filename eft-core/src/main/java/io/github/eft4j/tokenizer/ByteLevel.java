package io.github.eft4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** GPT-2's reversible byte ↔ printable character map, and its pre-tokenization regex. */
final class ByteLevel {
    /** The pattern HF's ByteLevel pre-tokenizer uses when {@code use_regex} is true. */
    static final Pattern GPT2_SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** byte (0..255) → char. */
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** char (< 0x144) → byte, or -1. */
    private static final int[] CHAR_TO_BYTE = new int[0x144];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** Maps the UTF-8 bytes of {@code s} to their printable characters. */
    static String encode(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = BYTE_TO_CHAR[b[i] & 0xFF];
        }
        return new String(out);
    }

    /** The byte a character stands for, or -1 if it is not in the alphabet. */
    static int byteOf(int c) {
        return c >= 0 && c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }
}
