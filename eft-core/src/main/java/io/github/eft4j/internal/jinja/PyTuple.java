package io.github.eft4j.internal.jinja;

import java.util.AbstractList;
import java.util.List;

/** A Python tuple: a list that prints as {@code (a, b)} and never equals a list. */
final class PyTuple extends AbstractList<Object> {
    private final Object[] items;

    PyTuple(Object... items) {
        this.items = items;
    }

    static PyTuple of(List<?> list) {
        return new PyTuple(list.toArray());
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }
}
