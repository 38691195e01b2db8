package io.github.eft4j.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Renders a conversation to the prompt text a model was trained on.
 *
 * <p>In emulated fine-tuning the sources of one up-scaling triple see different prompts: the
 * fine-tuned source gets its chat format, the base sources get the {@linkplain #PLAIN plain} text,
 * as the open EFT and proxy-tuning implementations do (Mitchell et al. 2023; Liu et al. 2024):
 * base models were never trained on chat markup, and the EFT difference term {@code log p_ft -
 * log p_base} should measure what fine-tuning changed, given each model's natural input.
 * {@link io.github.eft4j.decoder.SourcePrompts} applies that rule and the BOS rule below and
 * builds the decoder's prompt; a caller may pick formats per source there.
 *
 * <pre>{@code
 * String ft = ChatFormat.LLAMA_2.prompt("Be brief.", "What is EFT?");
 * // "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nWhat is EFT? [/INST]"
 * String base = ChatFormat.PLAIN.prompt("Be brief.", "What is EFT?");
 * // "Be brief.\n\nWhat is EFT?"
 * }</pre>
 *
 * <p>Formats that write the BOS token as text ({@link #LLAMA_2}) report it with {@link
 * #writesBos()}: encode their prompts without adding special tokens and with special-token parsing
 * on ({@code new EncodeOptions(false, true)}), as {@code apply_chat_template} users do; {@link
 * io.github.eft4j.decoder.SourcePrompts} does.
 */
public interface ChatFormat {
    /**
     * Llama-2 chat, exactly as its Hugging Face chat template renders: {@code <s>[INST]
     * <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST]}, each earlier answer followed by {@code  </s>}
     * and the next turn opening with {@code <s>[INST] }. Contents are trimmed as the template does.
     */
    ChatFormat LLAMA_2 = BuiltinChatFormat.LLAMA_2;

    /**
     * Falcon-instruct: an optional system line, then {@code User: {user}\nAssistant:}; earlier
     * answers as {@code Assistant: {answer}\n}. Falcon-7B/40B-instruct ship no chat template; this is
     * the common plain-text convention for them.
     */
    ChatFormat FALCON_INSTRUCT = BuiltinChatFormat.FALCON_INSTRUCT;

    /**
     * No markup: the contents in order, separated by a blank line. The prompt for base models.
     */
    ChatFormat PLAIN = BuiltinChatFormat.PLAIN;

    /**
     * Renders a conversation, ending where the assistant's next answer starts.
     *
     * @param messages the turns: an optional leading system message, then user and assistant turns
     *     alternating, starting and ending with a user turn
     * @return the prompt text
     * @throws IllegalArgumentException if the turns are not in that order
     */
    String render(List<ChatMessage> messages);

    /**
     * A short name for logs and command lines ({@code llama-2}, {@code falcon-instruct}, {@code
     * plain}).
     *
     * @return the name
     */
    String id();

    /**
     * Whether the rendered text starts with the BOS token written as text.
     *
     * @return true if encoding must not add another BOS
     */
    default boolean writesBos() {
        return false;
    }

    /**
     * Renders one (system, user) exchange.
     *
     * @param system the system message, or null or empty for none
     * @param user the user message
     * @return the prompt text
     */
    default String prompt(String system, String user) {
        List<ChatMessage> m = new ArrayList<>(2);
        if (system != null && !system.isEmpty()) {
            m.add(ChatMessage.system(system));
        }
        m.add(ChatMessage.user(user));
        return render(m);
    }

    /**
     * The EFT default: a fine-tuned source gets its chat format, a base source the plain prompt.
     *
     * @param fineTuned whether the source is a fine-tuned (chat/instruct) model
     * @param chat the fine-tuned family's chat format
     * @return {@code chat} for fine-tuned sources, {@link #PLAIN} for base sources
     * @deprecated the rule lives in {@link io.github.eft4j.decoder.SourcePrompts}, which applies
     *     it to every source of a spec together with the BOS rule, a base format or an explicit
     *     base prompt, and builds the decoder's prompt
     */
    @Deprecated(forRemoval = true)
    static ChatFormat forSource(boolean fineTuned, ChatFormat chat) {
        return fineTuned ? chat : PLAIN;
    }

    /**
     * Looks a built-in format up by {@link #id()}.
     *
     * @param name {@code llama-2}, {@code falcon-instruct} or {@code plain}
     * @return the format
     * @throws IllegalArgumentException if the name is none of those
     */
    static ChatFormat of(String name) {
        for (BuiltinChatFormat f : BuiltinChatFormat.values()) {
            if (f.id().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown chat format \"" + name + "\"; expected llama-2, falcon-instruct or plain");
    }
}
