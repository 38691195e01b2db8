package io.github.eft4j.internal.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.internal.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The renderer, construct by construct. {@code renderer-cases.json} holds small templates with the
 * output (or error text) of Python's jinja2 under transformers' settings, written by
 * tools/chat-templates/renderer-cases.py; the rest checks what jinja2 cannot tell us: positions in
 * messages, unsupported constructs, limits and thread-safety.
 */
class TemplateTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-07-10T12:00:00Z"), ZoneOffset.UTC);

    private static String render(String template, Map<String, ?> context) {
        return Template.parse(template).render(context, CLOCK);
    }

    private static String render(String template) {
        return render(template, Map.of());
    }

    private static JinjaException fails(String template) {
        return assertThrows(JinjaException.class, () -> render(template));
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyCaseRendersAsJinja2Does() throws IOException {
        Map<String, Object> file;
        try (InputStream in = TemplateTest.class.getResourceAsStream("/chat-templates/renderer-cases.json")) {
            assertNotNull(in);
            file = (Map<String, Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        Map<String, Object> context = (Map<String, Object>) file.get("context");
        List<String> failures = new ArrayList<>();
        List<Object> cases = (List<Object>) file.get("cases");
        for (Object o : cases) {
            Map<String, Object> c = (Map<String, Object>) o;
            String name = (String) c.get("name");
            String expected = (String) c.get("output");
            String error = (String) c.get("error");
            try {
                String out = render((String) c.get("template"), context);
                if (error != null) {
                    failures.add(name + ": expected error " + Json.write(error) + ", rendered " + Json.write(out));
                } else if (!out.equals(expected)) {
                    failures.add(name + ":\n   expected " + Json.write(expected) + "\n   actual   " + Json.write(out));
                }
            } catch (JinjaException e) {
                if (error == null || !e.detail().equals(error)) {
                    failures.add(name + ": expected " + (error == null ? Json.write(expected) : "error " + Json.write(error))
                            + "\n   threw " + e.getMessage());
                }
            }
        }
        assertTrue(cases.size() > 140, "cases: " + cases.size());
        assertEquals(0, failures.size(), failures.size() + " of " + cases.size() + " cases differ:\n" + String.join("\n", failures));
    }

    @Test
    @SuppressWarnings("unchecked")
    void huggingFaceJsSuiteTemplatesRenderAsJinja2Does() throws IOException {
        // The 53 real templates of @huggingface/jinja's end-to-end tests (Command-A, Kimi-K2, GLM,
        // Qwen3.5, Llama-3.2-Vision, ...) with the data each renders there; expected: jinja2's result.
        Map<String, Object> file;
        try (InputStream in = TemplateTest.class.getResourceAsStream("/chat-templates/hf-jinja-e2e.json")) {
            assertNotNull(in);
            file = (Map<String, Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        List<String> failures = new ArrayList<>();
        List<Object> cases = (List<Object>) file.get("cases");
        for (Object o : cases) {
            Map<String, Object> c = (Map<String, Object>) o;
            Map<String, Object> python = (Map<String, Object>) c.get("python");
            String out;
            try {
                out = render((String) c.get("chat_template"), (Map<String, Object>) c.get("data"));
            } catch (JinjaException e) {
                out = "error: " + e.getMessage();
            }
            if (!out.equals(python.get("output"))) {
                failures.add(c.get("name") + ":\n   expected " + Json.write(python) + "\n   actual   " + Json.write(out));
            }
        }
        assertEquals(53, cases.size());
        assertEquals(0, failures.size(), String.join("\n", failures));
    }

    // ------------------------------------------------------------------ errors and positions

    @Test
    void syntaxErrorsNameTheLineAndColumn() {
        JinjaException e = fails("line one\n  {{ 1 + }}");
        assertEquals(JinjaException.Kind.SYNTAX, e.kind());
        assertEquals(2, e.line());
        assertEquals(10, e.column());
        assertTrue(e.getMessage().startsWith("template syntax error at line 2, column 10: unexpected '}}'"), e.getMessage());

        JinjaException open = fails("{% if x %}\n{% for a in b %}\n{% endif %}");
        assertEquals(3, open.line());
        assertTrue(open.detail().contains("'endif'"), open.detail());

        assertTrue(fails("{% endfor %}").detail().contains("no open block"));
        assertTrue(fails("{% frobnicate %}").detail().contains("unknown tag 'frobnicate'"));
        assertTrue(fails("{{ 'abc }}").detail().contains("unterminated string"));
        assertTrue(fails("{# never closed").detail().contains("unclosed comment"));
        assertTrue(fails("{{ x").detail().contains("unclosed"));
        assertTrue(fails("{{ (1, 2 }}").detail().contains("unexpected"));
        assertTrue(fails("{% break %}").detail().contains("outside a for loop"));
        assertTrue(fails("{{ f(a=1, 2) }}").detail().contains("positional argument follows keyword argument"));
        assertTrue(fails("{% set true = 1 %}").detail().contains("cannot assign"));
        assertTrue(fails("{{ f(**a, b) }}").detail().contains("argument after '**'"));
        assertTrue(fails("{{ f(*a, b) }}").detail().contains("positional argument follows"));
        assertTrue(fails("{% macro m(a) %}{% endmacro %}{{ m(a=1, **{'a': 2}) }}").detail()
                .contains("got multiple values for keyword argument 'a'"));
    }

    @Test
    void unsupportedConstructsAreNamedWithTheirPosition() {
        for (String tag : List.of("include 'a'", "import 'a' as b", "from 'a' import b", "extends 'a'", "block b",
                "autoescape true", "do x.append(1)")) {
            JinjaException e = fails("ok\n {%- " + tag + " %}");
            String word = tag.split(" ")[0];
            assertEquals(JinjaException.Kind.SYNTAX, e.kind());
            assertTrue(e.detail().contains("unsupported construct '{% " + word + " %}'"), e.detail());
            assertEquals(2, e.line());
            assertEquals(6, e.column());
        }
        assertTrue(fails("{% for x in y recursive %}{% endfor %}").detail().contains("recursive"));
        assertTrue(fails("{{ l|map(*args) }}").detail().contains("*args"));
        JinjaException filter = fails("\n\n   {{ 'x' | truncate(2) }}");
        assertEquals(JinjaException.Kind.RUNTIME, filter.kind());
        assertTrue(filter.detail().contains("the filter 'truncate'"), filter.detail());
        assertEquals(3, filter.line());
        assertEquals(13, filter.column());
        assertTrue(fails("{{ 'x' | nosuchfilter }}").detail().contains("No filter named 'nosuchfilter'"));
        assertTrue(fails("{{ 1 is nosuchtest }}").detail().contains("No test named 'nosuchtest'"));
        assertTrue(fails("{{ '{:>5}'.format(1) }}").detail().contains("format spec"));
        assertTrue(fails("{{ 'x'.encode() }}").detail().contains("str method 'encode()'"));
        assertTrue(fails("{{ strftime_now('%U') }}").detail().contains("strftime directive '%U'"));
        assertTrue(fails("{{ cycler(1, 2) }}").detail().contains("cycler"));
    }

    @Test
    void runtimeErrorsPointAtTheFailingExpression() {
        JinjaException e = fails("{% for m in [1] %}\n  {{ m ~ 'ok' }} {{ 'a' + m }}\n{% endfor %}");
        assertEquals(JinjaException.Kind.RUNTIME, e.kind());
        assertEquals("can only concatenate str (not \"int\") to str", e.detail());
        assertEquals(2, e.line());
        assertEquals(25, e.column());
        assertEquals("template error at line 2, column 25: can only concatenate str (not \"int\") to str", e.getMessage());
    }

    @Test
    void raiseExceptionKeepsTheMessageExactly() {
        JinjaException e = fails("{% if true %}\n{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}");
        assertEquals(JinjaException.Kind.RAISED, e.kind());
        assertEquals("Only user and assistant roles are supported!", e.detail());
        assertEquals(2, e.line());
        assertEquals(4, e.column());
        assertEquals("Only user and assistant roles are supported! (raise_exception at line 2, column 4)", e.getMessage());
    }

    // ------------------------------------------------------------------ limits

    @Test
    void anEndlessTemplateStopsAtTheStepLimit() {
        // range() is capped at 100000 items, so nest loops: 10^15 iterations if nothing stopped them.
        String t = "{% for a in range(100000) %}{% for b in range(100000) %}{% for c in range(100000) %}"
                + "{% endfor %}{% endfor %}{% endfor %}";
        JinjaException e = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> fails(t));
        assertEquals(JinjaException.Kind.LIMIT, e.kind());
        assertTrue(e.detail().contains("evaluation steps"), e.detail());
    }

    @Test
    void stringsCannotGrowPastTheLengthLimit() {
        JinjaException doubling = fails("{% set ns = namespace(s='xxxxxxxx') %}{% for i in range(64) %}"
                + "{% set ns.s = ns.s ~ ns.s %}{% endfor %}");
        assertEquals(JinjaException.Kind.LIMIT, doubling.kind());
        assertEquals(JinjaException.Kind.LIMIT, fails("{{ 'x' * 100000000000 }}").kind());
        assertEquals(JinjaException.Kind.LIMIT, fails("{{ [1] * 100000000000 }}").kind());
        assertEquals(JinjaException.Kind.LIMIT, fails("{{ 'abc'|center(100000000000) }}").kind());
        assertEquals(JinjaException.Kind.LIMIT, fails("{{ range(1000000) }}").kind());
        // Output counts too: 100000 x 200 characters is past 16 Mi.
        assertEquals(JinjaException.Kind.LIMIT, fails("{% for i in range(100000) %}{{ 'x' * 200 }}{% endfor %}").kind());
    }

    @Test
    void recursionStopsAtTheCallDepthLimit() {
        JinjaException e = fails("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
        assertEquals(JinjaException.Kind.LIMIT, e.kind());
        assertTrue(e.detail().contains("macro calls nested deeper than " + Limits.MAX_CALL_DEPTH), e.detail());
        // 30 levels are fine.
        assertEquals("30", render("{% macro f(n) %}{% if n < 30 %}{{ f(n + 1) }}{% else %}{{ n }}{% endif %}{% endmacro %}{{ f(0) }}"));
    }

    @Test
    void deepNestingIsASyntaxErrorNotAStackOverflow() {
        JinjaException parens = fails("{{ " + "(".repeat(10_000) + "1" + ")".repeat(10_000) + " }}");
        assertEquals(JinjaException.Kind.SYNTAX, parens.kind());
        assertTrue(parens.detail().contains("nested deeper than " + Limits.MAX_NESTING), parens.detail());
        JinjaException chain = fails("{{ 1" + " + 1".repeat(100_000) + " }}");
        assertEquals(JinjaException.Kind.SYNTAX, chain.kind());
        JinjaException blocks = fails("{% if true %}".repeat(5_000) + "x" + "{% endif %}".repeat(5_000));
        assertEquals(JinjaException.Kind.SYNTAX, blocks.kind());
        // What real templates nest is far below the limit.
        assertEquals("100", render("{{ 1" + " + 1".repeat(99) + " }}"));
    }

    @Test
    void limitsHoldOnASmallThreadStack() throws Exception {
        // The deepest template the limits allow: macros nested to the call limit, each with nested expressions.
        String expr = "(".repeat(40) + "n" + ")".repeat(40);
        String t = "{% macro f(n) %}{% if n < " + (Limits.MAX_CALL_DEPTH - 1) + " %}{{ f(" + expr + " + 1) }}"
                + "{% else %}{{ n }}{% endif %}{% endmacro %}{{ f(0) }}";
        AtomicReference<Object> result = new AtomicReference<>();
        Thread th = new Thread(null, () -> {
            try {
                // The renderer's classes are initialised on a shallow stack first, as in any process that
                // rendered before: a class initialiser that overflows leaves its class unusable, which no
                // catch in the renderer can repair.
                render("{% macro g(n) %}{{ (n + 1) | string }}{% endmacro %}{{ g(1) }}");
                result.set(render(t));
            } catch (Throwable e) {
                result.set(e);
            }
        }, "small-stack", 256 * 1024);
        th.start();
        th.join();
        Object r = result.get();
        // Either it fits, or the overflow becomes a LIMIT error; never a StackOverflowError.
        assertTrue(r instanceof String s && s.equals(Integer.toString(Limits.MAX_CALL_DEPTH - 1))
                || r instanceof JinjaException e && e.kind() == JinjaException.Kind.LIMIT, String.valueOf(r));
    }

    // ------------------------------------------------------------------ API

    @Test
    void parseOnceRenderManyTimesOnManyThreads() throws Exception {
        Template t = Template.parse("{% for m in messages %}{{ loop.index }}:{{ m.content|upper }};{% endfor %}");
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int w = 0; w < 8; w++) {
            int id = w;
            threads.add(new Thread(() -> {
                for (int i = 0; i < 500; i++) {
                    List<Map<String, Object>> msgs = new ArrayList<>();
                    for (int k = 0; k <= (i + id) % 5; k++) {
                        msgs.add(Map.of("content", "w" + id + "m" + k));
                    }
                    StringBuilder expected = new StringBuilder();
                    for (int k = 0; k < msgs.size(); k++) {
                        expected.append(k + 1).append(":W").append(id).append('M').append(k).append(';');
                    }
                    String out = t.render(Map.of("messages", msgs), CLOCK);
                    if (!out.contentEquals(expected)) {
                        errors.add(new AssertionError(out + " != " + expected));
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread th : threads) {
            th.join();
        }
        assertEquals(List.of(), errors);
    }

    @Test
    void contextValuesAreConvertedFromJava() {
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("i", 3);
        ctx.put("f", 1.5f);
        ctx.put("arr", new Object[] {1, "a"});
        ctx.put("set", new java.util.TreeSet<>(List.of("b", "a")));
        ctx.put("nil", null);
        assertEquals("4 1.5 [1, 'a'] ['a', 'b'] None 0.75", render("{{ i + 1 }} {{ f }} {{ arr }} {{ set }} {{ nil }} {{ i / 4 }}", ctx));
        assertThrows(IllegalArgumentException.class, () -> render("{{ x }}", Map.of("x", new Object())));
    }

    @Test
    void pythonFloatReprMatchesForManyValues() {
        // Python's repr for these (checked with python3): shortest round-trip digits, exponent below 1e-4 and from 1e16.
        String[][] cases = {
            {"1.0", "1.0"}, {"0.1", "0.1"}, {"1e16", "1e+16"}, {"1.5e16", "1.5e+16"}, {"9999999999999998.0", "9999999999999998.0"},
            {"1e-4", "0.0001"}, {"1.5e-5", "1.5e-05"}, {"123456.789", "123456.789"}, {"5e-324", "5e-324"},
            {"1.7976931348623157e308", "1.7976931348623157e+308"}, {"100.0", "100.0"}, {"-2.5", "-2.5"}, {"1e22", "1e+22"},
        };
        for (String[] c : cases) {
            assertEquals(c[1], Py.floatRepr(Double.parseDouble(c[0])), c[0]);
        }
    }
}
