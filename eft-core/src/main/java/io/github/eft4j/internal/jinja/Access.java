package io.github.eft4j.internal.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code obj.name}, {@code obj[key]} and slices, as jinja2's ImmutableSandboxedEnvironment resolves
 * them: an attribute first for {@code .name} (so {@code d.items} is the method), an item first for
 * {@code [key]}, names starting with '_' and methods that modify lists or dicts unsafe, anything
 * missing undefined.
 */
final class Access {
    private Access() {
    }

    static final Set<String> STR_METHODS = Set.of(
            "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "upper", "lower",
            "title", "capitalize", "casefold", "swapcase", "replace", "format", "join", "find", "rfind", "index",
            "rindex", "count", "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower", "isnumeric",
            "isdecimal", "istitle", "removeprefix", "removesuffix", "zfill", "ljust", "rjust", "center", "partition",
            "rpartition", "expandtabs", "encode", "format_map", "isascii", "isidentifier", "isprintable",
            "maketrans", "translate");
    static final Set<String> DICT_METHODS = Set.of("items", "keys", "values", "get", "copy");
    static final Set<String> DICT_MUTATORS = Set.of("pop", "popitem", "setdefault", "update", "clear", "fromkeys");
    static final Set<String> LIST_METHODS = Set.of("index", "count", "copy");
    static final Set<String> LIST_MUTATORS = Set.of("append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear");

    /** A method bound to its receiver ({@code "a b".split} before the call). */
    record BoundMethod(Object self, String name) implements JinjaCallable {
        @Override
        public Object call(Renderer r, List<Object> args, Map<String, Object> kwargs) {
            return Methods.call(r, self, name, args, kwargs);
        }

        @Override
        public String describe() {
            return "<built-in method " + name + " of " + Py.typeName(self) + " object>";
        }
    }

    private static Undefined unsafe(Object obj, String name) {
        return Undefined.hint("access to attribute " + Py.repr(name) + " of " + Py.repr(Py.typeName(obj))
                + " object is unsafe.");
    }

    /** {@code obj.name}. */
    static Object getattr(Object obj, String name) {
        if (obj instanceof Undefined u) {
            throw u.fail();
        }
        if (name.startsWith("_")) {
            return unsafe(obj, name);
        }
        switch (obj) {
            case Map<?, ?> m -> {
                if (DICT_METHODS.contains(name)) {
                    return new BoundMethod(obj, name);
                }
                if (DICT_MUTATORS.contains(name)) {
                    return unsafe(obj, name);
                }
                return Py.dictGet(m, name, Undefined.member(obj, name));
            }
            case String s -> {
                return STR_METHODS.contains(name) ? new BoundMethod(obj, name) : Undefined.member(obj, name);
            }
            case List<?> l -> {
                if (LIST_METHODS.contains(name) || (obj instanceof PyTuple && (name.equals("index") || name.equals("count")))) {
                    return new BoundMethod(obj, name);
                }
                if (LIST_MUTATORS.contains(name) && !(obj instanceof PyTuple)) {
                    return unsafe(obj, name);
                }
                return Undefined.member(obj, name);
            }
            case Namespace ns -> {
                return ns.attrs.containsKey(name) ? ns.attrs.get(name) : Undefined.member(obj, name);
            }
            case Loop loop -> {
                Object v = loop.attribute(name);
                return v != Loop.NO_ATTR ? v : Undefined.member(obj, name);
            }
            case Macro m -> {
                return name.equals("name") ? m.name : Undefined.member(obj, name);
            }
            case null, default -> {
                return Undefined.member(obj, name);
            }
        }
    }

    /** Python's getattr alone, without jinja2's fallback to items (the {@code attr} filter). */
    static Object pythonAttribute(Object obj, String name) {
        if (obj instanceof Map<?, ?> && !DICT_METHODS.contains(name) && !DICT_MUTATORS.contains(name)) {
            return Undefined.member(obj, name);
        }
        return getattr(obj, name);
    }

    /** {@code obj[key]} (key not a slice). */
    static Object getitem(Object obj, Object key) {
        if (obj instanceof Undefined u) {
            throw u.fail();
        }
        switch (obj) {
            case Map<?, ?> m -> {
                Object v = Py.dictGet(m, key, MISSING);
                if (v != MISSING) {
                    return v;
                }
            }
            case List<?> l -> {
                if (Py.isInt(key)) {
                    long i = Py.asLong(key);
                    if (i < 0) {
                        i += l.size();
                    }
                    if (i >= 0 && i < l.size()) {
                        return l.get((int) i);
                    }
                    return Undefined.member(obj, key);
                }
            }
            case String s -> {
                if (Py.isInt(key)) {
                    int n = s.codePointCount(0, s.length());
                    long i = Py.asLong(key);
                    if (i < 0) {
                        i += n;
                    }
                    if (i >= 0 && i < n) {
                        int at = s.offsetByCodePoints(0, (int) i);
                        return Character.toString(s.codePointAt(at));
                    }
                    return Undefined.member(obj, key);
                }
            }
            default -> {
            }
        }
        if (key instanceof String name) {
            return getattr(obj, name);
        }
        return Undefined.member(obj, key);
    }

    private static final Object MISSING = new Object();

    /** {@code obj[start:stop:step]} with Python's clamping; any bound may be null. */
    static Object slice(Object obj, Object start, Object stop, Object step) {
        if (obj instanceof Undefined u) {
            throw u.fail();
        }
        for (Object b : new Object[] {start, stop, step}) {
            if (b instanceof Undefined u) {
                throw u.fail();
            }
            if (b != null && !Py.isInt(b)) {
                throw JinjaException.runtime("slice indices must be integers or None or have an __index__ method");
            }
        }
        long st = step == null ? 1 : Py.asLong(step);
        if (st == 0) {
            throw JinjaException.runtime("slice step cannot be zero");
        }
        if (obj instanceof String s) {
            int[] cps = Py.codePoints(s);
            StringBuilder sb = new StringBuilder();
            for (int i : indices(cps.length, start, stop, st)) {
                sb.appendCodePoint(cps[i]);
            }
            return sb.toString();
        }
        if (obj instanceof List<?> l && !(obj instanceof DictView)) {
            List<Object> out = new ArrayList<>();
            for (int i : indices(l.size(), start, stop, st)) {
                out.add(l.get(i));
            }
            return obj instanceof PyTuple ? PyTuple.of(out) : out;
        }
        return Undefined.hint(Py.objectTypeRepr(obj) + " cannot be sliced");
    }

    private static int[] indices(int len, Object start, Object stop, long step) {
        long lo;
        long hi;
        if (step > 0) {
            lo = start == null ? 0 : clamp(Py.asLong(start), len, 0, len);
            hi = stop == null ? len : clamp(Py.asLong(stop), len, 0, len);
        } else {
            lo = start == null ? len - 1 : clamp(Py.asLong(start), len, -1, len - 1);
            hi = stop == null ? -1 : clamp(Py.asLong(stop), len, -1, len - 1);
        }
        List<Integer> out = new ArrayList<>();
        if (step > 0) {
            for (long i = lo; i < hi; i += step) {
                out.add((int) i);
            }
        } else {
            for (long i = lo; i > hi; i += step) {
                out.add((int) i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static long clamp(long i, int len, long min, long max) {
        if (i < 0) {
            i += len;
        }
        return Math.max(min, Math.min(max, i));
    }
}
