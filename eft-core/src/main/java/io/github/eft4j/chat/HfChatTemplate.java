package io.github.eft4j.chat;

import io.github.eft4j.internal.jinja.JinjaException;
import io.github.eft4j.internal.jinja.Template;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A Hugging Face chat template (the {@code chat_template} of a model's {@code
 * tokenizer_config.json}), rendered in pure Java with the semantics of transformers' {@code
 * apply_chat_template}: jinja2 with {@code trim_blocks} and {@code lstrip_blocks}, {@code
 * raise_exception}, {@code strftime_now}, {@code tojson} as Python's {@code json.dumps}, and Python's
 * rules for values ({@code True}, {@code None}, {@code 3/2 == 1.5}, code-point string indexing). It
 * is the prompt format a fine-tuned source was trained on, byte for byte.
 *
 * <pre>{@code
 * HfChatTemplate zephyr = new HfChatTemplate(
 *         "{% for message in messages %}{{ '<|' + message['role'] + '|>\n' + message['content'] + eos_token }}\n"
 *         + "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}", "<s>", "</s>");
 * String prompt = zephyr.render(List.of(ChatMessage.user("Hi")), true);
 * // "<|user|>\nHi</s>\n<|assistant|>"
 * }</pre>
 *
 * <p>The context is what transformers passes: {@code messages} (maps with {@code role} and {@code
 * content}, or whatever keys {@link #renderMessages} is given), {@code tools} and {@code documents}
 * ({@code None} unless given), {@code add_generation_prompt}, the special tokens that are set ({@code
 * bos_token}, {@code eos_token}, ...), then any extra variables ({@code enable_thinking}, {@code
 * date_string}, ...). As a {@link ChatFormat} it renders with the generation prompt.
 *
 * <p>Parsed once at construction; immutable and thread-safe. Rendering is bounded (see {@link
 * Template}); a template that fails, or rejects the conversation with {@code raise_exception},
 * throws {@link ChatTemplateException}.
 */
public final class HfChatTemplate implements ChatFormat {
    private final String id;
    private final String source;
    private final Template template;
    private final Map<String, String> specialTokens;
    private final Clock clock;
    private final boolean writesBos;

    /**
     * A template with BOS and EOS token strings and the system clock.
     *
     * @param template the Jinja source
     * @param bosToken the BOS token string ({@code bos_token}), or null if the tokenizer has none
     * @param eosToken the EOS token string ({@code eos_token}), or null if the tokenizer has none
     * @throws ChatTemplateException if the template cannot be parsed (the message names line and column)
     */
    public HfChatTemplate(String template, String bosToken, String eosToken) {
        this("hf-chat-template", template, tokens(bosToken, eosToken), Clock.systemDefaultZone());
    }

    /**
     * A template with any special tokens and a clock.
     *
     * @param id the name for logs and command lines
     * @param template the Jinja source
     * @param specialTokens variables such as {@code bos_token}, {@code eos_token}, {@code unk_token},
     *     {@code pad_token} (transformers' {@code special_tokens_map}); absent means undefined
     * @param clock the time {@code strftime_now} formats, in the clock's zone
     * @throws ChatTemplateException if the template cannot be parsed
     * @throws IllegalArgumentException if the id is blank or a token name or value is null
     */
    public HfChatTemplate(String id, String template, Map<String, String> specialTokens, Clock clock) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("chat template id must be non-blank, got " + (id == null ? null : "\"" + id + "\""));
        }
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(clock, "clock");
        Map<String, String> tokens = new LinkedHashMap<>();
        specialTokens.forEach((k, v) -> {
            if (k == null || v == null) {
                throw new IllegalArgumentException("special token " + k + " = " + v + "; expected a name and a string");
            }
            tokens.put(k, v);
        });
        this.id = id;
        this.source = template;
        this.specialTokens = Collections.unmodifiableMap(tokens);
        this.clock = clock;
        try {
            this.template = Template.parse(template);
        } catch (JinjaException e) {
            throw wrap(e);
        }
        this.writesBos = probeWritesBos();
    }

    private static Map<String, String> tokens(String bos, String eos) {
        Map<String, String> m = new LinkedHashMap<>();
        if (bos != null) {
            m.put("bos_token", bos);
        }
        if (eos != null) {
            m.put("eos_token", eos);
        }
        return m;
    }

    /** Whether a one-turn conversation renders starting with the BOS text; where that fails, whether the source names bos_token. */
    private boolean probeWritesBos() {
        String bos = specialTokens.get("bos_token");
        if (bos == null || bos.isEmpty()) {
            return false;
        }
        try {
            return render(List.of(ChatMessage.user("Hello")), true).startsWith(bos);
        } catch (ChatTemplateException e) {
            return source.contains("bos_token");
        }
    }

    /**
     * Renders a conversation.
     *
     * @param messages the turns, in order
     * @param addGenerationPrompt whether to end with the header of the assistant's next turn
     * @return the prompt text
     * @throws ChatTemplateException if the template rejects the conversation or fails
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * Renders a conversation with extra variables ({@code tools}, {@code documents}, {@code
     * enable_thinking}, {@code date_string}, ...).
     *
     * @param messages the turns, in order
     * @param addGenerationPrompt whether to end with the header of the assistant's next turn
     * @param variables extra template variables: String, Number, Boolean, null, Map and List values
     * @return the prompt text
     * @throws ChatTemplateException if the template rejects the conversation or fails
     * @throws IllegalArgumentException if a variable is named messages or add_generation_prompt, or
     *     has an unsupported type
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> variables) {
        List<Map<String, Object>> maps = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role().name().toLowerCase(Locale.ROOT));
            map.put("content", m.content());
            maps.add(map);
        }
        return renderMessages(maps, addGenerationPrompt, variables);
    }

    /**
     * Renders messages given as maps, for turns that carry more than a role and a text: {@code
     * tool_calls}, {@code tool_call_id}, {@code name}, content parts, {@code reasoning_content}.
     *
     * @param messages the turns as maps ({@code role}, {@code content}, ...), values as for variables
     * @param addGenerationPrompt whether to end with the header of the assistant's next turn
     * @param variables extra template variables
     * @return the prompt text
     * @throws ChatTemplateException if the template rejects the conversation or fails
     * @throws IllegalArgumentException if a variable is named messages or add_generation_prompt, or
     *     a value has an unsupported type
     */
    public String renderMessages(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt,
                                 Map<String, ?> variables) {
        Objects.requireNonNull(messages, "messages");
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("messages", messages);
        ctx.put("tools", null);
        ctx.put("documents", null);
        ctx.put("add_generation_prompt", addGenerationPrompt);
        ctx.putAll(specialTokens);
        for (Map.Entry<String, ?> e : variables.entrySet()) {
            if (e.getKey() == null || e.getKey().equals("messages") || e.getKey().equals("add_generation_prompt")) {
                throw new IllegalArgumentException("template variable \"" + e.getKey()
                        + "\" is not allowed; messages and add_generation_prompt are arguments of their own");
            }
            ctx.put(e.getKey(), e.getValue());
        }
        try {
            return template.render(ctx, clock);
        } catch (JinjaException e) {
            throw wrap(e);
        }
    }

    private ChatTemplateException wrap(JinjaException e) {
        String message = "chat template '" + id + "': " + e.getMessage();
        return new ChatTemplateException(message, e.kind() == JinjaException.Kind.RAISED, e.detail(), e.line(), e.column(), e);
    }

    /**
     * Renders the conversation with the generation prompt, as a chat prompt for decoding needs.
     *
     * @param messages the turns
     * @return the prompt text
     * @throws ChatTemplateException if the template rejects the conversation or fails
     */
    @Override
    public String render(List<ChatMessage> messages) {
        return render(messages, true);
    }

    @Override
    public String id() {
        return id;
    }

    /**
     * Whether prompts start with the BOS token text, decided once at construction by rendering a
     * one-turn conversation (if that fails, by whether the template mentions {@code bos_token}).
     * Encode such prompts without adding special tokens.
     *
     * @return true if the template writes the BOS token
     */
    @Override
    public boolean writesBos() {
        return writesBos;
    }

    /**
     * The Jinja source.
     *
     * @return the template text
     */
    public String source() {
        return source;
    }

    /**
     * The special-token variables the template sees.
     *
     * @return name to token string, unmodifiable
     */
    public Map<String, String> specialTokens() {
        return specialTokens;
    }

    @Override
    public String toString() {
        return id;
    }
}
