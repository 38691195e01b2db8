package io.github.eft4j.internal.jinja;

import java.util.List;
import java.util.Map;

/** Binds positional and keyword arguments to a filter's, test's or method's parameters. */
final class Args {
    /** Marks a parameter without a default. */
    static final Object REQUIRED = new Object();

    private Args() {
    }

    /**
     * Binds arguments by position, then by name.
     *
     * @param fn the function name, for messages
     * @param names parameter names in order
     * @param defaults a default per parameter, {@link #REQUIRED} for none
     * @return the value of each parameter
     */
    static Object[] bind(String fn, List<Object> args, Map<String, Object> kwargs, String[] names, Object[] defaults) {
        if (args.size() > names.length) {
            throw JinjaException.runtime(fn + "() takes at most " + names.length + " argument"
                    + (names.length == 1 ? "" : "s") + " (" + args.size() + " given)");
        }
        Object[] out = new Object[names.length];
        int matched = 0;
        for (int i = 0; i < names.length; i++) {
            if (i < args.size()) {
                if (kwargs.containsKey(names[i])) {
                    throw JinjaException.runtime(fn + "() got multiple values for argument '" + names[i] + "'");
                }
                out[i] = args.get(i);
            } else if (kwargs.containsKey(names[i])) {
                out[i] = kwargs.get(names[i]);
                matched++;
            } else if (defaults[i] != REQUIRED) {
                out[i] = defaults[i];
            } else {
                throw JinjaException.runtime(fn + "() missing required argument '" + names[i] + "'");
            }
        }
        if (matched < kwargs.size()) {
            for (String k : kwargs.keySet()) {
                if (!List.of(names).contains(k)) {
                    throw JinjaException.runtime(fn + "() got an unexpected keyword argument '" + k + "'");
                }
            }
        }
        return out;
    }

    /** The argument as a str, or a TypeError naming the function and what it got. */
    static String str(String fn, Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Undefined u) {
            throw u.fail();
        }
        throw JinjaException.runtime(fn + "() argument must be str, not " + Py.typeName(v));
    }

    /** The argument as an int, or a TypeError. */
    static long integer(String fn, Object v) {
        if (Py.isInt(v)) {
            return Py.asLong(v);
        }
        if (v instanceof Undefined u) {
            throw u.fail();
        }
        throw JinjaException.runtime(fn + "(): '" + Py.typeName(v) + "' object cannot be interpreted as an integer");
    }
}
