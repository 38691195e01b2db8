package io.github.eft4j.chat;

import java.util.List;

/**
 * A single-turn format given as a template with a {@code {user}} placeholder and an optional
 * {@code {system}} one, for models fine-tuned on a format of their own (the project's mini family
 * uses {@code "Q: {user}\nA:"}).
 *
 * <pre>{@code
 * ChatFormat qa = new TemplateChatFormat("qa", "Q: {user}\nA:");
 * qa.prompt(null, "What does \"harbor\" mean?");   // "Q: What does \"harbor\" mean?\nA:"
 * }</pre>
 *
 * @param id the name used in logs and on command lines
 * @param template the template; must contain {@code {user}}
 */
public record TemplateChatFormat(String id, String template) implements ChatFormat {

    /** The mini family's question/answer format. */
    public static final TemplateChatFormat QA = new TemplateChatFormat("qa", "Q: {user}\nA:");

    /** Validates the template. */
    public TemplateChatFormat {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("template format id must be non-blank, got " + id);
        }
        if (template == null || !template.contains("{user}")) {
            throw new IllegalArgumentException("chat template must contain {user}, got " + (template == null ? null : "\"" + template + "\""));
        }
    }

    /**
     * Renders one optional system message and one user message.
     *
     * @param messages an optional system message, then exactly one user message
     * @return the template with its placeholders replaced ({@code {system}} by "" when absent)
     * @throws IllegalArgumentException for any other sequence of turns, or a system message when
     *     the template has no {@code {system}} (it would be dropped silently)
     */
    @Override
    public String render(List<ChatMessage> messages) {
        String system = "";
        int i = 0;
        if (!messages.isEmpty() && messages.get(0).role() == ChatMessage.Role.SYSTEM) {
            system = messages.get(0).content();
            i = 1;
        }
        if (messages.size() != i + 1 || messages.get(i).role() != ChatMessage.Role.USER) {
            throw new IllegalArgumentException("template format '" + id + "' renders one user turn (after an optional system turn), got "
                    + messages.stream().map(m -> m.role().name()).toList());
        }
        if (i == 1 && !system.isEmpty() && !template.contains("{system}")) {
            throw new IllegalArgumentException("template format '" + id + "' has no {system} placeholder, so the system message would be dropped");
        }
        return template.replace("{system}", system).replace("{user}", messages.get(i).content());
    }
}
