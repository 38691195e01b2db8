package io.github.eft4j.internal.jinja;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Python's {@code datetime.strftime} in the C locale for the directives chat templates use: {@code
 * %a %A %b %B %d %e %H %I %j %m %M %p %S %y %Y %Z %z %%}, and glibc's {@code %-d} style (no padding),
 * which Python passes through on Linux.
 */
final class Strftime {
    private Strftime() {
    }

    static String format(String fmt, ZonedDateTime t) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) {
                sb.append(c);
                continue;
            }
            char d = fmt.charAt(++i);
            boolean pad = true;
            if (d == '-' && i + 1 < fmt.length()) {
                pad = false;
                d = fmt.charAt(++i);
            }
            switch (d) {
                case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US));
                case 'b', 'h' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.US));
                case 'd' -> num(sb, t.getDayOfMonth(), 2, pad, '0');
                case 'e' -> num(sb, t.getDayOfMonth(), 2, pad, ' ');
                case 'H' -> num(sb, t.getHour(), 2, pad, '0');
                case 'I' -> num(sb, (t.getHour() + 11) % 12 + 1, 2, pad, '0');
                case 'j' -> num(sb, t.getDayOfYear(), 3, pad, '0');
                case 'm' -> num(sb, t.getMonthValue(), 2, pad, '0');
                case 'M' -> num(sb, t.getMinute(), 2, pad, '0');
                case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
                case 'S' -> num(sb, t.getSecond(), 2, pad, '0');
                case 'y' -> num(sb, t.getYear() % 100, 2, pad, '0');
                case 'Y' -> sb.append(t.getYear());
                case 'Z' -> sb.append(t.getZone().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'z' -> {
                    int s = t.getOffset().getTotalSeconds();
                    sb.append(s < 0 ? '-' : '+');
                    s = Math.abs(s);
                    num(sb, s / 3600, 2, true, '0');
                    num(sb, s / 60 % 60, 2, true, '0');
                }
                case '%' -> sb.append('%');
                default -> throw JinjaException.runtime("unsupported construct: strftime directive '%" + d + "'");
            }
        }
        return sb.toString();
    }

    private static void num(StringBuilder sb, int v, int width, boolean pad, char fill) {
        String s = Integer.toString(v);
        if (pad) {
            for (int k = s.length(); k < width; k++) {
                sb.append(fill);
            }
        }
        sb.append(s);
    }
}
