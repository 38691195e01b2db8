package io.github.eft4j.internal.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The Python methods of str, dict, list and tuple that templates call ({@code content.strip()}). */
final class Methods {
    private Methods() {
    }

    static Object call(Renderer r, Object self, String name, List<Object> args, Map<String, Object> kwargs) {
        return switch (self) {
            case String s -> str(r, s, name, args, kwargs);
            case Map<?, ?> m -> dict(m, name, args, kwargs);
            case List<?> l -> list(l, name, args, kwargs);
            default -> throw JinjaException.runtime("'" + Py.typeName(self) + "' object has no method '" + name + "'");
        };
    }

    private static Object[] bind(String fn, List<Object> args, Map<String, Object> kwargs, String... namesAndDefaults) {
        String[] names = new String[namesAndDefaults.length];
        Object[] defaults = new Object[namesAndDefaults.length];
        for (int i = 0; i < names.length; i++) {
            String n = namesAndDefaults[i];
            int eq = n.indexOf('=');
            names[i] = eq < 0 ? n : n.substring(0, eq);
            defaults[i] = eq < 0 ? Args.REQUIRED : switch (n.substring(eq + 1)) {
                case "None" -> null;
                case "-1" -> -1L;
                case "False" -> Boolean.FALSE;
                case "' '" -> " ";
                default -> throw new IllegalStateException(n);
            };
        }
        return Args.bind(fn, args, kwargs, names, defaults);
    }

