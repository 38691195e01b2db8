package io.github.eft4j.chat;

import java.io.Serial;

/**
 * A Hugging Face chat template that cannot be parsed, that fails while rendering, or that rejected
 * the conversation with {@code raise_exception} (for example "Conversation roles must alternate
 * user/assistant/user/assistant/..."). The message names the line and column in the template.
 */
public final class ChatTemplateException extends IllegalArgumentException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Whether the template called raise_exception. */
    private final boolean raised;
    /** The message without the position. */
    private final String templateMessage;
    /** 1-based line, 0 if unknown. */
    private final int line;
    /** 1-based column, 0 if unknown. */
    private final int column;

    ChatTemplateException(String message, boolean raised, String templateMessage, int line, int column, Throwable cause) {
        super(message, cause);
        this.raised = raised;
        this.templateMessage = templateMessage;
        this.line = line;
        this.column = column;
    }

    /**
     * The same failure with the template's origin (a file, a model folder) in front of the message.
     *
     * @param origin where the template came from, e.g. {@code models/chat/tokenizer_config.json}
     * @return a new exception; this one is its cause
     */
    public ChatTemplateException withOrigin(String origin) {
        return new ChatTemplateException(origin + ": " + getMessage(), raised, templateMessage, line, column, this);
    }

    /**
     * Whether the template itself rejected the input with {@code raise_exception(message)}.
     *
     * @return true for a deliberate rejection, false for a template that is broken or unsupported
     */
    public boolean raisedByTemplate() {
        return raised;
    }

    /**
     * The message without the position: for a rejection, exactly the text the template passed to
     * {@code raise_exception}, as transformers reports it.
     *
     * @return the bare message
     */
    public String templateMessage() {
        return templateMessage;
    }

    /**
     * The 1-based line in the template of the construct that failed.
     *
     * @return the line, 0 if unknown
     */
    public int line() {
        return line;
    }

    /**
     * The 1-based column in the template of the construct that failed.
     *
     * @return the column, 0 if unknown
     */
    public int column() {
        return column;
    }
}
