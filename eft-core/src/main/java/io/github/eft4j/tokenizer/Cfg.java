package io.github.eft4j.tokenizer;

import java.util.List;
import java.util.Map;

/** Typed access to the parsed {@code tokenizer.json} tree, with messages that name the field. */
final class Cfg {
    private Cfg() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object v, String where) {
        if (v instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException(where + ": expected a JSON object, found " + describe(v));
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Map<String, Object> m, String key, String where) {
        Object v = m.get(key);
        if (v instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new IllegalArgumentException(where + "." + key + ": expected a JSON array, found " + describe(v));
    }

    static String str(Map<String, Object> m, String key, String where) {
        Object v = m.get(key);
        if (v instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(where + "." + key + ": expected a string, found " + describe(v));
    }

    static String optStr(Map<String, Object> m, String key, String where) {
        Object v = m.get(key);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw new IllegalArgumentException(where + "." + key + ": expected a string or null, found " + describe(v));
    }

    static boolean bool(Map<String, Object> m, String key, boolean dflt, String where) {
        Object v = m.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException(where + "." + key + ": expected true or false, found " + describe(v));
    }

    static int integer(Map<String, Object> m, String key, int dflt, String where) {
        Object v = m.get(key);
        if (v == null) {
            return dflt;
        }
        return toInt(v, where + "." + key);
    }

    static int toInt(Object v, String where) {
        if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
            return (int) l.longValue();
        }
        throw new IllegalArgumentException(where + ": expected a 32-bit integer, found " + describe(v));
    }

    static String type(Map<String, Object> m, String where) {
        return str(m, "type", where);
    }

    static IllegalArgumentException unsupported(String kind, String type, List<String> supported) {
        return new IllegalArgumentException("unsupported " + kind + " type \"" + type + "\"; supported: "
                + String.join(", ", supported));
    }

    static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String s) {
            return "string \"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "\"";
        }
        if (v instanceof Map<?, ?>) {
            return "an object";
        }
        if (v instanceof List<?>) {
            return "an array";
        }
        return v.toString();
    }
}
