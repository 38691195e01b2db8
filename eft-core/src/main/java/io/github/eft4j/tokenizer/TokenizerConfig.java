package io.github.eft4j.tokenizer;

import io.github.eft4j.chat.HfChatTemplate;
import io.github.eft4j.internal.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What eft4j reads from a model's {@code tokenizer_config.json}: the chat templates and the special
 * tokens they use. Unknown keys are ignored.
 *
 * <pre>{@code
 * TokenizerConfig cfg = TokenizerConfig.read(modelDir.resolve("tokenizer_config.json"));
 * HfChatTemplate chat = cfg.chatTemplate();          // the "default" one when the file names several
 * String prompt = chat.render(List.of(ChatMessage.user("Hi")), true);
 * }</pre>
 *
 * @param chatTemplates name to Jinja source, in file order; a {@code chat_template} given as a plain
 *     string is named {@code default}; empty when the file has none
 * @param addBosToken {@code add_bos_token}, or null when the file does not say
 * @param addEosToken {@code add_eos_token}, or null when the file does not say
 * @param bosToken {@code bos_token} (a string, or the {@code content} of an AddedToken object), or null
 * @param eosToken {@code eos_token}, or null
 * @param padToken {@code pad_token}, or null
 * @param unkToken {@code unk_token}, or null
 */
public record TokenizerConfig(Map<String, String> chatTemplates, Boolean addBosToken, Boolean addEosToken,
                              String bosToken, String eosToken, String padToken, String unkToken) {

    /** The name transformers picks when {@code chat_template} is a list and no name is asked for. */
    public static final String DEFAULT_TEMPLATE = "default";

    /**
     * Validates and copies the templates.
     *
     * @throws IllegalArgumentException if a template name is blank or a template is null
     */
    public TokenizerConfig {
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : chatTemplates.entrySet()) {
            if (e.getKey() == null || e.getKey().isBlank() || e.getValue() == null) {
                throw new IllegalArgumentException("chat template \"" + e.getKey() + "\" = " + e.getValue()
                        + "; expected a non-blank name and a template");
            }
            copy.put(e.getKey(), e.getValue());
        }
        chatTemplates = Collections.unmodifiableMap(copy);
    }

    /**
     * Reads a {@code tokenizer_config.json} file.
     *
     * @param file the file
     * @return the configuration
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if it is not JSON or a key has the wrong type; the message
     *     names the file, the key, the value and what was expected
     */
    public static TokenizerConfig read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /**
     * Parses the text of a {@code tokenizer_config.json}.
     *
     * @param json the file content
     * @return the configuration
     * @throws IllegalArgumentException if it is not a JSON object or a key has the wrong type
     */
    public static TokenizerConfig parse(String json) {
        return parse(json, "tokenizer_config.json");
    }

    private static TokenizerConfig parse(String json, String file) {
        Object root;
        try {
            root = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        if (!(root instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(file + ": the top level is " + show(root) + "; expected a JSON object");
        }
        return new TokenizerConfig(templates(file, m.get("chat_template")), bool(file, m, "add_bos_token"),
                bool(file, m, "add_eos_token"), token(file, m, "bos_token"), token(file, m, "eos_token"),
                token(file, m, "pad_token"), token(file, m, "unk_token"));
    }

    private static Map<String, String> templates(String file, Object v) {
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null) {
            return out;
        }
        if (v instanceof String s) {
            out.put(DEFAULT_TEMPLATE, s);
            return out;
        }
        if (!(v instanceof List<?> list)) {
            throw new IllegalArgumentException(file + ": \"chat_template\" is " + show(v)
                    + "; expected a string or a list of {\"name\": ..., \"template\": ...} objects");
        }
        for (int i = 0; i < list.size(); i++) {
            Object item = list.get(i);
            if (!(item instanceof Map<?, ?> t) || !(t.get("name") instanceof String name) || name.isBlank()
                    || !(t.get("template") instanceof String template)) {
                throw new IllegalArgumentException(file + ": \"chat_template\"[" + i + "] is " + show(item)
                        + "; expected an object with a non-blank string \"name\" and a string \"template\"");
            }
            if (out.put(name, template) != null) {
                throw new IllegalArgumentException(file + ": \"chat_template\" names \"" + name + "\" twice; expected unique names");
            }
        }
        return out;
    }

    private static Boolean bool(String file, Map<?, ?> m, String key) {
        Object v = m.get(key);
        if (v == null || v instanceof Boolean) {
            return (Boolean) v;
        }
        throw new IllegalArgumentException(file + ": \"" + key + "\" is " + show(v) + "; expected true, false or null");
    }

    private static String token(String file, Map<?, ?> m, String key) {
        Object v = m.get(key);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        if (v instanceof Map<?, ?> added && added.get("content") instanceof String content) {
            return content;
        }
        throw new IllegalArgumentException(file + ": \"" + key + "\" is " + show(v)
                + "; expected a string, an AddedToken object with a string \"content\", or null");
    }

    private static String show(Object v) {
        String s = Json.write(v);
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }

    /**
     * Whether the file carries a chat template.
     *
     * @return true if there is at least one
     */
    public boolean hasChatTemplate() {
        return !chatTemplates.isEmpty();
    }

    /**
     * The special tokens that are set, under the names templates use ({@code bos_token}, {@code
     * eos_token}, {@code unk_token}, {@code pad_token}).
     *
     * @return name to token string, unmodifiable, without unset tokens
     */
    public Map<String, String> specialTokens() {
        Map<String, String> m = new LinkedHashMap<>();
        if (bosToken != null) {
            m.put("bos_token", bosToken);
        }
        if (eosToken != null) {
            m.put("eos_token", eosToken);
        }
        if (unkToken != null) {
            m.put("unk_token", unkToken);
        }
        if (padToken != null) {
            m.put("pad_token", padToken);
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * The chat template transformers uses by default: the only one, or the one named {@code default}.
     *
     * @return the parsed template, with this file's special tokens
     * @throws IllegalStateException if the file has no chat template, or several and none named
     *     {@code default}
     * @throws io.github.eft4j.chat.ChatTemplateException if the template cannot be parsed
     */
    public HfChatTemplate chatTemplate() {
        if (chatTemplates.isEmpty()) {
            throw new IllegalStateException("the tokenizer config has no chat_template");
        }
        if (chatTemplates.size() > 1 && !chatTemplates.containsKey(DEFAULT_TEMPLATE)) {
            throw new IllegalStateException("the tokenizer config has several chat templates " + chatTemplates.keySet()
                    + " and none named \"default\"; pick one with chatTemplate(name)");
        }
        return chatTemplate(chatTemplates.containsKey(DEFAULT_TEMPLATE) ? DEFAULT_TEMPLATE
                : chatTemplates.keySet().iterator().next());
    }

    /**
     * A named chat template ({@code default}, {@code tool_use}, {@code rag}, ...).
     *
     * @param name the template's name
     * @return the parsed template, with this file's special tokens and the system clock
     * @throws IllegalArgumentException if there is no template of that name
     * @throws io.github.eft4j.chat.ChatTemplateException if the template cannot be parsed
     */
    public HfChatTemplate chatTemplate(String name) {
        String source = chatTemplates.get(name);
        if (source == null) {
            throw new IllegalArgumentException("no chat template named \"" + name + "\"; expected one of " + chatTemplates.keySet());
        }
        return new HfChatTemplate(name, source, specialTokens(), Clock.systemDefaultZone());
    }
}
