package io.github.eft4j.examples.cli;

import io.github.eft4j.chat.ChatFormat;
import io.github.eft4j.chat.ChatMessage;
import io.github.eft4j.chat.HfChatTemplate;
import io.github.eft4j.chat.TemplateChatFormat;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.SourcePrompts;
import io.github.eft4j.onnx.ModelFolder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The prompt options ({@code --prompt}, {@code --system}, {@code --chat-format},
 * {@code --base-format}, {@code --base-prompt}) turned into the library's {@link SourcePrompts}.
 * The rule itself (fine-tuned: chat format; base: plain text or the base prompt; BOS) is the
 * library's.
 */
final class ChatPrompts {
    private ChatPrompts() {
    }

    static final String CHAT_FORMATS = "folder (each fine-tuned folder's own chat template: tokenizer_config.json or "
            + "chat_template.jinja) | qa | llama-2 | falcon-instruct | plain | a template with {user}";
    static final String CHAT_DEFAULT = "the folder's chat template where it has one, else qa";

    static OptionSpec options(OptionSpec s) {
        return s.section("Prompts")
                .option("prompt", "TEXT", "the user's request", "'" + MiniFamily.DEFAULT_QUESTION + "'")
                .option("system", "TEXT", "system message, for formats with a system slot (llama-2, falcon-instruct, plain, a template with {system})", null)
                .option("chat-format", "NAME", "fine-tuned sources' format: " + CHAT_FORMATS, CHAT_DEFAULT)
                .option("base-format", "NAME", "base sources' format: plain | mini-prose (the mini family's "
                        + "'The word \"X\" means') | a chat format (the same prompt for all)",
                        "mini-prose for the embedded family's folders, plain for your own")
                .option("base-prompt", "TEXT", "base sources see exactly this text instead (replaces --base-format)", null);
    }

