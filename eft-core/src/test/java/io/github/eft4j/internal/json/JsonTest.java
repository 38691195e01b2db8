package io.github.eft4j.internal.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void parsesAllValueKinds() {
        Object v = Json.parse(" {\"a\": [1, -2.5, 3e2, true, false, null], \"b\": \"x\\n\\u00e9\\ud83d\\ude00\\\"\", \"c\": {}} ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of(1L, -2.5, 300.0, true, false), ((List<?>) m.get("a")).subList(0, 5));
        assertEquals(null, ((List<?>) m.get("a")).get(5));
        assertEquals("x\né😀\"", m.get("b"));
        assertEquals(Map.of(), m.get("c"));
        assertEquals(List.of("a", "b", "c"), List.copyOf(m.keySet()));
    }

    @Test
    void writeRoundTrips() {
        String text = "{\"k\":[1,2.5,\"\\u0001\\t\\\"\\\\\",true,null,{\"z\":[]}],\"s\":\"😀▁\"}";
        Object v = Json.parse(text);
        assertEquals(v, Json.parse(Json.write(v)));
        assertEquals(text, Json.write(v));
    }

    @Test
    void malformedInputNamesTheOffset() {
        for (String[] c : new String[][] {
            {"{\"a\":1,}", "offset 7"},
            {"[1 2]", "offset 3"},
            {"{\"a\" 1}", "offset 5"},
            {"\"abc", "offset 4"},
            {"\"a\u0001\"", "offset 2"},
            {"01", "offset 1"},
            {"{\"a\":1}x", "offset 7"},
            {"\"\\x\"", "offset 1"},
            {"tru", "offset 0"},
            {"{\"a\":1,\"a\":2}", "offset 7"},
            {"", "offset 0"},
            {"[1.]", "offset 3"},
        }) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(c[0]), c[0]);
            assertTrue(e.getMessage().startsWith("malformed JSON at " + c[1] + ":"), c[0] + " -> " + e.getMessage());
        }
    }

    @Test
    void deepNestingIsRejectedNotAStackOverflow() {
        char[] open = new char[10_000];
        Arrays.fill(open, '[');
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(new String(open)));
        assertTrue(e.getMessage().contains("nesting"), e.getMessage());
    }
}
