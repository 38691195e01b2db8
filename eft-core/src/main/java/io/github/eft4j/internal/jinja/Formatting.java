package io.github.eft4j.internal.jinja;

import java.util.List;
import java.util.Map;

/**
 * The small part of Python's string formatting that templates use: {@code str.format} with {@code
 * {}}, {@code {0}}, {@code {name}} and {@code !r}/{@code !s} (no format specs), and printf-style
 * {@code '%s' % x} / {@code |format} with {@code %s %r %d %i %f %%}, widths, precision and the
 * {@code -}/{@code 0} flags.
 */
final class Formatting {
    private Formatting() {
    }

    static String format(String fmt, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c == '}') {
                if (i + 1 < fmt.length() && fmt.charAt(i + 1) == '}') {
                    sb.append('}');
                    i++;
                    continue;
                }
                throw JinjaException.runtime("Single '}' encountered in format string");
            }
            if (c != '{') {
                sb.append(c);
                continue;
            }
            if (i + 1 < fmt.length() && fmt.charAt(i + 1) == '{') {
                sb.append('{');
                i++;
                continue;
            }
            int close = fmt.indexOf('}', i);
            if (close < 0) {
                throw JinjaException.runtime("Single '{' encountered in format string");
            }
            String field = fmt.substring(i + 1, close);
            i = close;
            char conv = 0;
            int bang = field.indexOf('!');
            if (field.contains(":")) {
                throw JinjaException.runtime("unsupported construct: format spec in '{" + field + "}'");
            }
            if (bang >= 0) {
                conv = field.length() > bang + 1 ? field.charAt(bang + 1) : 0;
                field = field.substring(0, bang);
            }
            Object v;
            if (field.isEmpty()) {
                if (auto >= args.size()) {
                    throw JinjaException.runtime("Replacement index " + auto + " out of range for positional args tuple");
                }
                v = args.get(auto++);
            } else if (field.chars().allMatch(Character::isDigit)) {
                int k = Integer.parseInt(field);
                if (k >= args.size()) {
                    throw JinjaException.runtime("Replacement index " + k + " out of range for positional args tuple");
                }
                v = args.get(k);
            } else if (kwargs.containsKey(field)) {
                v = kwargs.get(field);
            } else if (field.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw JinjaException.runtime("KeyError: " + Py.repr(field));
            } else {
                throw JinjaException.runtime("unsupported construct: format field '{" + field + "}'");
            }
            sb.append(conv == 'r' ? Py.repr(v) : Py.str(v));
        }
        return sb.toString();
    }

    /** Python's {@code fmt % values}; a tuple supplies several values. */
    static String printf(String fmt, Object values) {
        List<Object> args = values instanceof PyTuple t ? t : List.of(values == null ? NONE : values);
        StringBuilder sb = new StringBuilder();
        int next = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%') {
                sb.append(c);
                continue;
            }
            int j = i + 1;
            boolean left = false;
            boolean zero = false;
            while (j < fmt.length() && (fmt.charAt(j) == '-' || fmt.charAt(j) == '0')) {
                left |= fmt.charAt(j) == '-';
                zero |= fmt.charAt(j) == '0';
                j++;
            }
            int width = 0;
            while (j < fmt.length() && Character.isDigit(fmt.charAt(j))) {
                width = width * 10 + fmt.charAt(j++) - '0';
            }
            int precision = -1;
            if (j < fmt.length() && fmt.charAt(j) == '.') {
                j++;
                precision = 0;
                while (j < fmt.length() && Character.isDigit(fmt.charAt(j))) {
                    precision = precision * 10 + fmt.charAt(j++) - '0';
                }
            }
            if (j >= fmt.length()) {
                throw JinjaException.runtime("incomplete format");
            }
            char type = fmt.charAt(j);
            i = j;
            if (type == '%') {
                sb.append('%');
                continue;
            }
            if (next >= args.size()) {
                throw JinjaException.runtime("not enough arguments for format string");
            }
            Object v = args.get(next++);
            if (v == NONE) {
                v = null;
            }
            String text = switch (type) {
                case 's' -> Py.str(v);
                case 'r' -> Py.repr(v);
                case 'd', 'i' -> {
                    if (!Py.isNumber(v)) {
                        throw JinjaException.runtime("%" + type + " format: a real number is required, not " + Py.typeName(v));
                    }
                    yield v instanceof Double d ? Long.toString((long) (double) d) : Long.toString(Py.asLong(v));
                }
                case 'f', 'F' -> {
                    if (!Py.isNumber(v)) {
                        throw JinjaException.runtime("must be real number, not " + Py.typeName(v));
                    }
                    yield new java.math.BigDecimal(Py.asDouble(v)).setScale(precision < 0 ? 6 : precision,
                            java.math.RoundingMode.HALF_EVEN).toPlainString();
                }
                default -> throw JinjaException.runtime("unsupported construct: printf conversion '%" + type + "'");
            };
            if (type == 's' || type == 'r') {
                if (precision >= 0 && precision < text.length()) {
                    text = text.substring(0, precision);
                }
            }
            int n = text.codePointCount(0, text.length());
            if (n < width) {
                String pad = (zero && !left && type != 's' && type != 'r' ? "0" : " ").repeat(width - n);
                if (left) {
                    text = text + pad;
                } else if (pad.charAt(0) == '0' && text.startsWith("-")) {
                    text = "-" + pad + text.substring(1);
                } else {
                    text = pad + text;
                }
            }
            sb.append(text);
        }
        if (next < args.size()) {
            throw JinjaException.runtime("not all arguments converted during string formatting");
        }
        return sb.toString();
    }

    private static final Object NONE = new Object();
}
