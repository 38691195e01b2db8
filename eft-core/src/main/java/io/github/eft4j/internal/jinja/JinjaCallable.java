package io.github.eft4j.internal.jinja;

import java.util.List;
import java.util.Map;

/** A function a template can call: a global ({@code range}, {@code raise_exception}), a macro, a bound method. */
interface JinjaCallable {
    /**
     * Calls the function.
     *
     * @param r the render in progress (for limits, the clock, the output of macros)
     * @param args positional arguments
     * @param kwargs keyword arguments, in call order
     * @return the result
     */
    Object call(Renderer r, List<Object> args, Map<String, Object> kwargs);

    /** How the value prints (Python's repr of the function object). */
    String describe();
}
