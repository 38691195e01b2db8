package io.github.eft4j.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.internal.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Byte-for-byte parity with Hugging Face on every golden of {@code chat-templates/goldens.jsonl}:
 * real templates from model repositories, each rendered for every conversation of {@code
 * conversations.json} with {@code add_generation_prompt} off and on. The goldens come from
 * Hugging Face's JS renderer; {@code "ref":"python"} marks cases where Python's jinja2 (what
 * transformers uses) differs and its result is the expected one (see tools/chat-templates and
 * docs/chat-templates.md). An error golden holds the message the template raised (or Python's error
 * text), which must be the exception's {@link ChatTemplateException#templateMessage()}.
 */
class HfChatTemplateTest {
    /** The instant the goldens were rendered at (strftime_now). */
    static final Clock GOLDEN_CLOCK = Clock.fixed(Instant.parse("2025-07-10T12:00:00Z"), ZoneOffset.UTC);

    record Golden(String template, String conversation, boolean addGenerationPrompt, String output, String error, String ref) {
        @Override
        public String toString() {
            return template + " / " + conversation + " / add_generation_prompt=" + addGenerationPrompt + " (" + ref + ")";
        }
    }

    static String resource(String path) {
        try (InputStream in = HfChatTemplateTest.class.getResourceAsStream("/chat-templates/" + path)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource chat-templates/" + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String path) {
        return (Map<String, Object>) Json.parse(resource(path));
    }

    static List<Golden> goldens() {
        List<Golden> out = new ArrayList<>();
        for (String line : resource("goldens.jsonl").split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            Map<?, ?> m = (Map<?, ?>) Json.parse(line);
            out.add(new Golden((String) m.get("template"), (String) m.get("conversation"),
                    (Boolean) m.get("add_generation_prompt"), (String) m.get("output"), (String) m.get("error"),
                    (String) m.get("ref")));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> conversations() {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (Object c : (List<Object>) Json.parse(resource("conversations.json"))) {
            Map<String, Object> m = (Map<String, Object>) c;
            out.put((String) m.get("id"), m);
        }
        return out;
    }

    private static final Map<String, HfChatTemplate> TEMPLATES = new TreeMap<>();

    /** The golden's template, with the special tokens its file names and the goldens' clock. */
    static synchronized HfChatTemplate template(String id) {
        return TEMPLATES.computeIfAbsent(id, k -> {
            Map<String, Object> t = json("templates/" + k + ".json");
            Map<String, String> tokens = new LinkedHashMap<>();
            if (t.get("bos_token") != null) {
                tokens.put("bos_token", (String) t.get("bos_token"));
            }
            if (t.get("eos_token") != null) {
                tokens.put("eos_token", (String) t.get("eos_token"));
            }
            return new HfChatTemplate(k, (String) t.get("chat_template"), tokens, GOLDEN_CLOCK);
        });
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> variables(String templateId, Map<String, Object> conversation) {
        Map<String, Object> vars = new LinkedHashMap<>();
        Object te = json("templates/" + templateId + ".json").get("extra");
        if (te != null) {
            vars.putAll((Map<String, Object>) te);
        }
        if (conversation.get("extra") != null) {
            vars.putAll((Map<String, Object>) conversation.get("extra"));
        }
        return vars;
    }

    /** Renders one golden case; returns the failure description, or null if it matches. */
    @SuppressWarnings("unchecked")
    static String check(Golden g, Map<String, Map<String, Object>> conversations) {
        Map<String, Object> conv = conversations.get(g.conversation());
        List<Map<String, Object>> messages = (List<Map<String, Object>>) conv.get("messages");
        HfChatTemplate t = template(g.template());
        try {
            String out = t.renderMessages(messages, g.addGenerationPrompt(), variables(g.template(), conv));
            if (g.error() != null) {
                return g + "\n   expected error " + Json.write(g.error()) + "\n   rendered       " + Json.write(out);
            }
            if (!out.equals(g.output())) {
                return g + "\n   expected " + Json.write(g.output()) + "\n   actual   " + Json.write(out);
            }
        } catch (ChatTemplateException e) {
            if (g.error() == null) {
                return g + "\n   expected " + Json.write(g.output()) + "\n   threw    " + e.getMessage();
            }
            if (!e.templateMessage().equals(g.error()) || !e.getMessage().contains(g.error())) {
                return g + "\n   expected error " + Json.write(g.error()) + "\n   threw          " + e.getMessage();
            }
        }
        return null;
    }

    @Test
    void everyGoldenMatchesByteForByte() {
        Map<String, Map<String, Object>> conversations = conversations();
        List<String> failures = new ArrayList<>();
        for (Golden g : goldens()) {
            String f = check(g, conversations);
            if (f != null) {
                failures.add(f);
            }
        }
        assertEquals(0, failures.size(), failures.size() + " mismatches, first ones:\n"
                + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
    }

    @Test
    void goldensCoverAtLeast12TemplatesWith6ConversationsBothWays() {
        List<Golden> all = goldens();
        Map<String, Long> okCases = new TreeMap<>();
        for (Golden g : all) {
            if (g.output() != null) {
                okCases.merge(g.template(), 1L, Long::sum);
            }
        }
        assertTrue(okCases.size() >= 12, "templates with rendered goldens: " + okCases.keySet());
        for (Map.Entry<String, Long> e : okCases.entrySet()) {
            assertTrue(e.getValue() >= 12, e.getKey() + " has only " + e.getValue() + " rendered (non-error) goldens");
        }
        assertTrue(all.stream().anyMatch(g -> g.ref().equals("python")), "the Python overrides are in the goldens");
        assertTrue(all.stream().anyMatch(g -> "Conversation roles must alternate user/assistant/user/assistant/...".equals(g.error())));
        // The families the brief names are all there.
        for (String id : List.of("llama-2-chat", "llama-3-instruct", "mistral-instruct-v0.1", "zephyr-7b-beta",
                "qwen2.5-instruct", "gemma-it", "phi-3-mini", "falcon-rw-1b-chat")) {
            assertTrue(okCases.containsKey(id), id);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void chatMessagesRenderLikeTheirMaps() {
        Map<String, Map<String, Object>> conversations = conversations();
        int compared = 0;
        for (Golden g : goldens()) {
            Map<String, Object> conv = conversations.get(g.conversation());
            if (g.output() == null) {
                continue;
            }
            List<ChatMessage> messages = new ArrayList<>();
            boolean plain = true;
            for (Map<String, Object> m : (List<Map<String, Object>>) conv.get("messages")) {
                if (m.size() != 2 || !(m.get("content") instanceof String c)) {
                    plain = false;
                    break;
                }
                messages.add(new ChatMessage(ChatMessage.Role.valueOf(((String) m.get("role")).toUpperCase(java.util.Locale.ROOT)), c));
            }
            if (!plain) {
                continue;
            }
            Map<String, Object> vars = variables(g.template(), conv);
            assertEquals(g.output(), template(g.template()).render(messages, g.addGenerationPrompt(), vars), g.toString());
            if (g.addGenerationPrompt() && vars.isEmpty()) {
                assertEquals(g.output(), template(g.template()).render(messages), g.toString());
            }
            compared++;
        }
        assertTrue(compared > 200, "compared " + compared);
    }

    @Test
    @SuppressWarnings("unchecked")
    void builtinLlama2MatchesTheRealLlama2Template() {
        // ChatFormat.LLAMA_2 promises to render what meta-llama's template renders; check it on every
        // conversation it accepts (an optional system turn, then user/assistant alternating, ending with user).
        Map<String, Map<String, Object>> conversations = conversations();
        int compared = 0;
        for (Golden g : goldens()) {
            if (!g.template().equals("llama-2-chat") || !g.addGenerationPrompt() || g.output() == null) {
                continue;
            }
            List<ChatMessage> messages = new ArrayList<>();
            for (Map<String, Object> m : (List<Map<String, Object>>) conversations.get(g.conversation()).get("messages")) {
                if (!(m.get("content") instanceof String c) || m.size() != 2) {
                    messages = null;
                    break;
                }
                messages.add(new ChatMessage(ChatMessage.Role.valueOf(((String) m.get("role")).toUpperCase(java.util.Locale.ROOT)), c));
            }
            if (messages == null || messages.get(messages.size() - 1).role() != ChatMessage.Role.USER) {
                continue;
            }
            assertEquals(g.output(), ChatFormat.LLAMA_2.render(messages), g.toString());
            compared++;
        }
        assertTrue(compared >= 6, "compared " + compared);
    }

    @Test
    void rendersConcurrentlyFromOneInstance() throws Exception {
        Map<String, Map<String, Object>> conversations = conversations();
        List<Golden> all = goldens();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<String>>> futures = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int offset = w;
                futures.add(pool.submit(() -> {
                    List<String> failures = new ArrayList<>();
                    for (int i = 0; i < all.size(); i++) {
                        String f = check(all.get((i * 7 + offset * 131) % all.size()), conversations);
                        if (f != null) {
                            failures.add(f);
                        }
                    }
                    return failures;
                }));
            }
            for (Future<List<String>> f : futures) {
                assertEquals(List.of(), f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void javadocExampleRendersAsDocumented() {
        HfChatTemplate zephyr = new HfChatTemplate(
                "{% for message in messages %}{{ '<|' + message['role'] + '|>\n' + message['content'] + eos_token }}\n"
                + "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}", "<s>", "</s>");
        assertEquals("<|user|>\nHi</s>\n<|assistant|>", zephyr.render(List.of(ChatMessage.user("Hi")), true));
        assertEquals("<|user|>\nHi</s>\n", zephyr.render(List.of(ChatMessage.user("Hi")), false));
        assertEquals("<|user|>\nHi</s>\n<|assistant|>", zephyr.prompt(null, "Hi"));
        assertFalse(zephyr.writesBos());
    }

    @Test
    void writesBosFollowsTheRenderedText() {
        assertTrue(template("llama-2-chat").writesBos());
        assertTrue(template("llama-3-instruct").writesBos());
        assertTrue(template("mistral-instruct-v0.1").writesBos());
        assertTrue(template("gemma-it").writesBos());
        assertFalse(template("zephyr-7b-beta").writesBos());
        assertFalse(template("qwen2.5-instruct").writesBos());
        assertFalse(template("openhermes-2.5").writesBos());
        // command-r's tool_use template fails without tools; it names bos_token, so it writes it.
        assertTrue(template("command-r-tool-use").writesBos());
    }

    @Test
    void rejectionsAreChatTemplateExceptionsWithTheTemplatesMessageAndPosition() {
        HfChatTemplate gemma = template("gemma-it");
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> gemma.render(List.of(ChatMessage.system("s"), ChatMessage.user("u")), true));
        assertTrue(e.raisedByTemplate());
        assertEquals("System role not supported", e.templateMessage());
        assertEquals(1, e.line());
        assertTrue(e.column() > 1, "column " + e.column());
        assertTrue(e.getMessage().contains("System role not supported") && e.getMessage().contains("line 1, column "),
                e.getMessage());
        // A ChatFormat caller sees an IllegalArgumentException, as ChatFormat documents.
        assertThrows(IllegalArgumentException.class, () -> ((ChatFormat) gemma).prompt("s", "u"));
    }

    @Test
    void brokenTemplatesFailAtConstructionWithThePosition() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> new HfChatTemplate("ok\n{% for m in messages %}{{ m }}", "<s>", "</s>"));
        assertFalse(e.raisedByTemplate());
        assertTrue(e.getMessage().contains("unexpected end of template") && e.getMessage().contains("'endfor'")
                && e.getMessage().contains("the 'for' at line 2, column 4"), e.getMessage());
        assertEquals(2, e.line());
        ChatTemplateException inc = assertThrows(ChatTemplateException.class,
                () -> new HfChatTemplate("{% include 'x.j2' %}", null, null));
        assertTrue(inc.getMessage().contains("include") && inc.getMessage().contains("line 1, column 4"), inc.getMessage());
    }

    @Test
    void variablesReachTheTemplateAndTheirNamesAreChecked() {
        HfChatTemplate t = new HfChatTemplate("{{ greeting }} {{ tools | length }} {{ enable_thinking }}", null, null);
        assertEquals("hi 2 False", t.render(List.of(), false,
                Map.of("greeting", "hi", "tools", List.of(Map.of("a", 1), Map.of("b", 2)), "enable_thinking", false)));
        assertThrows(IllegalArgumentException.class, () -> t.render(List.of(), false, Map.of("messages", List.of())));
        assertThrows(IllegalArgumentException.class, () -> t.render(List.of(), false, Map.of("add_generation_prompt", true)));
        assertThrows(IllegalArgumentException.class, () -> t.render(List.of(), false, Map.of("x", new Object())));
        // tools and documents are None unless given, as in transformers.
        assertEquals("True True False", new HfChatTemplate("{{ tools is none }} {{ documents is defined }} {{ x is defined }}",
                null, null).render(List.of(), false));
    }

    @Test
    void constructorValidates() {
        assertThrows(IllegalArgumentException.class, () -> new HfChatTemplate(" ", "x", Map.of(), GOLDEN_CLOCK));
        assertThrows(NullPointerException.class, () -> new HfChatTemplate("id", null, Map.of(), GOLDEN_CLOCK));
        Map<String, String> withNull = new LinkedHashMap<>();
        withNull.put("bos_token", null);
        assertThrows(IllegalArgumentException.class, () -> new HfChatTemplate("id", "x", withNull, GOLDEN_CLOCK));
    }
}
