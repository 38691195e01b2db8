package io.github.eft4j.internal.jinja;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Python semantics over the renderer's values: {@code null} is None, {@link Long} int, {@link
 * Double} float, {@link Boolean} bool, {@link String} str (indexed by code point, as Python does),
 * {@link List} list, {@link PyTuple} tuple, {@link Map} dict, plus {@link Undefined}, {@link
 * Namespace}, {@link Loop} and {@link JinjaCallable}. Error messages are Python's, so a template that
 * fails in transformers fails here with the same text.
 */
final class Py {
    private Py() {
    }

    // ------------------------------------------------------------------ types

    /** Python's {@code type(x).__name__}. */
    static String typeName(Object v) {
        return switch (v) {
            case null -> "NoneType";
            case String s -> "str";
            case Boolean b -> "bool";
            case Long l -> "int";
            case Double d -> "float";
            case PyTuple t -> "tuple";
            case DictView dv -> "dict_" + dv.kind;
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Undefined u -> "Undefined";
            case Namespace n -> "Namespace";
            case Loop l -> "LoopContext";
            case Macro m -> "Macro";
            case JinjaCallable c -> "builtin_function_or_method";
            default -> v.getClass().getSimpleName();
        };
    }

    /** jinja2's {@code object_type_repr}: {@code None}, or {@code "dict object"}. */
    static String objectTypeRepr(Object v) {
        return v == null ? "None" : typeName(v) + " object";
    }

