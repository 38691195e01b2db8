package io.github.eft4j.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CLI's JSON writer against the tests' strict parser. */
class JsonTextTest {
    @Test
    void escapesAndRoundTrips() {
        String nasty = "quote \" backslash \\ newline \n tab \t bell \u0007 λ 😀 </s>";
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", nasty);
        m.put("i", 3);
        m.put("l", 1L << 40);
        m.put("f", -0.30296612f);
        m.put("d", 1.5);
        m.put("inf", Float.NEGATIVE_INFINITY);
        m.put("b", true);
        m.put("n", null);
        m.put("ids", new int[] {1, 2});
        m.put("list", List.of("a", 2L));
        Map<String, Object> back = TestJson.object(JsonText.write(m));
        assertEquals(nasty, back.get("s"));
        assertEquals(3L, back.get("i"));
        assertEquals(1L << 40, back.get("l"));
        assertEquals(-0.30296612f, ((Number) back.get("f")).floatValue());
        assertEquals(1.5, back.get("d"));
        assertEquals(null, back.get("inf"), "-inf has no JSON form");
        assertEquals(true, back.get("b"));
        assertEquals(Arrays.asList(1L, 2L), back.get("ids"));
        assertEquals(List.of("a", 2L), back.get("list"));
        assertEquals("\"\\ud800\"", JsonText.quote("\ud800"), "a lone surrogate is escaped, not written as invalid UTF-8");
    }
}