    /** {@code qa}, a built-in id ({@code llama-2}, {@code falcon-instruct}, {@code plain}; {@code llama2}, {@code falcon}), or a template with {user}. */
    static ChatFormat chatFormat(String option, String name) {
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
                    throw new UsageException("--" + option + ": unknown format '" + name + "'; expected "
                            + (option.equals("base-format") ? "mini-prose, " : "") + CHAT_FORMATS);
                }
            }
        };
    }

    /** {@code --base-format}, defaulting to mini-prose when every base folder is the embedded family's. */
    static ChatFormat baseFormat(OptionSpec.Parsed a, Collection<Path> baseFolders) {
        String name = a.string("base-format", null);
        if (name == null) {
            boolean family = !baseFolders.isEmpty() && baseFolders.stream().allMatch(MiniFamily::contains);
            return family ? MiniFamily.PROSE : ChatFormat.PLAIN;
        }
        return name.equals("mini-prose") ? MiniFamily.PROSE : chatFormat("base-format", name);
    }

    static String user(OptionSpec.Parsed a) {
        if (a.has("prompt") && a.string("prompt", "").isBlank()) {
            // often an unset shell variable; the tokenizer's BOS would make it "work" silently
            throw new UsageException("--prompt is empty; give the request text, or omit --prompt for the default question");
        }
        return a.string("prompt", MiniFamily.DEFAULT_QUESTION);
    }

    static List<ChatMessage> messages(OptionSpec.Parsed a) {
        List<ChatMessage> m = new ArrayList<>();
        String system = a.string("system", null);
        if (system != null && !system.isEmpty()) {
            m.add(ChatMessage.system(system));
        }
        m.add(ChatMessage.user(user(a)));
        return m;
    }

    /**
     * Builds the library's prompt builder for the components, and renders every format once to
     * turn a request a format cannot render into a usage error before any model loads.
     *
     * @param fineTuned component → whether it is fine-tuned
     * @param baseFolders the folders of the base components (for the {@code --base-format} default)
     */
    static Builder prepare(OptionSpec.Parsed a, Map<String, Boolean> fineTuned, Collection<Path> baseFolders) {
        return prepare(a, fineTuned, baseFolders, messages(a));
    }

    /** As {@link #prepare(OptionSpec.Parsed, Map, Collection)} for a given conversation. */
    static Builder prepare(OptionSpec.Parsed a, Map<String, Boolean> fineTuned, Collection<Path> baseFolders, List<ChatMessage> messages) {
        a.conflicts("base-prompt", "base-format", "the base prompt replaces the base format's rendering");
        if (a.has("base-prompt") && a.string("base-prompt", "").isBlank()) {
            throw new UsageException("--base-prompt is empty; give the base models' text, or omit it for the base format's rendering");
        }
        String chatName = a.string("chat-format", null);
        // null: each fine-tuned folder's own template, known once the folders are loaded
        ChatFormat chat = chatName == null || chatName.equals("folder") ? null : chatFormat("chat-format", chatName);
        ChatFormat base = baseFormat(a, baseFolders);
        boolean anyFt = fineTuned.containsValue(true);
        boolean anyBase = fineTuned.containsValue(false);
        if (anyFt && chat != null) {
            check("chat-format", chat, messages);
        }
        if (anyBase && !a.has("base-prompt")) {
            check("base-format", base, messages);
        }
        return new Builder(fineTuned, chat, "folder".equals(chatName), base, a.string("base-prompt", null), messages);
    }

    private static void check(String option, ChatFormat f, List<ChatMessage> messages) {
        try {
            f.render(messages);
        } catch (IllegalArgumentException e) {
            String hint = f == MiniFamily.PROSE ? "; give --base-prompt TEXT or --base-format plain" : "";
            if (messages.size() > 1 && rendersWithoutSystem(f, messages)) {
                throw new UsageException("--system is not used by --" + option + " " + f.id() + " (it has no system slot)"
                        + (hint.isEmpty() ? "; use llama-2, falcon-instruct, plain or a template with {system}" : hint));
            }
            throw new UsageException("--" + option + " " + f.id() + " cannot render this request: " + e.getMessage() + hint);
        }
    }

    private static boolean rendersWithoutSystem(ChatFormat f, List<ChatMessage> messages) {
        try {
            f.render(messages.subList(1, messages.size()));
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * The checked choices; {@link #render(Commands.Models)} once the folders are loaded.
     *
     * @param chat the fine-tuned sources' format, or null for each folder's own template
     * @param folderOnly with {@code chat == null}: a folder without a template is an error (else qa)
     */
    record Builder(Map<String, Boolean> fineTuned, ChatFormat chat, boolean folderOnly, ChatFormat base, String basePrompt,
            List<ChatMessage> messages) {
        SourcePrompts.Rendered render(Commands.Models m) {
            SourcePrompts.Builder b = SourcePrompts.builder(m.tokenizer()).baseFormat(base).basePrompt(basePrompt);
            List<ChatFormat> chats = new ArrayList<>();
            fineTuned.forEach((c, ft) -> {
                if (ft) {
                    ChatFormat f = chat != null ? chat : folderFormat(m.folders.get(c), folderOnly);
                    chats.add(f);
                    b.fineTuned(c, f);
                } else {
                    b.base(c);
                }
            });
            try {
                return b.build().render(messages);
            } catch (IllegalArgumentException e) {
                for (ChatFormat f : chats) {
                    check("chat-format", f, messages); // the same message as before loading, where it applies
                }
                throw new UsageException(e.getMessage());
            }
        }

        private static ChatFormat folderFormat(ModelFolder f, boolean required) {
            Optional<HfChatTemplate> t = f.chatTemplate();
            if (t.isPresent()) {
                return t.get();
            }
            if (required) {
                throw new UsageException("--chat-format folder: " + f.dir() + " has no chat template (tokenizer_config.json "
                        + "chat_template or chat_template.jinja); name a format instead");
            }
            return TemplateChatFormat.QA;
        }
    }

    /** Component → fine-tuned, for a spec in {@link EFTSpec}'s vocabulary. */
    static Map<String, Boolean> roles(EFTSpec spec) {
        Map<String, Boolean> m = new LinkedHashMap<>();
        for (String c : spec.names()) {
            m.put(c, EFTSpec.FINE_TUNED.contains(c));
        }
        return m;
    }

    /** What each source sees, grouped by identical prompts: one line per group. */
    static List<String> describe(SourcePrompts.Rendered r) {
        Map<String, List<String>> groups = new LinkedHashMap<>();
        Map<String, SourcePrompts.SourceText> first = new LinkedHashMap<>();
        for (SourcePrompts.SourceText s : r.sources()) {
            String key = s.format() + "\u0000" + s.text();
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(s.component());
            first.putIfAbsent(key, s);
        }
        List<String> lines = new ArrayList<>();
        groups.forEach((k, names) -> {
            SourcePrompts.SourceText s = first.get(k);
            lines.add(String.join(", ", names) + (names.size() == 1 ? " sees" : " see") + " (" + s.format() + ", "
                    + s.ids().length + " tokens): " + JsonText.quote(s.text()));
        });
        return lines;
    }
}
