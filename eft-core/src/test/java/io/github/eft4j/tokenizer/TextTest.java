package io.github.eft4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextTest {
    private static String lossy(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        StringBuilder sb = new StringBuilder();
        Text.decodeLossy(b, 0, b.length, sb);
        return sb.toString();
    }

    @Test
    void lossyDecodingReplacesEachMaximalInvalidSubpart() {
        // Expected values are Rust's String::from_utf8_lossy (Unicode "maximal subpart" practice).
        assertEquals("a\uFFFDb", lossy('a', 0xE2, 0x82, 'b'));          // truncated 3-byte sequence: one
        assertEquals("\uFFFD\uFFFD", lossy(0xC0, 0x80));                // overlong lead: each byte
        assertEquals("\uFFFD\uFFFD\uFFFD", lossy(0xED, 0xA0, 0x80));    // surrogate: each byte
        assertEquals("\uFFFD", lossy(0xF0, 0x9F, 0x98));                // truncated emoji: one
        assertEquals("😀\uFFFD", lossy(0xF0, 0x9F, 0x98, 0x80, 0x80));  // stray continuation
        assertEquals("\uFFFD\uFFFD", lossy(0xF5, 0xFF));
        assertEquals("é中😀", lossy(0xC3, 0xA9, 0xE4, 0xB8, 0xAD, 0xF0, 0x9F, 0x98, 0x80));
    }

    @Test
    void validity() {
        byte[] ok = "a\uFFFDé😀".getBytes(StandardCharsets.UTF_8);
        assertTrue(Text.isValidUtf8(ok, 0, ok.length));
        assertFalse(Text.isValidUtf8(new byte[] {(byte) 0xE2, (byte) 0x82}, 0, 2));
    }

    @Test
    void rustCharClasses() {
        assertTrue(Text.isWhitespace(0xA0) && Text.isWhitespace(0x3000) && Text.isWhitespace(0x85));
        assertFalse(Text.isWhitespace(0x200B) || Text.isWhitespace(0x1C));
        assertTrue(Text.isNumeric('²') && Text.isNumeric('½') && Text.isNumeric('٣') && Text.isNumeric('Ⅻ'));
        assertFalse(Text.isNumeric('a'));
        assertTrue(Text.isPunctuation('$') && Text.isPunctuation('«') && Text.isPunctuation('—'));
        assertFalse(Text.isPunctuation('€') || Text.isPunctuation(' '));
        assertEquals("a\uFFFDb\uFFFD😀", Text.replaceLoneSurrogates("a\uDC00b\uD800😀"));
    }
}
