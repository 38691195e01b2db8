package io.github.eft4j.internal.jinja;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** jinja2's built-in tests ({@code x is defined}, {@code x is string}, ...). */
final class Tests {
    private Tests() {
    }

    static final Set<String> SUPPORTED = Set.of(
            "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number", "string",
            "mapping", "iterable", "sequence", "callable", "odd", "even", "divisibleby", "eq", "equalto", "==", "ne",
            "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=", "in", "sameas", "lower",
            "upper", "escaped", "filter", "test");

    private static Object arg(String name, List<Object> args, Map<String, Object> kwargs, String param) {
        Object[] a = Args.bind(name, args, kwargs, new String[] {param}, new Object[] {Args.REQUIRED});
        return a[0];
    }

    private static void none(String name, List<Object> args, Map<String, Object> kwargs) {
        Args.bind(name, args, kwargs, new String[0], new Object[0]);
    }

    static boolean apply(String name, Object v, List<Object> args, Map<String, Object> kwargs) {
        switch (name) {
            case "defined", "undefined" -> {
                none(name, args, kwargs);
                return (v instanceof Undefined) == name.equals("undefined");
            }
            case "none" -> {
                none(name, args, kwargs);
                return v == null;
            }
            case "boolean" -> {
                none(name, args, kwargs);
                return v instanceof Boolean;
            }
            case "true", "false" -> {
                none(name, args, kwargs);
                return v instanceof Boolean b && b == name.equals("true");
            }
            case "integer" -> {
                none(name, args, kwargs);
                return v instanceof Long;
            }
            case "float" -> {
                none(name, args, kwargs);
                return v instanceof Double;
            }
            case "number" -> {
                none(name, args, kwargs);
                return Py.isNumber(v);
            }
            case "string" -> {
                none(name, args, kwargs);
                return v instanceof String;
            }
            case "mapping" -> {
                none(name, args, kwargs);
                return v instanceof Map;
            }
            case "iterable" -> {
                none(name, args, kwargs);
                return v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
            }
            case "sequence" -> {
                none(name, args, kwargs);
                return (v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined)
                        && !(v instanceof DictView);
            }
            case "callable" -> {
                none(name, args, kwargs);
                return v instanceof JinjaCallable;
            }
            case "odd", "even" -> {
                none(name, args, kwargs);
                if (v instanceof Undefined u) {
                    throw u.fail();
                }
                Object m = Py.mod(v, 2L);
                boolean odd = Py.eq(m, 1L);
                return name.equals("odd") == odd;
            }
            case "divisibleby" -> {
                Object n = arg(name, args, kwargs, "num");
                if (v instanceof Undefined u) {
                    throw u.fail();
                }
                return Py.eq(Py.mod(v, n), 0L);
            }
            case "eq", "equalto", "==" -> {
                return Py.eq(v, arg(name, args, kwargs, "other"));
            }
            case "ne", "!=" -> {
                return !Py.eq(v, arg(name, args, kwargs, "other"));
            }
            case "lt", "lessthan", "<" -> {
                return Py.compare(v, arg(name, args, kwargs, "other"), "<") < 0;
            }
            case "le", "<=" -> {
                return Py.compare(v, arg(name, args, kwargs, "other"), "<=") <= 0;
            }
            case "gt", "greaterthan", ">" -> {
                return Py.compare(v, arg(name, args, kwargs, "other"), ">") > 0;
            }
            case "ge", ">=" -> {
                return Py.compare(v, arg(name, args, kwargs, "other"), ">=") >= 0;
            }
            case "in" -> {
                return Py.contains(arg(name, args, kwargs, "seq"), v);
            }
            case "sameas" -> {
                return Py.sameIdentity(v, arg(name, args, kwargs, "other"));
            }
            case "lower", "upper" -> {
                none(name, args, kwargs);
                String s = Py.str(v);
                return name.equals("lower") ? Py.lower(s).equals(s) && !Py.upper(s).equals(s)
                        : Py.upper(s).equals(s) && !Py.lower(s).equals(s);
            }
            case "escaped" -> {
                none(name, args, kwargs);
                return false;
            }
            case "filter" -> {
                none(name, args, kwargs);
                return v instanceof String s && (Filters.SUPPORTED.contains(s) || Filters.UNSUPPORTED.contains(s));
            }
            case "test" -> {
                none(name, args, kwargs);
                return v instanceof String s && SUPPORTED.contains(s);
            }
            default -> throw JinjaException.runtime("No test named '" + name + "'.");
        }
    }
}
