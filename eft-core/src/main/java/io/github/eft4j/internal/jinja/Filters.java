package io.github.eft4j.internal.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * jinja2's built-in filters with transformers' {@code tojson}. Where jinja2 returns a generator
 * ({@code map}, {@code select}, {@code unique}, {@code reverse} of a list, ...) these return a list:
 * the same items, and the same text once passed through {@code |list}, {@code |join} or a loop.
 */
final class Filters {
    private Filters() {
    }

    static final Set<String> SUPPORTED = Set.of(
            "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape",
            "first", "float", "format", "indent", "int", "items", "join", "last", "length", "list", "lower", "map",
            "max", "min", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr",
            "sort", "string", "sum", "title", "tojson", "trim", "unique", "upper", "wordcount");
    static final Set<String> UNSUPPORTED = Set.of(
            "filesizeformat", "forceescape", "groupby", "pprint", "random", "slice", "striptags", "truncate",
            "urlencode", "urlize", "wordwrap", "xmlattr");

    private static Object[] bind(String fn, List<Object> args, Map<String, Object> kwargs, Object... namesAndDefaults) {
        String[] names = new String[namesAndDefaults.length / 2];
        Object[] defaults = new Object[names.length];
        for (int i = 0; i < names.length; i++) {
            names[i] = (String) namesAndDefaults[2 * i];
            defaults[i] = namesAndDefaults[2 * i + 1];
        }
        return Args.bind(fn, args, kwargs, names, defaults);
    }

    private static final Object REQ = Args.REQUIRED;

    /** jinja2's soft_str: Undefined prints as "". */
    private static String softStr(Object v) {
        return Py.str(v);
    }

