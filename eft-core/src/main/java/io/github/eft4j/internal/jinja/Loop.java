package io.github.eft4j.internal.jinja;

import java.util.List;

/** The {@code loop} variable of a {@code for} block (jinja2's LoopContext, without {@code recursive}). */
final class Loop {
    private final List<Object> items;
    final int depth0;
    int index0;
    private Object lastChanged = NOTHING;

    private static final Object NOTHING = new Object();

    Loop(List<Object> items, int depth0) {
        this.items = items;
        this.depth0 = depth0;
    }

    int length() {
        return items.size();
    }

    /** What {@link #attribute} returns for a name the loop does not have. */
    static final Object NO_ATTR = new Object();

    /** The value of {@code loop.<name>}, or {@link #NO_ATTR}. */
    Object attribute(String name) {
        int n = items.size();
        return switch (name) {
            case "index" -> (long) index0 + 1;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (n - index0);
            case "revindex0" -> (long) (n - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == n - 1;
            case "length" -> (long) n;
            case "depth" -> (long) depth0 + 1;
            case "depth0" -> (long) depth0;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : Undefined.hint("there is no previous item");
            case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : Undefined.hint("there is no next item");
            case "cycle" -> new Builtins.Fn("cycle", (r, args, kwargs) -> {
                if (args.isEmpty()) {
                    throw JinjaException.runtime("no items for cycling given");
                }
                return args.get(index0 % args.size());
            });
            case "changed" -> new Builtins.Fn("changed", (r, args, kwargs) -> {
                Object now = List.copyOf(args.stream().map(a -> a == null ? NULL : a).toList());
                boolean changed = lastChanged == NOTHING || !Py.eq(lastChanged, now);
                lastChanged = now;
                return changed;
            });
            default -> NO_ATTR;
        };
    }

    private static final Object NULL = new Object();
}
