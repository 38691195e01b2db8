package io.github.eft4j.internal.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps}, which transformers' {@code tojson} filter calls with {@code
 * ensure_ascii=False}: {@code ", "} and {@code ": "} separators (or {@code ","} with an indent),
 * dict order kept, non-ASCII text as is, floats as Python's repr, NaN/Infinity as Python writes them.
 */
final class PyJson {
    private final boolean ensureAscii;
    private final String indent;
    private final String itemSep;
    private final String keySep;
    private final boolean sortKeys;
    private final Limits limits;
    private final StringBuilder sb = new StringBuilder();

    private PyJson(boolean ensureAscii, String indent, String itemSep, String keySep, boolean sortKeys, Limits limits) {
        this.ensureAscii = ensureAscii;
        this.indent = indent;
        this.itemSep = itemSep;
        this.keySep = keySep;
        this.sortKeys = sortKeys;
        this.limits = limits;
    }

    /**
     * Writes a value.
     *
     * @param indent null, an int (spaces) or a str (the indent text)
     * @param separators null or a 2-sequence (item separator, key separator)
     */
    static String dumps(Object value, boolean ensureAscii, Object indent, Object separators, boolean sortKeys, Limits limits) {
        String ind = null;
        if (indent instanceof String s) {
            ind = s;
        } else if (Py.isInt(indent)) {
            ind = " ".repeat((int) Math.max(0, Math.min(Py.asLong(indent), 1024)));
        } else if (indent != null) {
            throw JinjaException.runtime("tojson indent must be None, an int or a str, not " + Py.typeName(indent));
        }
        String itemSep = ind == null ? ", " : ",";
        String keySep = ": ";
        if (separators != null) {
            if (!(separators instanceof List<?> l) || l.size() != 2 || !(l.get(0) instanceof String)
                    || !(l.get(1) instanceof String)) {
                throw JinjaException.runtime("tojson separators must be a pair of strings");
            }
            itemSep = (String) l.get(0);
            keySep = (String) l.get(1);
        }
        PyJson w = new PyJson(ensureAscii, ind, itemSep, keySep, sortKeys, limits);
        w.write(value, 0);
        return w.sb.toString();
    }

    private void newline(int level) {
        if (indent != null) {
            sb.append('\n');
            for (int i = 0; i < level; i++) {
                sb.append(indent);
            }
        }
    }

    private void write(Object v, int level) {
        limits.checkLength(sb.length());
        if (level > 200) {
            throw new JinjaException(JinjaException.Kind.LIMIT, "value nested deeper than 200 levels", 0, 0);
        }
        switch (v) {
            case null -> sb.append("null");
            case Boolean b -> sb.append(b ? "true" : "false");
            case Long l -> sb.append(l);
            case Double d -> sb.append(floatText(d));
            case String s -> string(s);
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                List<Map.Entry<String, Object>> entries = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    entries.add(Map.entry(key(e.getKey()), e.getValue() == null ? NULL : e.getValue()));
                }
                if (sortKeys) {
                    entries.sort((a, b) -> Py.compareCodePoints(a.getKey(), b.getKey()));
                }
                sb.append('{');
                boolean first = true;
                for (Map.Entry<String, Object> e : entries) {
                    if (!first) {
                        sb.append(itemSep);
                    }
                    first = false;
                    newline(level + 1);
                    string(e.getKey());
                    sb.append(keySep);
                    write(e.getValue() == NULL ? null : e.getValue(), level + 1);
                }
                newline(level);
                sb.append('}');
            }
            case List<?> l when !(v instanceof DictView) -> {
                if (l.isEmpty()) {
                    sb.append("[]");
                    return;
                }
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        sb.append(itemSep);
                    }
                    newline(level + 1);
                    write(l.get(i), level + 1);
                }
                newline(level);
                sb.append(']');
            }
            default -> throw JinjaException.runtime("Object of type " + Py.typeName(v) + " is not JSON serializable");
        }
    }

    private static final Object NULL = new Object();

    private static String key(Object k) {
        return switch (k) {
            case String s -> s;
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Long l -> l.toString();
            case Double d -> floatText(d);
            default -> throw JinjaException.runtime("keys must be str, int, float, bool or None, not " + Py.typeName(k));
        };
    }

    private static String floatText(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        return Py.floatRepr(d);
    }

    private void string(String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        // UTF-16 units, so characters beyond the BMP come out as surrogate pairs, as in Python.
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