    static Object apply(Renderer r, String name, Object value, List<Object> args, Map<String, Object> kwargs) {
        switch (name) {
            case "abs" -> {
                bind(name, args, kwargs);
                if (value instanceof Undefined u) {
                    throw u.fail();
                }
                if (value instanceof Double d) {
                    return Math.abs(d);
                }
                if (Py.isInt(value)) {
                    long v = Py.asLong(value);
                    if (v == Long.MIN_VALUE) {
                        throw new JinjaException(JinjaException.Kind.LIMIT, "integer result beyond 64 bits", 0, 0);
                    }
                    return Math.abs(v);
                }
                throw JinjaException.runtime("bad operand type for abs(): '" + Py.typeName(value) + "'");
            }
            case "attr" -> {
                Object n = bind(name, args, kwargs, "name", REQ)[0];
                return Access.pythonAttribute(value, Args.str("attr", n));
            }
            case "batch" -> {
                Object[] a = bind(name, args, kwargs, "linecount", REQ, "fill_with", null);
                long n = Args.integer(name, a[0]);
                if (n <= 0) {
                    throw JinjaException.runtime("batch linecount must be positive");
                }
                List<Object> out = new ArrayList<>();
                List<Object> cur = new ArrayList<>();
                for (Object o : Py.iterate(value)) {
                    if (cur.size() == n) {
                        out.add(cur);
                        cur = new ArrayList<>();
                    }
                    cur.add(o);
                }
                if (!cur.isEmpty()) {
                    if (a[1] != null) {
                        while (cur.size() < n) {
                            cur.add(a[1]);
                        }
                    }
                    out.add(cur);
                }
                return out;
            }
            case "capitalize" -> {
                bind(name, args, kwargs);
                return Py.capitalize(softStr(value));
            }
            case "center" -> {
                Object w = bind(name, args, kwargs, "width", 80L)[0];
                return Methods.pad(softStr(value), Args.integer(name, w), " ", "center", r);
            }
            case "count", "length" -> {
                bind(name, args, kwargs);
                return (long) Py.len(value);
            }
            case "d", "default" -> {
                Object[] a = bind(name, args, kwargs, "default_value", "", "boolean", Boolean.FALSE);
                return value instanceof Undefined || (Py.truthy(a[1]) && !Py.truthy(value)) ? a[0] : value;
            }
            case "dictsort" -> {
                Object[] a = bind(name, args, kwargs, "case_sensitive", Boolean.FALSE, "by", "key", "reverse", Boolean.FALSE);
                if (value instanceof Undefined u) {
                    throw u.fail();
                }
                if (!(value instanceof Map<?, ?> m)) {
                    throw JinjaException.runtime("'" + Py.typeName(value) + "' object has no attribute 'items'");
                }
                int pos = switch (Py.str(a[1])) {
                    case "key" -> 0;
                    case "value" -> 1;
                    default -> throw JinjaException.runtime("You can only sort by either \"key\" or \"value\"");
                };
                List<Object> items = new ArrayList<>();
                m.forEach((k, v) -> items.add(new PyTuple(k, v)));
                boolean cs = Py.truthy(a[0]);
                Comparator<Object> cmp = (x, y) -> Py.compare(fold(((PyTuple) x).get(pos), cs), fold(((PyTuple) y).get(pos), cs), "<");
                items.sort(Py.truthy(a[2]) ? cmp.reversed() : cmp);
                return items;
            }
            case "e", "escape" -> {
                bind(name, args, kwargs);
                return escape(softStr(value));
            }
            case "first" -> {
                bind(name, args, kwargs);
                List<Object> items = Py.iterate(value);
                return items.isEmpty() ? Undefined.hint("No first item, sequence was empty.") : items.get(0);
            }
            case "last" -> {
                bind(name, args, kwargs);
                if (value == null || !(value instanceof List || value instanceof Map || value instanceof String
                        || value instanceof Undefined)) {
                    throw JinjaException.runtime("'" + Py.typeName(value) + "' object is not reversible");
                }
                List<Object> items = Py.iterate(value);
                return items.isEmpty() ? Undefined.hint("No last item, sequence was empty.") : items.get(items.size() - 1);
            }
            case "float" -> {
                Object d = bind(name, args, kwargs, "default", 0.0)[0];
                Double f = toFloat(value);
                return f == null ? d : f;
            }
            case "format" -> {
                if (!kwargs.isEmpty()) {
                    throw JinjaException.runtime("unsupported construct: |format with keyword arguments");
                }
                return Formatting.printf(softStr(value), PyTuple.of(args));
            }
            case "indent" -> {
                Object[] a = bind(name, args, kwargs, "width", 4L, "first", Boolean.FALSE, "blank", Boolean.FALSE);
                return indent(softStr(value), a[0], Py.truthy(a[1]), Py.truthy(a[2]), r);
            }
            case "int" -> {
                Object[] a = bind(name, args, kwargs, "default", 0L, "base", 10L);
                Long i = toInt(value, Args.integer(name, a[1]));
                return i == null ? a[0] : i;
            }
            case "items" -> {
                bind(name, args, kwargs);
                if (value instanceof Undefined) {
                    return new ArrayList<>();
                }
                if (!(value instanceof Map<?, ?> m)) {
                    throw JinjaException.runtime("Can only get item pairs from a mapping.");
                }
                List<Object> items = new ArrayList<>();
                m.forEach((k, v) -> items.add(new PyTuple(k, v)));
                return items;
            }
            case "join" -> {
                Object[] a = bind(name, args, kwargs, "d", "", "attribute", null);
                List<Object> items = Py.iterate(value);
                StringBuilder sb = new StringBuilder();
                String sep = softStr(a[0]);
                for (int i = 0; i < items.size(); i++) {
                    if (i > 0) {
                        sb.append(sep);
                    }
                    Object item = a[1] == null ? items.get(i) : attrPath(items.get(i), a[1]);
                    sb.append(softStr(item));
                    r.limits().checkLength(sb.length());
                }
                return sb.toString();
            }
            case "list" -> {
                bind(name, args, kwargs);
                return Py.iterate(value);
            }
            case "lower" -> {
                bind(name, args, kwargs);
                return Py.lower(softStr(value));
            }
            case "upper" -> {
                bind(name, args, kwargs);
                return Py.upper(softStr(value));
            }
            case "map" -> {
                List<Object> items = Py.iterate(value);
                List<Object> out = new ArrayList<>(items.size());
                if (args.isEmpty() && kwargs.containsKey("attribute")) {
                    Object[] a = bind(name, args, kwargs, "attribute", REQ, "default", null);
                    for (Object item : items) {
                        out.add(attrPath(item, a[0], a[1]));
                    }
                    return out;
                }
                if (args.isEmpty()) {
                    throw JinjaException.runtime("map requires a filter argument");
                }
                String filter = Args.str("map", args.get(0));
                List<Object> rest = args.subList(1, args.size());
                for (Object item : items) {
                    out.add(r.filter(filter, item, rest, kwargs));
                }
                return out;
            }
            case "max", "min" -> {
                Object[] a = bind(name, args, kwargs, "case_sensitive", Boolean.FALSE, "attribute", null);
                List<Object> items = Py.iterate(value);
                if (items.isEmpty()) {
                    return Undefined.hint("No aggregated item, sequence was empty.");
                }
                boolean cs = Py.truthy(a[0]);
                Object best = items.get(0);
                Object bestKey = fold(a[1] == null ? best : attrPath(best, a[1]), cs);
                for (Object item : items.subList(1, items.size())) {
                    Object k = fold(a[1] == null ? item : attrPath(item, a[1]), cs);
                    int c = Py.compare(k, bestKey, name.equals("max") ? ">" : "<");
                    if (name.equals("max") ? c > 0 : c < 0) {
                        best = item;
                        bestKey = k;
                    }
                }
                return best;
            }
            case "select", "reject" -> {
                List<Object> out = new ArrayList<>();
                boolean keep = name.equals("select");
                for (Object item : Py.iterate(value)) {
                    boolean t = args.isEmpty() ? Py.truthy(item)
                            : r.test(Args.str(name, args.get(0)), item, args.subList(1, args.size()), kwargs);
                    if (t == keep) {
                        out.add(item);
                    }
                }
                return out;
            }
            case "selectattr", "rejectattr" -> {
                if (args.isEmpty()) {
                    throw JinjaException.runtime("Missing parameter for attribute name");
                }
                List<Object> out = new ArrayList<>();
                boolean keep = name.equals("selectattr");
                for (Object item : Py.iterate(value)) {
                    Object v = attrPath(item, args.get(0));
                    boolean t = args.size() < 2 ? Py.truthy(v)
                            : r.test(Args.str(name, args.get(1)), v, args.subList(2, args.size()), kwargs);
                    if (t == keep) {
                        out.add(item);
                    }
                }
                return out;
            }
            case "replace" -> {
                Object[] a = bind(name, args, kwargs, "old", REQ, "new", REQ, "count", null);
                long count = a[2] == null ? -1 : Args.integer(name, a[2]);
                return Methods.replace(softStr(value), softStr(a[0]), softStr(a[1]), count, r);
            }
            case "reverse" -> {
                bind(name, args, kwargs);
                if (value instanceof String s) {
                    return new StringBuilder(s).reverse().toString();
                }
                List<Object> items = Py.iterate(value);
                java.util.Collections.reverse(items);
                return items;
            }
            case "round" -> {
                Object[] a = bind(name, args, kwargs, "precision", 0L, "method", "common");
                return round(value, Args.integer(name, a[0]), Py.str(a[1]));
            }
            case "safe", "string" -> {
                bind(name, args, kwargs);
                return softStr(value);
            }
            case "sort" -> {
                Object[] a = bind(name, args, kwargs, "reverse", Boolean.FALSE, "case_sensitive", Boolean.FALSE,
                        "attribute", null);
                List<Object> items = Py.iterate(value);
                boolean cs = Py.truthy(a[1]);
                Comparator<Object> cmp = (x, y) -> Py.compare(fold(a[2] == null ? x : attrPath(x, a[2]), cs),
                        fold(a[2] == null ? y : attrPath(y, a[2]), cs), "<");
                items.sort(Py.truthy(a[0]) ? cmp.reversed() : cmp);
                return items;
            }
            case "sum" -> {
                Object[] a = bind(name, args, kwargs, "attribute", null, "start", 0L);
                Object total = a[1];
                for (Object item : Py.iterate(value)) {
                    total = Py.add(total, a[0] == null ? item : attrPath(item, a[0]), r.limits());
                }
                return total;
            }
            case "title" -> {
                bind(name, args, kwargs);
                return jinjaTitle(softStr(value));
            }
            case "tojson" -> {
                Object[] a = bind(name, args, kwargs, "ensure_ascii", Boolean.FALSE, "indent", null, "separators", null,
                        "sort_keys", Boolean.FALSE);
                if (value instanceof Undefined) {
                    throw JinjaException.runtime("Object of type Undefined is not JSON serializable");
                }
                return PyJson.dumps(value, Py.truthy(a[0]), a[1], a[2], Py.truthy(a[3]), r.limits());
            }
            case "trim" -> {
                Object chars = bind(name, args, kwargs, "chars", null)[0];
                return Py.strip(softStr(value), chars == null ? null : Args.str("trim", chars), true, true);
            }
            case "unique" -> {
                Object[] a = bind(name, args, kwargs, "case_sensitive", Boolean.FALSE, "attribute", null);
                boolean cs = Py.truthy(a[0]);
                List<Object> out = new ArrayList<>();
                List<Object> seen = new ArrayList<>();
                for (Object item : Py.iterate(value)) {
                    Object k = fold(a[1] == null ? item : attrPath(item, a[1]), cs);
                    boolean dup = false;
                    for (Object s : seen) {
                        if (Py.eq(s, k)) {
                            dup = true;
                            break;
                        }
                    }
                    if (!dup) {
                        seen.add(k);
                        out.add(item);
                    }
                }
                return out;
            }
            case "wordcount" -> {
                bind(name, args, kwargs);
                Matcher m = WORD.matcher(softStr(value));
                long n = 0;
                while (m.find()) {
                    n++;
                }
                return n;
            }
            default -> {
                if (UNSUPPORTED.contains(name)) {
                    throw JinjaException.runtime("unsupported construct: the filter '" + name + "'");
                }
                throw JinjaException.runtime("No filter named '" + name + "'.");
            }
        }
    }

    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{M}\\p{Nd}_]+");
    private static final Pattern WORD_BEGINNING = Pattern.compile("([-\\s({\\[<]+)");

    /** jinja2's title filter: upper-cases the first character after a space, '-', or an opening bracket. */
    private static String jinjaTitle(String s) {
        StringBuilder sb = new StringBuilder();
        Matcher m = WORD_BEGINNING.matcher(s);
        int last = 0;
        List<String> parts = new ArrayList<>();
        while (m.find()) {
            parts.add(s.substring(last, m.start()));
            parts.add(m.group());
            last = m.end();
        }
        parts.add(s.substring(last));
        for (String item : parts) {
            if (item.isEmpty()) {
                continue;
            }
            int cp = item.codePointAt(0);
            sb.append(Py.upper(Character.toString(cp))).append(Py.lower(item.substring(Character.charCount(cp))));
        }
        return sb.toString();
    }

    /** Strings are compared lower-cased unless case_sensitive (jinja2's ignore_case). */
    private static Object fold(Object v, boolean caseSensitive) {
        return !caseSensitive && v instanceof String s ? Py.lower(s) : v;
    }

    static Object attrPath(Object item, Object attribute) {
        return attrPath(item, attribute, null);
    }

    /**
     * jinja2's make_attrgetter: "a.b.0" looked up part by part with subscript semantics; a non-None
     * default replaces an undefined part as soon as it appears (and the lookup goes on from it).
     */
    static Object attrPath(Object item, Object attribute, Object dflt) {
        List<Object> parts = new ArrayList<>();
        if (Py.isInt(attribute)) {
            parts.add(Py.asLong(attribute));
        } else {
            for (String part : Py.str(attribute).split("\\.", -1)) {
                parts.add(!part.isEmpty() && part.chars().allMatch(c -> c >= '0' && c <= '9') ? (Object) Long.parseLong(part) : part);
            }
        }
        Object v = item;
        for (Object key : parts) {
            v = Access.getitem(v, key);
            if (dflt != null && v instanceof Undefined) {
                v = dflt;
            }
        }
        return v;
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&#34;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String indent(String s, Object width, boolean first, boolean blank, Renderer r) {
        String ind = width instanceof String w ? w : " ".repeat((int) Math.max(0, Math.min(Args.integer("indent", width), 1024)));
        List<Object> lines = Methods.splitlines(s + "\n", false);
        StringBuilder sb = new StringBuilder();
        if (blank) {
            for (int i = 0; i < lines.size(); i++) {
                if (i > 0) {
                    sb.append('\n').append(ind);
                }
                sb.append((String) lines.get(i));
            }
        } else {
            sb.append((String) lines.get(0));
            for (int i = 1; i < lines.size(); i++) {
                String line = (String) lines.get(i);
                sb.append('\n');
                if (!line.isEmpty()) {
                    sb.append(ind);
                }
                sb.append(line);
                r.limits().checkLength(sb.length());
            }
        }
        return first ? ind + sb : sb.toString();
    }

    private static final Pattern PY_INT = Pattern.compile("[+-]?[0-9a-zA-Z]+(_[0-9a-zA-Z]+)*");
    private static final Pattern PY_FLOAT = Pattern.compile(
            "[+-]?(((\\d(_?\\d)*)?\\.\\d(_?\\d)*|\\d(_?\\d)*\\.?)([eE][+-]?\\d(_?\\d)*)?|(?i:inf|infinity|nan))");

    /** Python's int(x) as jinja2's int filter tries it; null where it fails. */
    private static Long toInt(Object v, long base) {
        if (v instanceof String s) {
            String t = Py.strip(s, null, true, true);
            if (PY_INT.matcher(t).matches() && (base == 0 || base >= 2 && base <= 36)) {
                String digits = t.replace("_", "");
                boolean neg = digits.startsWith("-");
                if (neg || digits.startsWith("+")) {
                    digits = digits.substring(1);
                }
                // Python accepts the 0x/0o/0b prefix that matches the base, and picks the base from it for base 0.
                String lower = digits.toLowerCase(java.util.Locale.ROOT);
                long b = base;
                for (String[] p : new String[][] {{"0x", "16"}, {"0o", "8"}, {"0b", "2"}}) {
                    if (lower.startsWith(p[0]) && (b == 0 || b == Long.parseLong(p[1]))) {
                        b = Long.parseLong(p[1]);
                        digits = digits.substring(2);
                    }
                }
                if (b == 0) {
                    b = 10;
                }
                try {
                    long x = Long.parseLong(digits, (int) b);
                    return neg ? -x : x;
                } catch (NumberFormatException e) {
                    // fall through to int(float(x)), as jinja2 does
                }
            }
            Double f = toFloat(v);
            return f == null || f.isNaN() || f.isInfinite() ? null : (long) (double) f;
        }
        if (Py.isInt(v)) {
            return Py.asLong(v);
        }
        if (v instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? null : (long) (double) d;
        }
        return null;
    }

    /** Python's float(x); null where it fails. */
    private static Double toFloat(Object v) {
        if (v instanceof String s) {
            String t = Py.strip(s, null, true, true);
            if (!PY_FLOAT.matcher(t).matches()) {
                return null;
            }
            String l = t.toLowerCase(java.util.Locale.ROOT);
            if (l.endsWith("inf") || l.endsWith("infinity")) {
                return l.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            }
            if (l.endsWith("nan")) {
                return Double.NaN;
            }
            return Double.parseDouble(t.replace("_", ""));
        }
        if (Py.isNumber(v)) {
            return Py.asDouble(v);
        }
        return null;
    }

    private static Object round(Object value, long precision, String method) {
        if (!Set.of("common", "ceil", "floor").contains(method)) {
            throw JinjaException.runtime("method must be common, ceil or floor");
        }
        if (value instanceof Undefined u) {
            throw u.fail();
        }
        if (!Py.isNumber(value)) {
            throw JinjaException.runtime("type " + Py.typeName(value) + " doesn't define __round__ method");
        }
        if (method.equals("common")) {
            if (Py.isInt(value)) {
                long v = Py.asLong(value);
                if (precision >= 0) {
                    return v;
                }
                return new BigDecimal(v).setScale((int) precision, RoundingMode.HALF_EVEN).longValue();
            }
            double d = (Double) value;
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return d;
            }
            double res = new BigDecimal(d).setScale((int) Math.max(-400, Math.min(400, precision)), RoundingMode.HALF_EVEN)
                    .doubleValue();
            return res == 0 ? Math.copySign(0.0, d) : res;
        }
        double scale = Math.pow(10, precision);
        double x = Py.asDouble(value) * scale;
        return (method.equals("ceil") ? Math.ceil(x) : Math.floor(x)) / scale;
    }
}