    static boolean isInt(Object v) {
        return v instanceof Long || v instanceof Boolean;
    }

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
    }

    static long asLong(Object v) {
        return v instanceof Boolean b ? (b ? 1 : 0) : (Long) v;
    }

    static double asDouble(Object v) {
        return switch (v) {
            case Boolean b -> b ? 1 : 0;
            case Long l -> l;
            case Double d -> d;
            default -> throw new IllegalArgumentException(typeName(v));
        };
    }

    // ------------------------------------------------------------------ truth, str, repr

    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Boolean b -> b;
            case String s -> !s.isEmpty();
            case Long l -> l != 0;
            case Double d -> d != 0;
            case List<?> l -> !l.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            case Undefined u -> false;
            default -> true;
        };
    }

    /** Python's {@code str(x)}, with jinja2's Undefined printing as "". */
    static String str(Object v) {
        return switch (v) {
            case String s -> s;
            case Undefined u -> "";
            case null, default -> repr(v);
        };
    }

    /** Python's {@code repr(x)}. */
    static String repr(Object v) {
        StringBuilder sb = new StringBuilder();
        repr(v, sb, 0);
        return sb.toString();
    }

    private static void repr(Object v, StringBuilder sb, int depth) {
        if (depth > 200) {
            throw new JinjaException(JinjaException.Kind.LIMIT, "value nested deeper than 200 levels", 0, 0);
        }
        switch (v) {
            case null -> sb.append("None");
            case Boolean b -> sb.append(b ? "True" : "False");
            case Long l -> sb.append(l);
            case Double d -> sb.append(floatRepr(d));
            case String s -> strRepr(s, sb);
            case Undefined u -> sb.append("");
            case PyTuple t -> {
                sb.append('(');
                for (int i = 0; i < t.size(); i++) {
                    if (i > 0) {
                        sb.append(", ");
                    }
                    repr(t.get(i), sb, depth + 1);
                }
                sb.append(t.size() == 1 ? ",)" : ")");
            }
            case DictView dv -> {
                sb.append("dict_").append(dv.kind).append('(');
                repr(new ArrayList<>(dv), sb, depth + 1);
                sb.append(')');
            }
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        sb.append(", ");
                    }
                    repr(l.get(i), sb, depth + 1);
                }
                sb.append(']');
            }
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        sb.append(", ");
                    }
                    first = false;
                    repr(e.getKey(), sb, depth + 1);
                    sb.append(": ");
                    repr(e.getValue(), sb, depth + 1);
                }
                sb.append('}');
            }
            case Namespace n -> {
                sb.append("<Namespace ");
                repr(n.attrs, sb, depth + 1);
                sb.append('>');
            }
            case Loop l -> sb.append("<LoopContext ").append(l.index0 + 1).append('/').append(l.length()).append('>');
            case JinjaCallable c -> sb.append(c.describe());
            default -> sb.append(v);
        }
    }

    /** Python's str repr: single quotes unless the text has ' and no ", escapes for the unprintable. */
    static void strRepr(String s, StringBuilder sb) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        sb.append(quote);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == quote || cp == '\\') {
                sb.append('\\').appendCodePoint(cp);
            } else if (cp == '\t') {
                sb.append("\\t");
            } else if (cp == '\n') {
                sb.append("\\n");
            } else if (cp == '\r') {
                sb.append("\\r");
            } else if (cp < 0x20 || cp == 0x7f) {
                sb.append(String.format("\\x%02x", cp));
            } else if (cp < 0x7f || isPrintable(cp)) {
                sb.appendCodePoint(cp);
            } else if (cp <= 0xff) {
                sb.append(String.format("\\x%02x", cp));
            } else if (cp <= 0xffff) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.append(String.format("\\U%08x", cp));
            }
        }
        sb.append(quote);
    }

    /** Python's {@code str.isprintable()} for one code point. */
    private static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                 Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    /** Python's {@code repr(float)}: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal bd = shortest(Math.abs(d));
        String digits = bd.unscaledValue().toString();
        int exp = digits.length() - 1 - bd.scale(); // decimal exponent of the first digit
        StringBuilder sb = new StringBuilder();
        if (d < 0) {
            sb.append('-');
        }
        if (exp >= -4 && exp < 16) {
            if (exp >= 0) {
                if (digits.length() <= exp + 1) {
                    sb.append(digits).append("0".repeat(exp + 1 - digits.length())).append(".0");
                } else {
                    sb.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, digits.length());
                }
            } else {
                sb.append("0.").append("0".repeat(-exp - 1)).append(digits);
            }
        } else {
            sci(digits, exp, sb);
        }
        return sb.toString();
    }

    /**
     * The shortest decimal that reads back as {@code d} and, among those, the nearest (Python's repr
     * rule). Java's Double.toString is shortest too but keeps two digits where one would do (4.9E-324).
     */
    private static BigDecimal shortest(double d) {
        BigDecimal exact = new BigDecimal(d);
        for (int p = 1; p <= 17; p++) {
            BigDecimal best = null;
            for (java.math.RoundingMode mode : new java.math.RoundingMode[] {
                java.math.RoundingMode.HALF_EVEN, java.math.RoundingMode.FLOOR, java.math.RoundingMode.CEILING}) {
                BigDecimal c = exact.round(new java.math.MathContext(p, mode));
                if (c.doubleValue() == d && (best == null
                        || c.subtract(exact).abs().compareTo(best.subtract(exact).abs()) < 0)) {
                    best = c;
                }
            }
            if (best != null) {
                return best.stripTrailingZeros();
            }
        }
        return new BigDecimal(Double.toString(d)).stripTrailingZeros();
    }

    private static void sci(String digits, int exp, StringBuilder sb) {
        sb.append(digits.charAt(0));
        if (digits.length() > 1) {
            sb.append('.').append(digits, 1, digits.length());
        }
        sb.append('e').append(exp < 0 ? '-' : '+');
        int a = Math.abs(exp);
        if (a < 10) {
            sb.append('0');
        }
        sb.append(a);
    }

    // ------------------------------------------------------------------ strings

    /** Python's {@code str.isspace()} for one code point. */
    static boolean isSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f
                || cp == 0x3000;
    }

    private static boolean stripMatch(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.indexOf(Character.toString(cp)) >= 0;
    }

    /** Python's {@code str.strip/lstrip/rstrip(chars)}; {@code chars} null strips whitespace. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        if (left) {
            while (start < end) {
                int cp = s.codePointAt(start);
                if (!stripMatch(cp, chars)) {
                    break;
                }
                start += Character.charCount(cp);
            }
        }
        if (right) {
            while (end > start) {
                int cp = s.codePointBefore(end);
                if (!stripMatch(cp, chars)) {
                    break;
                }
                end -= Character.charCount(cp);
            }
        }
        return s.substring(start, end);
    }

    /** Python's {@code str.split(sep, maxsplit)}; {@code sep} null splits on runs of whitespace. */
    static List<Object> split(String s, String sep, long maxsplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isSpace(s.codePointAt(i))) {
                    i += Character.charCount(s.codePointAt(i));
                }
                if (i >= n) {
                    break;
                }
                if (maxsplit >= 0 && out.size() >= maxsplit) {
                    out.add(strip(s.substring(i), null, false, true));
                    break;
                }
                int j = i;
                while (j < n && !isSpace(s.codePointAt(j))) {
                    j += Character.charCount(s.codePointAt(j));
                }
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw JinjaException.runtime("empty separator");
        }
        int i = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int j = s.indexOf(sep, i);
            if (j < 0) {
                break;
            }
            out.add(s.substring(i, j));
            i = j + sep.length();
        }
        out.add(s.substring(i));
        return out;
    }

    /** Python's {@code str.rsplit(sep, maxsplit)}. */
    static List<Object> rsplit(String s, String sep, long maxsplit) {
        if (maxsplit < 0) {
            return split(s, sep, -1);
        }
        if (sep == null) {
            List<Object> out = new ArrayList<>();
            int end = s.length();
            while (true) {
                while (end > 0 && isSpace(s.codePointBefore(end))) {
                    end -= Character.charCount(s.codePointBefore(end));
                }
                if (end <= 0) {
                    break;
                }
                if (out.size() >= maxsplit) {
                    out.add(strip(s.substring(0, end), null, true, false));
                    break;
                }
                int j = end;
                while (j > 0 && !isSpace(s.codePointBefore(j))) {
                    j -= Character.charCount(s.codePointBefore(j));
                }
                out.add(s.substring(j, end));
                end = j;
            }
            java.util.Collections.reverse(out);
            return out;
        }
        if (sep.isEmpty()) {
            throw JinjaException.runtime("empty separator");
        }
        List<Object> out = new ArrayList<>();
        int end = s.length();
        while (out.size() < maxsplit) {
            int j = s.lastIndexOf(sep, end - sep.length());
            if (j < 0) {
                break;
            }
            out.add(s.substring(j + sep.length(), end));
            end = j;
        }
        out.add(s.substring(0, end));
        java.util.Collections.reverse(out);
        return out;
    }

    static String upper(String s) {
        return s.toUpperCase(Locale.ROOT);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    private static boolean isCased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    /** Python's {@code str.title()}: a cased character after an uncased one is title-cased, others lowered. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (prevCased) {
                sb.append(lower(Character.toString(cp)));
            } else {
                sb.appendCodePoint(Character.toTitleCase(cp));
            }
            prevCased = isCased(cp);
        }
        return sb.toString();
    }

    /** Python's {@code str.capitalize()}: the first character title-cased, the rest lowered. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int cp = s.codePointAt(0);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(cp))
                .append(lower(s.substring(Character.charCount(cp)))).toString();
    }

    /** Code points of a string (Python indexes strings by code point). */
    static int[] codePoints(String s) {
        return s.codePoints().toArray();
    }

    static int len(Object v) {
        return switch (v) {
            case String s -> s.codePointCount(0, s.length());
            case List<?> l -> l.size();
            case Map<?, ?> m -> m.size();
            case Namespace n -> throw typeError("object of type 'Namespace' has no len()");
            case Undefined u -> 0;
            case null, default -> throw typeError("object of type '" + typeName(v) + "' has no len()");
        };
    }

    static JinjaException typeError(String message) {
        return JinjaException.runtime(message);
    }

    // ------------------------------------------------------------------ iteration

    /** The items a {@code for} loop sees: list items, dict keys, string characters. */
    static List<Object> iterate(Object v) {
        return switch (v) {
            case List<?> l -> new ArrayList<>(l);
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case String s -> {
                List<Object> out = new ArrayList<>(s.length());
                s.codePoints().forEach(cp -> out.add(Character.toString(cp)));
                yield out;
            }
            case Undefined u -> new ArrayList<>();
            case null, default -> throw typeError("'" + typeName(v) + "' object is not iterable");
        };
    }

    // ------------------------------------------------------------------ comparison

    /** Python's {@code ==}. */
    static boolean eq(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                return asDouble(a) == asDouble(b);
            }
            return asLong(a) == asLong(b);
        }
        if (a instanceof Undefined || b instanceof Undefined) {
            return a instanceof Undefined && b instanceof Undefined;
        }
        if (a == null || b == null) {
            return false;
        }
        if (a instanceof String || b instanceof String) {
            return a.equals(b);
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if ((a instanceof PyTuple) != (b instanceof PyTuple) || la.size() != lb.size()) {
                return false;
            }
            for (int i = 0; i < la.size(); i++) {
                if (!eq(la.get(i), lb.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (ma.size() != mb.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : ma.entrySet()) {
                Object k = findKey(mb, e.getKey());
                if (k == NO_KEY || !eq(e.getValue(), mb.get(k))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    private static final Object NO_KEY = new Object();

    /** The key of {@code m} equal to {@code key} in Python's sense (1 == 1.0 == True), or NO_KEY. */
    private static Object findKey(Map<?, ?> m, Object key) {
        if (m.containsKey(key)) {
            return key;
        }
        if (isNumber(key)) {
            for (Object k : m.keySet()) {
                if (isNumber(k) && eq(k, key)) {
                    return k;
                }
            }
        }
        return NO_KEY;
    }

    /** Looks a key up in a dict with Python equality; NO_KEY-free: returns {@code missing} if absent. */
    static Object dictGet(Map<?, ?> m, Object key, Object missing) {
        Object k = findKey(m, key);
        return k == NO_KEY ? missing : m.get(k);
    }

    static boolean dictHas(Map<?, ?> m, Object key) {
        return findKey(m, key) != NO_KEY;
    }

    /** Python's ordering ({@code <}): numbers, strings by code point, lists and tuples element-wise. */
    static int compare(Object a, Object b, String op) {
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (b instanceof Undefined u) {
            throw u.fail();
        }
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                return Double.compare(asDouble(a), asDouble(b));
            }
            return Long.compare(asLong(a), asLong(b));
        }
        if (a instanceof String sa && b instanceof String sb) {
            return compareCodePoints(sa, sb);
        }
        if (a instanceof List<?> la && b instanceof List<?> lb && (a instanceof PyTuple) == (b instanceof PyTuple)) {
            int n = Math.min(la.size(), lb.size());
            for (int i = 0; i < n; i++) {
                if (!eq(la.get(i), lb.get(i))) {
                    return compare(la.get(i), lb.get(i), op);
                }
            }
            return Integer.compare(la.size(), lb.size());
        }
        throw typeError("'" + op + "' not supported between instances of '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** Python's {@code item in container}. */
    static boolean contains(Object container, Object item) {
        switch (container) {
            case String s -> {
                if (!(item instanceof String t)) {
                    throw typeError("'in <string>' requires string as left operand, not " + typeName(item));
                }
                return s.contains(t);
            }
            case Map<?, ?> m -> {
                return dictHas(m, item);
            }
            case List<?> l -> {
                for (Object o : l) {
                    if (eq(o, item)) {
                        return true;
                    }
                }
                return false;
            }
            case Undefined u -> {
                return false;
            }
            case null, default -> throw typeError("argument of type '" + typeName(container) + "' is not iterable");
        }
    }

    // ------------------------------------------------------------------ arithmetic

    static Object add(Object a, Object b, Limits limits) {
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                return asDouble(a) + asDouble(b);
            }
            return exact(() -> Math.addExact(asLong(a), asLong(b)));
        }
        undefinedOperand(a, b);
        if (a instanceof String sa) {
            if (b instanceof String sb) {
                limits.checkLength((long) sa.length() + sb.length());
                return sa.concat(sb);
            }
            throw typeError("can only concatenate str (not \"" + typeName(b) + "\") to str");
        }
        if (a instanceof List<?> la && !(a instanceof DictView)) {
            if (b instanceof List<?> lb && (a instanceof PyTuple) == (b instanceof PyTuple) && !(b instanceof DictView)) {
                limits.checkLength((long) la.size() + lb.size());
                List<Object> out = new ArrayList<>(la.size() + lb.size());
                out.addAll(la);
                out.addAll(lb);
                return a instanceof PyTuple ? PyTuple.of(out) : out;
            }
            String t = typeName(a);
            throw typeError("can only concatenate " + t + " (not \"" + typeName(b) + "\") to " + t);
        }
        throw unsupported("+", a, b);
    }

    static Object sub(Object a, Object b) {
        numericOperands("-", a, b);
        if (a instanceof Double || b instanceof Double) {
            return asDouble(a) - asDouble(b);
        }
        return exact(() -> Math.subtractExact(asLong(a), asLong(b)));
    }

    static Object mul(Object a, Object b, Limits limits) {
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                return asDouble(a) * asDouble(b);
            }
            return exact(() -> Math.multiplyExact(asLong(a), asLong(b)));
        }
        undefinedOperand(a, b);
        if (isInt(b) && (a instanceof String || a instanceof List)) {
            return repeat(a, asLong(b), limits);
        }
        if (isInt(a) && (b instanceof String || b instanceof List)) {
            return repeat(b, asLong(a), limits);
        }
        throw typeError("can't multiply sequence by non-int of type '" + typeName(isNumber(a) || a == null ? a : b) + "'");
    }

    private static Object repeat(Object seq, long n, Limits limits) {
        if (n <= 0) {
            return seq instanceof String ? "" : seq instanceof PyTuple ? new PyTuple() : new ArrayList<>();
        }
        if (seq instanceof String s) {
            limits.checkLength(s.length() * n);
            return s.repeat((int) n);
        }
        List<?> l = (List<?>) seq;
        limits.checkLength(l.size() * n);
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            out.addAll(l);
        }
        return seq instanceof PyTuple ? PyTuple.of(out) : out;
    }

    static Object truediv(Object a, Object b) {
        numericOperands("/", a, b);
        double y = asDouble(b);
        if (y == 0) {
            throw JinjaException.runtime(a instanceof Double || b instanceof Double ? "float division by zero" : "division by zero");
        }
        return asDouble(a) / y;
    }

    static Object floordiv(Object a, Object b) {
        numericOperands("//", a, b);
        if (a instanceof Double || b instanceof Double) {
            double y = asDouble(b);
            if (y == 0) {
                throw JinjaException.runtime("float floor division by zero");
            }
            return Math.floor(asDouble(a) / y);
        }
        long y = asLong(b);
        if (y == 0) {
            throw JinjaException.runtime("integer division or modulo by zero");
        }
        return exact(() -> Math.floorDiv(asLong(a), y));
    }

    static Object mod(Object a, Object b) {
        if (a instanceof String) {
            throw JinjaException.runtime("printf-style string formatting ('...' % value) is not supported");
        }
        numericOperands("%", a, b);
        if (a instanceof Double || b instanceof Double) {
            double x = asDouble(a);
            double y = asDouble(b);
            if (y == 0) {
                throw JinjaException.runtime("float modulo");
            }
            double r = x % y;
            if (r != 0 && (r < 0) != (y < 0)) {
                r += y;
            }
            return r;
        }
        long y = asLong(b);
        if (y == 0) {
            throw JinjaException.runtime("integer modulo by zero");
        }
        return Math.floorMod(asLong(a), y);
    }

    static Object pow(Object a, Object b) {
        numericOperands("** or pow()", a, b);
        if (a instanceof Double || b instanceof Double || asLong(b) < 0) {
            double x = asDouble(a);
            double y = asDouble(b);
            if (x == 0 && y < 0) {
                throw JinjaException.runtime("0.0 cannot be raised to a negative power");
            }
            return Math.pow(x, y);
        }
        long base = asLong(a);
        long e = asLong(b);
        long result = 1;
        // Square-and-multiply: at most 64 rounds before a result overflows.
        while (e > 0) {
            if ((e & 1) == 1) {
                long r = result;
                long x = base;
                result = exact(() -> Math.multiplyExact(r, x));
            }
            e >>= 1;
            if (e > 0) {
                long x = base;
                base = exact(() -> Math.multiplyExact(x, x));
            }
        }
        return result;
    }

    static Object neg(Object a) {
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (a instanceof Double d) {
            return -d;
        }
        if (isInt(a)) {
            return exact(() -> Math.negateExact(asLong(a)));
        }
        throw typeError("bad operand type for unary -: '" + typeName(a) + "'");
    }

    static Object pos(Object a) {
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (a instanceof Double) {
            return a;
        }
        if (isInt(a)) {
            return asLong(a);
        }
        throw typeError("bad operand type for unary +: '" + typeName(a) + "'");
    }

    private static void undefinedOperand(Object a, Object b) {
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (b instanceof Undefined u) {
            throw u.fail();
        }
    }

    private static void numericOperands(String op, Object a, Object b) {
        undefinedOperand(a, b);
        if (!isNumber(a) || !isNumber(b)) {
            throw unsupported(op, a, b);
        }
    }

    private static JinjaException unsupported(String op, Object a, Object b) {
        return typeError("unsupported operand type(s) for " + op + ": '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    private interface LongOp {
        long apply();
    }

    private static long exact(LongOp op) {
        try {
            return op.apply();
        } catch (ArithmeticException e) {
            throw new JinjaException(JinjaException.Kind.LIMIT, "integer result beyond 64 bits (Python would use a big integer)", 0, 0);
        }
    }

    // ------------------------------------------------------------------ values from Java

    /**
     * Copies a context value into the renderer's model: Integer/Short/Byte become Long, Float
     * becomes Double, arrays and collections become lists, maps keep their order (keys as given).
     */
    static Object fromJava(Object v, int depth) {
        if (depth > 200) {
            throw new IllegalArgumentException("context value nested deeper than 200 levels");
        }
        return switch (v) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Byte b -> (long) b;
            case Double d -> d;
            case Float f -> (double) f;
            case Number n -> n.doubleValue();
            case Character c -> c.toString();
            case CharSequence cs -> cs.toString();
            case Map<?, ?> m -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    out.put(fromJava(e.getKey(), depth + 1), fromJava(e.getValue(), depth + 1));
                }
                yield out;
            }
            case Iterable<?> it -> {
                List<Object> out = new ArrayList<>();
                for (Iterator<?> i = it.iterator(); i.hasNext(); ) {
                    out.add(fromJava(i.next(), depth + 1));
                }
                yield out;
            }
            case Object[] a -> {
                List<Object> out = new ArrayList<>(a.length);
                for (Object o : a) {
                    out.add(fromJava(o, depth + 1));
                }
                yield out;
            }
            default -> throw new IllegalArgumentException("cannot pass a " + v.getClass().getName()
                    + " to a template; expected String, Number, Boolean, null, Map, List or array");
        };
    }

    static boolean sameIdentity(Object a, Object b) {
        if (a == null || b == null || a instanceof Boolean || b instanceof Boolean) {
            return Objects.equals(a, b);
        }
        if (a instanceof Long && b instanceof Long) {
            return a.equals(b);
        }
        return a == b;
    }
}
