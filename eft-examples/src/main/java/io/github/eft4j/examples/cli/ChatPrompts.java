package io.github.eft4j.examples.cli;

import io.github.eft4j.chat.ChatFormat;
import io.github.eft4j.chat.TemplateChatFormat;
import io.github.eft4j.tokenizer.EncodeOptions;
import io.github.eft4j.tokenizer.Tokenizer;

/** Resolves {@code --chat-format} values and encodes chat prompts the way each format needs. */
final class ChatPrompts {
    private ChatPrompts() {
    }

    /**
     * {@code qa}, a built-in id ({@code llama-2}, {@code llama2}, {@code falcon}, ...), or a template
     * with {user}; a {@code system} prompt the format would drop silently is a usage error.
     */
    static ChatFormat format(String name, String system) {
        ChatFormat f = format(name);
        if (system != null && f instanceof TemplateChatFormat t && !t.template().contains("{system}")) {
            throw new UsageException("--system is not used by --chat-format " + name
                    + " (its template has no {system}); use llama2, falcon, plain or a template with {system}");
        }
        return f;
    }

    /** {@code qa}, a built-in id ({@code llama-2}, {@code llama2}, {@code falcon}, ...), or a template with {user}. */
    static ChatFormat format(String name) {
        return switch (name) {
            case "qa" -> TemplateChatFormat.QA;
            case "llama2" -> ChatFormat.LLAMA_2;
            case "falcon" -> ChatFormat.FALCON_INSTRUCT;
            default -> {
                if (name.contains("{user}")) {
                    yield new TemplateChatFormat("custom", name.replace("\\n", "\n"));
                }
                try {
                    yield ChatFormat.of(name);
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--chat-format: unknown format '" + name
                            + "'; expected qa, llama2 (llama-2), falcon (falcon-instruct), plain, or a template containing {user}");
                }
            }
        };
    }

    /** Encodes a formatted prompt: formats that write BOS as text must not get a second one. */
    static int[] encode(Tokenizer tok, ChatFormat format, String system, String user) {
        String text = format.prompt(system, user);
        int[] ids = tok.encode(text, format.writesBos() ? new EncodeOptions(false, true) : EncodeOptions.DEFAULT);
        if (ids.length == 0) {
            throw new UsageException("the prompt encodes to no tokens; give a non-empty --prompt");
        }
        return ids;
    }
}
