package io.github.eft4j.examples.cli;

import io.github.eft4j.chat.ChatFormat;
import io.github.eft4j.chat.ChatMessage;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The embedded mini family ({@code models/mini}, trained by {@code tools/family}): where it is,
 * its default request, and the prompt its base models understand.
 */
final class MiniFamily {
    private MiniFamily() {
    }

    /** The default request: a held-out word (seen in pre-training prose, never in Q/A form). */
    static final String DEFAULT_QUESTION = "What does \"alight\" mean?";

    /** Held-out words for {@code bench}'s default requests. */
    static final List<String> BENCH_WORDS = List.of("inconsistent", "alight", "indefensible", "firsthand", "orthopedic", "antitrust");

    /**
     * The family's base models were pre-trained on dictionary prose only, so their plain prompt
     * for {@code What does "X" mean?} is their pre-training phrasing {@code The word "X" means}.
     */
    static final ChatFormat PROSE = new ProseFormat();

    /** {@code $eft4j.home/models/mini}, else {@code ./models/mini}. */
    static Path dir() {
        String home = System.getProperty("eft4j.home");
        return (home == null ? Path.of("") : Path.of(home)).toAbsolutePath().resolve("models").resolve("mini");
    }

    /** Whether a model folder is one of the embedded family's. */
    static boolean contains(Path folder) {
        return folder.toAbsolutePath().normalize().startsWith(dir().normalize());
    }

    static String question(String word) {
        return "What does \"" + word + "\" mean?";
    }

    /** The {@code mini-prose} base format. */
    private static final class ProseFormat implements ChatFormat {
        private static final Pattern QUESTION = Pattern.compile("\\s*What does \"([^\"]+)\" mean\\?\\s*");

        @Override
        public String render(List<ChatMessage> messages) {
            if (messages.size() != 1 || messages.get(0).role() != ChatMessage.Role.USER) {
                throw new IllegalArgumentException("format mini-prose renders one user question and no system message, got "
                        + messages.stream().map(m -> m.role().name()).toList());
            }
            Matcher m = QUESTION.matcher(messages.get(0).content());
            if (!m.matches()) {
                throw new IllegalArgumentException("format mini-prose renders only 'What does \"WORD\" mean?' (the family's base models know words "
                        + "from prose only), got '" + messages.get(0).content() + "'");
            }
            return "The word \"" + m.group(1) + "\" means";
        }

        @Override
        public String id() {
            return "mini-prose";
        }

        @Override
        public String toString() {
            return id();
        }
    }
}
