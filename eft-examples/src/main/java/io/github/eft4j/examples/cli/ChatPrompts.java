package io.github.eft4j.examples.cli;

import io.github.eft4j.chat.ChatFormat;
import io.github.eft4j.chat.ChatMessage;
import io.github.eft4j.chat.SourcePrompts;
import io.github.eft4j.chat.TemplateChatFormat;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The prompt options ({@code --prompt}, {@code --system}, {@code --chat-format},
 * {@code --base-format}, {@code --base-prompt}) turned into the library's {@link SourcePrompts}.
 * The rule itself (fine-tuned: chat format; base: plain text or the base prompt; BOS) is the
 * library's.
 */
final class ChatPrompts {
    private ChatPrompts() {
    }

    static final String CHAT_FORMATS = "qa | llama-2 | falcon-instruct | plain | a template with {user}";

    static OptionSpec options(OptionSpec s) {
        return s.section("Prompts")
                .option("prompt", "TEXT", "the user's request", "'" + MiniFamily.DEFAULT_QUESTION + "'")
                .option("system", "TEXT", "system message, for formats with a system slot (llama-2, falcon-instruct, plain, a template with {system})", null)
                .option("chat-format", "NAME", "fine-tuned sources' format: " + CHAT_FORMATS, "qa")
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
        ChatFormat chat = chatFormat("chat-format", a.string("chat-format", "qa"));
        ChatFormat base = baseFormat(a, baseFolders);
        boolean anyFt = fineTuned.containsValue(true);
        boolean anyBase = fineTuned.containsValue(false);
        if (anyFt) {
            check("chat-format", chat, messages);
        }
        if (anyBase && !a.has("base-prompt")) {
            check("base-format", base, messages);
        }
        return new Builder(fineTuned, chat, base, a.string("base-prompt", null), messages);
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

    /** The checked choices; {@link #render(Tokenizer)} once the tokenizer is loaded. */
    record Builder(Map<String, Boolean> fineTuned, ChatFormat chat, ChatFormat base, String basePrompt, List<ChatMessage> messages) {
        SourcePrompts.Rendered render(Tokenizer tok) {
            SourcePrompts.Builder b = SourcePrompts.builder(tok).baseFormat(base).basePrompt(basePrompt);
            fineTuned.forEach((c, ft) -> {
                if (ft) {
                    b.fineTuned(c, chat);
                } else {
                    b.base(c);
                }
            });
            try {
                return b.build().render(messages);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
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
