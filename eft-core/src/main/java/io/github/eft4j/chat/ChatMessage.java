package io.github.eft4j.chat;

import java.util.Objects;

/**
 * One turn of a conversation.
 *
 * @param role who speaks
 * @param content what is said (may be empty, never null)
 */
public record ChatMessage(Role role, String content) {
    /** Who speaks in a {@link ChatMessage}. */
    public enum Role {
        /** Instructions that frame the conversation. */
        SYSTEM,
        /** The person asking. */
        USER,
        /** The model. */
        ASSISTANT
    }

    /**
     * Validates the message.
     *
     * @throws NullPointerException if role or content is null
     */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    /**
     * A system message.
     *
     * @param content the instructions
     * @return the message
     */
    public static ChatMessage system(String content) {
        return new ChatMessage(Role.SYSTEM, content);
    }

    /**
     * A user message.
     *
     * @param content the text
     * @return the message
     */
    public static ChatMessage user(String content) {
        return new ChatMessage(Role.USER, content);
    }

    /**
     * An assistant message.
     *
     * @param content the text
     * @return the message
     */
    public static ChatMessage assistant(String content) {
        return new ChatMessage(Role.ASSISTANT, content);
    }
}
