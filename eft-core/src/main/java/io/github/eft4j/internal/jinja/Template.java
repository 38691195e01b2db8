package io.github.eft4j.internal.jinja;

import io.github.eft4j.internal.jinja.Node.Stmt;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Jinja template parsed once and rendered many times, with the semantics of jinja2 as Hugging
 * Face transformers' {@code apply_chat_template} sets it up: {@code trim_blocks} and {@code
 * lstrip_blocks} on, the immutable sandbox (no modifying lists or dicts, no '_' attributes), the
 * {@code loopcontrols} extension ({@code break}, {@code continue}), the {@code generation} tag,
 * {@code tojson} as {@code json.dumps(ensure_ascii=False)}, and the globals {@code raise_exception}
 * and {@code strftime_now}. Values follow Python: {@code {{ 3/2 }}} is {@code 1.5}, {@code True}
 * prints as {@code True}, strings are indexed by code point, undefined values print as "" and fail
 * when used otherwise, with jinja2's messages.
 *
 * <pre>{@code
 * Template t = Template.parse("{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}");
 * String text = t.render(Map.of("messages", List.of(Map.of("role", "user", "content", "Hi"))));
 * }</pre>
 *
 * <p>Not supported (each fails with a {@link JinjaException} naming it and its position): {@code
 * include}, {@code import}, {@code extends}, {@code block} and other tags that need more than one
 * template, {@code recursive} loops, {@code *args}/{@code **kwargs} in filter and test calls, format specs in {@code
 * str.format}, and a few filters ({@code groupby}, {@code truncate}, {@code wordwrap}, ...).
 *
 * <p>Bounds, so that a hostile template can neither hang nor exhaust memory or the stack: at most
 * {@value Limits#MAX_STEPS} evaluation steps per render, {@value Limits#MAX_LENGTH} characters (or
 * items) in any string, list or output, {@value Limits#MAX_RANGE} items from {@code range()},
 * {@value Limits#MAX_CALL_DEPTH} nested macro calls, and {@value Limits#MAX_NESTING} levels of
 * nested statements and expressions in the template. A render that exceeds one fails with a {@link
 * JinjaException} of kind {@link JinjaException.Kind#LIMIT}; so does one that exhausts the calling
 * thread's stack (possible only on very small thread stacks).
 *
 * <p>Instances are immutable and thread-safe: each render has its own scopes, output and counters.
 */
public final class Template {
    private final List<Stmt> body;

    private Template(List<Stmt> body) {
        this.body = body;
    }

    /**
     * Parses a template.
     *
     * @param source the template text
     * @return the parsed template
     * @throws JinjaException of kind SYNTAX, naming the line and column, if the text is not a
     *     template this renderer supports; of kind LIMIT if its nesting exhausts the thread's stack
     */
    public static Template parse(String source) {
        Objects.requireNonNull(source, "source");
        try {
            return new Template(Parser.parse(source));
        } catch (StackOverflowError e) { // nesting within the limits can still exceed a small thread stack
            throw new JinjaException(JinjaException.Kind.LIMIT, "parsing exhausted the thread's stack", 0, 0);
        }
    }

    /**
     * Renders with the system clock (used by {@code strftime_now}).
     *
     * @param context the variables; values may be String, Number, Boolean, null, Map, List (or any
     *     Iterable) and arrays, nested
     * @return the rendered text
     * @throws JinjaException if rendering fails or hits a limit
     * @throws IllegalArgumentException if a context value has another type
     */
    public String render(Map<String, ?> context) {
        return render(context, Clock.systemDefaultZone());
    }

    /**
     * Renders.
     *
     * @param context the variables (see {@link #render(Map)})
     * @param clock the time {@code strftime_now} formats, in the clock's zone
     * @return the rendered text
     * @throws JinjaException if rendering fails or hits a limit
     * @throws IllegalArgumentException if a context value has another type
     */
    public String render(Map<String, ?> context, Clock clock) {
        Map<String, Object> ctx = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : context.entrySet()) {
            ctx.put(e.getKey(), Py.fromJava(e.getValue(), 0));
        }
        try {
            return new Renderer(clock).render(body, ctx);
        } catch (StackOverflowError e) {
            throw new JinjaException(JinjaException.Kind.LIMIT, "rendering exhausted the thread's stack", 0, 0);
        }
    }
}
