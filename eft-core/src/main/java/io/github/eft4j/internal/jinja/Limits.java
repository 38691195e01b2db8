package io.github.eft4j.internal.jinja;

/**
 * The bounds of one render, so that a hostile template can neither hang nor exhaust the heap or the
 * stack. The numbers are public in {@link Template}'s javadoc.
 */
final class Limits {
    /** Evaluation steps (one per statement or expression node evaluated) in one render. */
    static final long MAX_STEPS = 10_000_000;
    /** Length of any string, list or the output built in one render (Python counts the same way jinja2's sandbox does not). */
    static final long MAX_LENGTH = 16L << 20;
    /** Items {@code range()} may produce (jinja2's sandbox MAX_RANGE). */
    static final long MAX_RANGE = 100_000;
    /** Nested macro calls (including {@code caller()}). */
    static final int MAX_CALL_DEPTH = 64;
    /** Nesting of statements and expressions in the parsed template. */
    static final int MAX_NESTING = 128;

    private long steps;
    int callDepth;

    void step() {
        charge(1);
    }

    /** Counts work proportional to a size (the items {@code range()} makes). */
    void charge(long n) {
        steps += n;
        if (steps > MAX_STEPS) {
            throw new JinjaException(JinjaException.Kind.LIMIT, "more than " + MAX_STEPS + " evaluation steps", 0, 0);
        }
    }

    void checkLength(long length) {
        if (length > MAX_LENGTH) {
            throw new JinjaException(JinjaException.Kind.LIMIT, "a string or list of " + length + " items; at most "
                    + MAX_LENGTH + " are allowed", 0, 0);
        }
    }
}
