package io.github.eft4j.internal.jinja;

import java.util.AbstractList;
import java.util.List;

/** What {@code dict.items()}, {@code keys()} and {@code values()} return: a list that prints as Python's view. */
final class DictView extends AbstractList<Object> {
    final String kind;
    private final List<Object> items;

    DictView(String kind, List<Object> items) {
        this.kind = kind;
        this.items = items;
    }

    @Override
    public Object get(int index) {
        return items.get(index);
    }

    @Override
    public int size() {
        return items.size();
    }
}
