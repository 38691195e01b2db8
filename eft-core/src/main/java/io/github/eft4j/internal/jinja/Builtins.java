package io.github.eft4j.internal.jinja;

import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The globals every template sees: jinja2's {@code range}, {@code dict}, {@code namespace}, {@code
 * joiner} and transformers' {@code raise_exception} and {@code strftime_now}.
 */
final class Builtins {
    private Builtins() {
    }

    /** A named built-in function. */
    record Fn(String name, Body body) implements JinjaCallable {
        /** The function body. */
        interface Body {
            Object call(Renderer r, List<Object> args, Map<String, Object> kwargs);
        }

        @Override
        public Object call(Renderer r, List<Object> args, Map<String, Object> kwargs) {
            return body.call(r, args, kwargs);
        }

        @Override
        public String describe() {
            return "<built-in function " + name + ">";
        }
    }

    static final Map<String, Object> GLOBALS = globals();

    private static Map<String, Object> globals() {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("range", new Fn("range", Builtins::range));
        g.put("dict", new Fn("dict", (r, args, kwargs) -> {
            Map<Object, Object> m = new LinkedHashMap<>();
            if (args.size() > 1) {
                throw JinjaException.runtime("dict expected at most 1 argument, got " + args.size());
            }
            if (args.size() == 1) {
                merge(m, args.get(0), "dict");
            }
            m.putAll(kwargs);
            return m;
        }));
        g.put("namespace", new Fn("namespace", (r, args, kwargs) -> {
            Namespace ns = new Namespace();
            Map<Object, Object> m = new LinkedHashMap<>();
            for (Object a : args) {
                merge(m, a, "namespace");
            }
            m.putAll(kwargs);
            for (Map.Entry<Object, Object> e : m.entrySet()) {
                if (!(e.getKey() instanceof String k)) {
                    throw JinjaException.runtime("namespace() keywords must be strings, got " + Py.typeName(e.getKey()));
                }
                ns.attrs.put(k, e.getValue());
            }
            return ns;
        }));
        g.put("joiner", new Fn("joiner", (r, args, kwargs) -> {
            Object sep = args.isEmpty() ? kwargs.getOrDefault("sep", ", ") : args.get(0);
            boolean[] used = {false};
            return new Fn("joiner", (r2, a2, k2) -> {
                if (!used[0]) {
                    used[0] = true;
                    return "";
                }
                return sep;
            });
        }));
        g.put("raise_exception", new Fn("raise_exception", (r, args, kwargs) -> {
            Object msg = args.isEmpty() ? kwargs.get("message") : args.get(0);
            throw new JinjaException(JinjaException.Kind.RAISED, Py.str(msg), 0, 0);
        }));
        g.put("strftime_now", new Fn("strftime_now", (r, args, kwargs) -> {
            Object fmt = args.isEmpty() ? kwargs.get("format") : args.get(0);
            if (!(fmt instanceof String f)) {
                throw JinjaException.runtime("strftime_now() argument must be str, not " + Py.typeName(fmt));
            }
            return Strftime.format(f, ZonedDateTime.now(r.clock()));
        }));
        for (String name : List.of("cycler", "lipsum")) {
            g.put(name, new Fn(name, (r, args, kwargs) -> {
                throw JinjaException.runtime("unsupported construct: the global '" + name + "()'");
            }));
        }
        return Map.copyOf(g);
    }

    private static void merge(Map<Object, Object> m, Object source, String fn) {
        if (source instanceof Map<?, ?> src) {
            m.putAll(src);
        } else if (source instanceof List<?> pairs) {
            for (Object p : pairs) {
                if (!(p instanceof List<?> kv) || kv.size() != 2) {
                    throw JinjaException.runtime(fn + "() sequence elements must be pairs");
                }
                m.put(kv.get(0), kv.get(1));
            }
        } else {
            throw JinjaException.runtime("'" + Py.typeName(source) + "' object is not iterable");
        }
    }

    private static Object range(Renderer r, List<Object> args, Map<String, Object> kwargs) {
        if (!kwargs.isEmpty()) {
            throw JinjaException.runtime("range() takes no keyword arguments");
        }
        if (args.isEmpty() || args.size() > 3) {
            throw JinjaException.runtime("range expected 1 to 3 arguments, got " + args.size());
        }
        long[] v = new long[args.size()];
        for (int i = 0; i < v.length; i++) {
            Object a = args.get(i);
            if (a instanceof Undefined u) {
                throw u.fail();
            }
            if (!Py.isInt(a)) {
                throw JinjaException.runtime("'" + Py.typeName(a) + "' object cannot be interpreted as an integer");
            }
            v[i] = Py.asLong(a);
        }
        long start = v.length == 1 ? 0 : v[0];
        long stop = v.length == 1 ? v[0] : v[1];
        long step = v.length == 3 ? v[2] : 1;
        if (step == 0) {
            throw JinjaException.runtime("range() arg 3 must not be zero");
        }
        long n = step > 0 ? (stop > start ? (stop - start + step - 1) / step : 0)
                : (start > stop ? (start - stop - step - 1) / -step : 0);
        if (n > Limits.MAX_RANGE) {
            throw new JinjaException(JinjaException.Kind.LIMIT,
                    "Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + Limits.MAX_RANGE + ").", 0, 0);
        }
        r.limits().charge(n);
        List<Object> out = new ArrayList<>((int) n);
        for (long i = 0, x = start; i < n; i++, x += step) {
            out.add(x);
        }
        return out;
    }
}
