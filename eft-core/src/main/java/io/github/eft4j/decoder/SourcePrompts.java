package io.github.eft4j.decoder;

import io.github.eft4j.chat.ChatFormat;
import io.github.eft4j.chat.ChatMessage;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.tokenizer.EncodeOptions;
import io.github.eft4j.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Builds the prompt every source of an EFT combination sees, as token ids: the EFT rule in one
 * place. Fine-tuned sources get their chat format; base sources get plain text ({@link
 * ChatFormat#PLAIN}, or another base format), or an explicit base prompt that replaces it. The BOS
 * rule: the tokenizer adds its special tokens (Llama's {@code <s>}) unless the rendered text
 * already starts with the BOS token ({@link ChatFormat#writesBos()}, or the text itself); special
 * tokens written in the text are parsed, as {@code apply_chat_template} users do.
 *
 * <pre>{@code
 * SourcePrompts prompts = SourcePrompts.forSpec(EFTSpec.upscale(), tokenizer, TemplateChatFormat.QA);
 * SourcePrompts.Rendered r = prompts.render(null, "What does \"alight\" mean?");
 * GenerationResult g = eft.generate(r.prompt(), config);
 * r.source(EFTSpec.SMALL_FT).text();     // "Q: What does \"alight\" mean?\nA:"
 * r.source(EFTSpec.LARGE_BASE).text();   // "What does \"alight\" mean?"
 *
 * Prompt p = SourcePrompts.builder(tokenizer)
 *         .spec(EFTSpec.upscale(), TemplateChatFormat.QA)  // fine-tuned: Q/A; bases: plain text
 *         .basePrompt("The word \"alight\" means")        // replaces the bases' rendering
 *         .build().render(null, "What does \"alight\" mean?").prompt();
 *
 * SourcePrompts own = SourcePrompts.builder(tokenizer)     // components of your own naming
 *         .fineTuned("chat", ChatFormat.LLAMA_2)
 *         .base("base")
 *         .build();
 * }</pre>
 *
 * Any {@link ChatFormat} plugs in, including templates read from a model folder. Immutable and
 * thread-safe.
 */
public final class SourcePrompts {

    /** The format id reported for base sources that see the explicit {@linkplain Builder#basePrompt base prompt}. */
    public static final String BASE_PROMPT = "base-prompt";

    private record Entry(String component, boolean fineTuned, ChatFormat format) {
    }

    private final Tokenizer tokenizer;
    private final List<Entry> entries;
    private final String basePrompt;

    private SourcePrompts(Tokenizer tokenizer, List<Entry> entries, String basePrompt) {
        this.tokenizer = tokenizer;
        this.entries = List.copyOf(entries);
        this.basePrompt = basePrompt;
    }

    /**
     * What one source sees.
     *
     * @param component the component name
     * @param fineTuned whether the source is fine-tuned (chat format) rather than a base
     * @param format the id of the format that rendered {@code text}, or {@link #BASE_PROMPT}
     * @param text the prompt text
     * @param ids its token ids, not empty
     * @param bosAdded whether the tokenizer added its special tokens (false when the text writes BOS)
     */
    public record SourceText(String component, boolean fineTuned, String format, String text, int[] ids, boolean bosAdded) {
        /** Validates and copies. */
        public SourceText {
            Objects.requireNonNull(component, "component");
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(text, "text");
            if (ids == null || ids.length == 0) {
                throw new IllegalArgumentException("prompt of '" + component + "' must hold at least one token, got none");
            }
            ids = ids.clone();
        }

        /**
         * Returns a copy of the token ids.
         *
         * @return the ids
         */
        @Override
        public int[] ids() {
            return ids.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SourceText s && component.equals(s.component) && fineTuned == s.fineTuned
                    && format.equals(s.format) && text.equals(s.text) && Arrays.equals(ids, s.ids) && bosAdded == s.bosAdded;
        }

        @Override
        public int hashCode() {
            return Objects.hash(component, format, text) * 31 + Arrays.hashCode(ids);
        }

        @Override
        public String toString() {
            return "SourceText[" + component + ", " + format + ", \"" + text + "\", " + ids.length + " tokens]";
        }
    }

    /**
     * The prompts of one request.
     *
     * @param prompt the per-component prompt for the decoder
     * @param sources what each source sees, in the order the sources were declared
     */
    public record Rendered(Prompt prompt, List<SourceText> sources) {
        /** Copies the list. */
        public Rendered {
            Objects.requireNonNull(prompt, "prompt");
            sources = List.copyOf(sources);
        }

        /**
         * Returns what one source sees.
         *
         * @param component the component name
         * @return its prompt
         * @throws IllegalArgumentException if no source has that name
         */
        public SourceText source(String component) {
            for (SourceText s : sources) {
                if (s.component().equals(component)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("no source named '" + component + "'; expected one of "
                    + sources.stream().map(SourceText::component).toList());
        }
    }

    /**
     * Starts a builder.
     *
     * @param tokenizer the tokenizer all sources share
     * @return the builder
     * @throws NullPointerException if {@code tokenizer} is null
     */
    public static Builder builder(Tokenizer tokenizer) {
        return new Builder(Objects.requireNonNull(tokenizer, "tokenizer"));
    }

    /**
     * The EFT default for a spec whose components use {@link EFTSpec}'s names: {@link
     * EFTSpec#FINE_TUNED} components get {@code chat}, {@link EFTSpec#BASES} the plain text.
     *
     * @param spec the combination
     * @param tokenizer the tokenizer all sources share
     * @param chat the fine-tuned sources' format
     * @return the prompt builder
     * @throws IllegalArgumentException if a component name is not one of {@link EFTSpec}'s (then
     *     say per source with {@link #builder(Tokenizer)})
     */
    public static SourcePrompts forSpec(EFTSpec spec, Tokenizer tokenizer, ChatFormat chat) {
        return builder(tokenizer).spec(spec, chat).build();
    }

    /**
     * Renders one (system, user) exchange for every source.
     *
     * @param system the system message, or null or empty for none
     * @param user the user's request
     * @return the prompts
     * @throws IllegalArgumentException if a format cannot render the exchange, or a prompt
     *     encodes to no tokens; the message names the source
     */
    public Rendered render(String system, String user) {
        List<ChatMessage> m = new ArrayList<>(2);
        if (system != null && !system.isEmpty()) {
            m.add(ChatMessage.system(system));
        }
        m.add(ChatMessage.user(Objects.requireNonNull(user, "user")));
        return render(m);
    }

    /**
     * Renders a conversation for every source.
     *
     * @param messages an optional system message, then user and assistant turns alternating,
     *     ending with a user turn
     * @return the prompts
     * @throws IllegalArgumentException if a format cannot render the conversation, or a prompt
     *     encodes to no tokens; the message names the source
     */
    public Rendered render(List<ChatMessage> messages) {
        Map<String, int[]> ids = new LinkedHashMap<>();
        List<SourceText> out = new ArrayList<>();
        for (Entry e : entries) {
            String text;
            String formatId;
            boolean writesBos;
            if (!e.fineTuned() && basePrompt != null) {
                text = basePrompt;
                formatId = BASE_PROMPT;
                writesBos = false;
            } else {
                try {
                    text = e.format().render(messages);
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException("prompt of '" + e.component() + "' (format " + e.format().id() + "): "
                            + ex.getMessage(), ex);
                }
                formatId = e.format().id();
                writesBos = e.format().writesBos();
            }
            boolean addSpecial = !(writesBos || startsWithBos(text));
            int[] t = tokenizer.encode(text, new EncodeOptions(addSpecial, true));
            if (t.length == 0) {
                throw new IllegalArgumentException("prompt of '" + e.component() + "' (format " + formatId + ") encodes to no tokens: \""
                        + text + "\"");
            }
            ids.put(e.component(), t);
            out.add(new SourceText(e.component(), e.fineTuned(), formatId, text, t, addSpecial));
        }
        return new Rendered(Prompt.perComponent(ids), out);
    }

    private boolean startsWithBos(String text) {
        OptionalInt bos = tokenizer.bosId();
        return bos.isPresent() && text.startsWith(tokenizer.idToToken(bos.getAsInt()));
    }

    /**
     * Returns the component names in declaration order.
     *
     * @return the names
     */
    public List<String> components() {
        return entries.stream().map(Entry::component).toList();
    }

    /**
     * Returns the explicit base prompt.
     *
     * @return the text every base source sees, or null when bases render the conversation
     */
    public String basePrompt() {
        return basePrompt;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SourcePrompts[");
        for (Entry e : entries) {
            sb.append(sb.length() > 14 ? ", " : "").append(e.component()).append('=')
                    .append(!e.fineTuned() && basePrompt != null ? BASE_PROMPT : e.format().id());
        }
        return sb.append(']').toString();
    }

    /** Declares the sources; {@link #build()} makes the immutable {@link SourcePrompts}. */
    public static final class Builder {
        private final Tokenizer tokenizer;
        private final Map<String, Entry> entries = new LinkedHashMap<>();
        private ChatFormat baseFormat = ChatFormat.PLAIN;
        private String basePrompt;
        private final List<String> plainBases = new ArrayList<>();

        private Builder(Tokenizer tokenizer) {
            this.tokenizer = tokenizer;
        }

        /**
         * Declares a fine-tuned source.
         *
         * @param component the component name
         * @param format its chat format
         * @return this builder
         * @throws IllegalArgumentException if the name is blank or declared twice
         * @throws NullPointerException if {@code format} is null
         */
        public Builder fineTuned(String component, ChatFormat format) {
            return add(new Entry(component, true, Objects.requireNonNull(format, "format of " + component)));
        }

        /**
         * Declares every component of a spec whose names are {@link EFTSpec}'s: {@link
         * EFTSpec#FINE_TUNED} components get {@code chat}, {@link EFTSpec#BASES} are base
         * sources.
         *
         * @param spec the combination
         * @param chat the fine-tuned sources' format
         * @return this builder
         * @throws IllegalArgumentException if a component name is not one of {@link EFTSpec}'s
         *     (declare it with {@link #fineTuned} or {@link #base(String)}), or is declared twice
         */
        public Builder spec(EFTSpec spec, ChatFormat chat) {
            for (String c : spec.names()) {
                if (EFTSpec.FINE_TUNED.contains(c)) {
                    fineTuned(c, chat);
                } else if (EFTSpec.BASES.contains(c)) {
                    base(c);
                } else {
                    throw new IllegalArgumentException("component '" + c + "' is neither fine-tuned " + EFTSpec.FINE_TUNED.stream().sorted().toList()
                            + " nor a base " + EFTSpec.BASES.stream().sorted().toList() + "; declare it with fineTuned(...) or base(...)");
                }
            }
            return this;
        }

        /**
         * Declares a base source that renders with the {@linkplain #baseFormat base format}
         * ({@link ChatFormat#PLAIN} unless set).
         *
         * @param component the component name
         * @return this builder
         * @throws IllegalArgumentException if the name is blank or declared twice
         */
        public Builder base(String component) {
            add(new Entry(component, false, ChatFormat.PLAIN));
            plainBases.add(component);
            return this;
        }

        /**
         * Declares a base source with a format of its own (e.g. the chat format, for the standard
         * recipe in which every model sees the same prompt).
         *
         * @param component the component name
         * @param format its format
         * @return this builder
         * @throws IllegalArgumentException if the name is blank or declared twice
         * @throws NullPointerException if {@code format} is null
         */
        public Builder base(String component, ChatFormat format) {
            return add(new Entry(component, false, Objects.requireNonNull(format, "format of " + component)));
        }

        /**
         * Sets the format of the base sources declared with {@link #base(String)}.
         *
         * @param format the format; {@link ChatFormat#PLAIN} by default
         * @return this builder
         * @throws NullPointerException if {@code format} is null
         */
        public Builder baseFormat(ChatFormat format) {
            this.baseFormat = Objects.requireNonNull(format, "baseFormat");
            return this;
        }

        /**
         * Makes every base source see this text instead of a rendering of the conversation.
         *
         * @param text the base prompt, or null to render the conversation
         * @return this builder
         * @throws IllegalArgumentException if {@code text} is blank
         */
        public Builder basePrompt(String text) {
            if (text != null && text.isBlank()) {
                throw new IllegalArgumentException("base prompt must not be blank, got \"" + text + "\"");
            }
            this.basePrompt = text;
            return this;
        }

        private Builder add(Entry e) {
            if (e.component() == null || e.component().isBlank()) {
                throw new IllegalArgumentException("component name must be non-blank, got " + e.component());
            }
            if (entries.putIfAbsent(e.component(), e) != null) {
                throw new IllegalArgumentException("source '" + e.component() + "' is declared twice");
            }
            return this;
        }

        /**
         * Builds the prompt builder.
         *
         * @return the immutable prompt builder
         * @throws IllegalArgumentException if no source was declared
         */
        public SourcePrompts build() {
            if (entries.isEmpty()) {
                throw new IllegalArgumentException("no sources declared; expected at least one fineTuned or base source");
            }
            List<Entry> list = new ArrayList<>();
            for (Entry e : entries.values()) {
                list.add(plainBases.contains(e.component()) ? new Entry(e.component(), false, baseFormat) : e);
            }
            return new SourcePrompts(tokenizer, list, basePrompt);
        }
    }
}
