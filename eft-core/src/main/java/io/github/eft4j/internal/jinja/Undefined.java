package io.github.eft4j.internal.jinja;

/**
 * jinja2's default {@code Undefined}: what a missing variable, key, attribute or index evaluates to.
 * It renders as the empty string, is falsy, iterates as empty and has length 0; using it any other
 * way (an attribute, an index, arithmetic, a comparison, a call) fails with the message jinja2 gives:
 * {@code 'x' is undefined}, {@code 'dict object' has no attribute 'x'}, {@code list object has no
 * element 5}, or a hint set where it was made.
 */
final class Undefined {
    /** A plain undefined with no name (the value of {@code x if false}). */
    static final Undefined PLAIN = new Undefined(null, null, false, null);

    private final Object name;
    private final Object obj;
    private final boolean hasObj;
    private final String hint;

    private Undefined(Object name, Object obj, boolean hasObj, String hint) {
        this.name = name;
        this.obj = obj;
        this.hasObj = hasObj;
        this.hint = hint;
    }

    /** A variable that is not defined. */
    static Undefined variable(String name) {
        return new Undefined(name, null, false, null);
    }

    /** A missing attribute, key or index {@code name} of {@code obj}. */
    static Undefined member(Object obj, Object name) {
        return new Undefined(name, obj, true, null);
    }

    /** An undefined whose use fails with {@code hint}. */
    static Undefined hint(String hint) {
        return new Undefined(null, null, false, hint);
    }

    /** The message jinja2's {@code Undefined._undefined_message} gives. */
    String message() {
        if (hint != null) {
            return hint;
        }
        if (!hasObj) {
            return name == null ? "value is undefined" : Py.repr(name) + " is undefined";
        }
        if (!(name instanceof String)) {
            return Py.objectTypeRepr(obj) + " has no element " + Py.repr(name);
        }
        return Py.repr(Py.objectTypeRepr(obj)) + " has no attribute " + Py.repr(name);
    }

    /** The error for any use other than printing, testing, iterating or measuring. */
    JinjaException fail() {
        return JinjaException.runtime(message());
    }

    @Override
    public String toString() {
        return "";
    }
}