    private static String charsArg(String fn, Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            return s;
        }
        throw JinjaException.runtime(fn + " arg must be None or str");
    }

    private static int cpIndex(String s, int utf16) {
        return utf16 < 0 ? -1 : s.codePointCount(0, utf16);
    }

    private static Object str(Renderer r, String s, String name, List<Object> args, Map<String, Object> kwargs) {
        switch (name) {
            case "strip", "lstrip", "rstrip" -> {
                String chars = charsArg(name, bind(name, args, kwargs, "chars=None")[0]);
                return Py.strip(s, chars, !name.equals("rstrip"), !name.equals("lstrip"));
            }
            case "split", "rsplit" -> {
                Object[] a = bind(name, args, kwargs, "sep=None", "maxsplit=-1");
                String sep = a[0] == null ? null : Args.str(name, a[0]);
                long max = Args.integer(name, a[1]);
                return name.equals("split") ? Py.split(s, sep, max) : Py.rsplit(s, sep, max);
            }
            case "splitlines" -> {
                Object keep = bind(name, args, kwargs, "keepends=False")[0];
                return splitlines(s, Py.truthy(keep));
            }
            case "startswith", "endswith" -> {
                Object[] a = bind(name, args, kwargs, "prefix");
                List<Object> options = a[0] instanceof PyTuple t ? t : List.of(a[0]);
                for (Object o : options) {
                    if (!(o instanceof String p)) {
                        throw JinjaException.runtime(name + " first arg must be str or a tuple of str, not " + Py.typeName(o));
                    }
                    if (name.equals("startswith") ? s.startsWith(p) : s.endsWith(p)) {
                        return true;
                    }
                }
                return false;
            }
            case "upper" -> {
                bind(name, args, kwargs);
                return Py.upper(s);
            }
            case "lower", "casefold" -> {
                bind(name, args, kwargs);
                return Py.lower(s);
            }
            case "title" -> {
                bind(name, args, kwargs);
                return Py.title(s);
            }
            case "capitalize" -> {
                bind(name, args, kwargs);
                return Py.capitalize(s);
            }
            case "swapcase" -> {
                bind(name, args, kwargs);
                StringBuilder sb = new StringBuilder();
                s.codePoints().forEach(cp -> sb.append(Character.isUpperCase(cp) ? Py.lower(Character.toString(cp))
                        : Character.isLowerCase(cp) ? Py.upper(Character.toString(cp)) : Character.toString(cp)));
                return sb.toString();
            }
            case "replace" -> {
                Object[] a = bind(name, args, kwargs, "old", "new", "count=-1");
                return replace(s, Args.str(name, a[0]), Args.str(name, a[1]), Args.integer(name, a[2]), r);
            }
            case "format" -> {
                return Formatting.format(s, args, kwargs);
            }
            case "join" -> {
                Object[] a = bind(name, args, kwargs, "iterable");
                List<Object> items = Py.iterate(a[0]);
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < items.size(); i++) {
                    if (!(items.get(i) instanceof String item)) {
                        throw JinjaException.runtime("sequence item " + i + ": expected str instance, "
                                + Py.typeName(items.get(i)) + " found");
                    }
                    if (i > 0) {
                        sb.append(s);
                    }
                    sb.append(item);
                    r.limits().checkLength(sb.length());
                }
                return sb.toString();
            }
            case "find", "index" -> {
                String sub = Args.str(name, bind(name, args, kwargs, "sub")[0]);
                int at = cpIndex(s, s.indexOf(sub));
                if (at < 0 && name.equals("index")) {
                    throw JinjaException.runtime("substring not found");
                }
                return (long) at;
            }
            case "rfind", "rindex" -> {
                String sub = Args.str(name, bind(name, args, kwargs, "sub")[0]);
                int at = cpIndex(s, s.lastIndexOf(sub));
                if (at < 0 && name.equals("rindex")) {
                    throw JinjaException.runtime("substring not found");
                }
                return (long) at;
            }
            case "count" -> {
                String sub = Args.str(name, bind(name, args, kwargs, "sub")[0]);
                if (sub.isEmpty()) {
                    return (long) s.codePointCount(0, s.length()) + 1;
                }
                long n = 0;
                for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
                    n++;
                }
                return n;
            }
            case "isdigit", "isnumeric", "isdecimal" -> {
                bind(name, args, kwargs);
                return !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            }
            case "isalpha" -> {
                bind(name, args, kwargs);
                return !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            }
            case "isalnum" -> {
                bind(name, args, kwargs);
                return !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            }
            case "isspace" -> {
                bind(name, args, kwargs);
                return !s.isEmpty() && s.codePoints().allMatch(Py::isSpace);
            }
            case "isupper", "islower" -> {
                bind(name, args, kwargs);
                return name.equals("isupper") ? isCase(s, true) : isCase(s, false);
            }
            case "istitle" -> {
                bind(name, args, kwargs);
                return !s.isEmpty() && Py.title(s).equals(s) && s.codePoints().anyMatch(Character::isLetter);
            }
            case "removeprefix" -> {
                String p = Args.str(name, bind(name, args, kwargs, "prefix")[0]);
                return s.startsWith(p) ? s.substring(p.length()) : s;
            }
            case "removesuffix" -> {
                String p = Args.str(name, bind(name, args, kwargs, "suffix")[0]);
                return !p.isEmpty() && s.endsWith(p) ? s.substring(0, s.length() - p.length()) : s;
            }
            case "zfill" -> {
                long width = Args.integer(name, bind(name, args, kwargs, "width")[0]);
                int n = s.codePointCount(0, s.length());
                if (width <= n) {
                    return s;
                }
                r.limits().checkLength(width);
                String pad = "0".repeat((int) (width - n));
                return !s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+') ? s.charAt(0) + pad + s.substring(1) : pad + s;
            }
            case "ljust", "rjust", "center" -> {
                Object[] a = bind(name, args, kwargs, "width", "fillchar=' '");
                long width = Args.integer(name, a[0]);
                String fill = Args.str(name, a[1]);
                if (fill.codePointCount(0, fill.length()) != 1) {
                    throw JinjaException.runtime("The fill character must be exactly one character long");
                }
                return pad(s, width, fill, name, r);
            }
            case "partition", "rpartition" -> {
                String sep = Args.str(name, bind(name, args, kwargs, "sep")[0]);
                if (sep.isEmpty()) {
                    throw JinjaException.runtime("empty separator");
                }
                int at = name.equals("partition") ? s.indexOf(sep) : s.lastIndexOf(sep);
                if (at < 0) {
                    return name.equals("partition") ? new PyTuple(s, "", "") : new PyTuple("", "", s);
                }
                return new PyTuple(s.substring(0, at), sep, s.substring(at + sep.length()));
            }
            default -> throw JinjaException.runtime("unsupported construct: the str method '" + name + "()'");
        }
    }

    static String pad(String s, long width, String fill, String how, Renderer r) {
        int n = s.codePointCount(0, s.length());
        if (width <= n) {
            return s;
        }
        r.limits().checkLength(width);
        int total = (int) (width - n);
        int left = switch (how) {
            case "ljust" -> 0;
            case "rjust" -> total;
            // Python's center puts the odd extra character on the left when the width is odd.
            default -> total / 2 + (total & (int) width & 1);
        };
        return fill.repeat(left) + s + fill.repeat(total - left);
    }

    private static boolean isCase(String s, boolean upper) {
        boolean cased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (upper ? Character.isLowerCase(cp) || Character.isTitleCase(cp) : Character.isUpperCase(cp) || Character.isTitleCase(cp)) {
                return false;
            }
            cased |= upper ? Character.isUpperCase(cp) : Character.isLowerCase(cp);
        }
        return cased;
    }

    static String replace(String s, String old, String neu, long count, Renderer r) {
        if (count < 0) {
            count = Long.MAX_VALUE;
        }
        StringBuilder sb = new StringBuilder();
        if (old.isEmpty()) {
            // Python inserts the replacement between characters and at both ends.
            int n = 0;
            for (int i = 0; i < s.length(); ) {
                if (n++ < count) {
                    sb.append(neu);
                }
                int cp = s.codePointAt(i);
                sb.appendCodePoint(cp);
                i += Character.charCount(cp);
                r.limits().checkLength(sb.length());
            }
            if (n < count) {
                sb.append(neu);
            }
            return sb.toString();
        }
        int from = 0;
        long done = 0;
        while (done < count) {
            int at = s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            sb.append(s, from, at).append(neu);
            r.limits().checkLength(sb.length());
            from = at + old.length();
            done++;
        }
        sb.append(s, from, s.length());
        r.limits().checkLength(sb.length());
        return sb.toString();
    }

    /** Python's {@code str.splitlines()}. */
    static List<Object> splitlines(String s, boolean keepends) {
        List<Object> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int eol;
            if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                eol = 2;
            } else if (c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e
                    || c == 0x85 || c == 0x2028 || c == 0x2029) {
                eol = 1;
            } else {
                i++;
                continue;
            }
            out.add(s.substring(start, keepends ? i + eol : i));
            i += eol;
            start = i;
        }
        if (start < s.length()) {
            out.add(s.substring(start));
        }
        return out;
    }

    private static Object dict(Map<?, ?> m, String name, List<Object> args, Map<String, Object> kwargs) {
        switch (name) {
            case "items" -> {
                bind(name, args, kwargs);
                List<Object> items = new ArrayList<>(m.size());
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    items.add(new PyTuple(e.getKey(), e.getValue()));
                }
                return new DictView("items", items);
            }
            case "keys" -> {
                bind(name, args, kwargs);
                return new DictView("keys", new ArrayList<>(m.keySet()));
            }
            case "values" -> {
                bind(name, args, kwargs);
                return new DictView("values", new ArrayList<>(m.values()));
            }
            case "get" -> {
                Object[] a = bind(name, args, kwargs, "key", "default=None");
                return Py.dictGet(m, a[0], a[1]);
            }
            case "copy" -> {
                bind(name, args, kwargs);
                return new LinkedHashMap<>(m);
            }
            default -> throw JinjaException.runtime("unsupported construct: the dict method '" + name + "()'");
        }
    }

    private static Object list(List<?> l, String name, List<Object> args, Map<String, Object> kwargs) {
        switch (name) {
            case "index" -> {
                Object x = bind(name, args, kwargs, "value")[0];
                for (int i = 0; i < l.size(); i++) {
                    if (Py.eq(l.get(i), x)) {
                        return (long) i;
                    }
                }
                throw JinjaException.runtime(l instanceof PyTuple ? "tuple.index(x): x not in tuple" : Py.repr(x) + " is not in list");
            }
            case "count" -> {
                Object x = bind(name, args, kwargs, "value")[0];
                return l.stream().filter(o -> Py.eq(o, x)).count();
            }
            case "copy" -> {
                bind(name, args, kwargs);
                return new ArrayList<>(l);
            }
            default -> throw JinjaException.runtime("unsupported construct: the list method '" + name + "()'");
        }
    }
}
