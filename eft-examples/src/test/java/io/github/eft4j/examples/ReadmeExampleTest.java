package io.github.eft4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.eft.UpscaleExample;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Keeps README's "Use it from Java" section true. Its Java example is the file of the consumer
 * project that it/run.sh builds against the installed artifacts (it/consumer's UpscaleExample,
 * compiled into these tests by this module's pom), and its CPU-only switch is that project's
 * {@code cpu} profile. Runs from the repository root.
 */
class ReadmeExampleTest {
    private static final Path EXAMPLE = Path.of("it/consumer/src/main/java/com/example/eft/UpscaleExample.java");
    private static final Path CONSUMER_POM = Path.of("it/consumer/pom.xml");
    /** README's marker line before the CPU-only block. */
    private static final String CPU_MARKER = "<!-- the cpu profile of it/consumer/pom.xml -->";

    private static String dedent(List<String> lines) {
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent).stripTrailing()).collect(Collectors.joining("\n")).strip();
    }

    /** The lines of the first fenced block opened by {@code fence} after line {@code from}. */
    private static List<String> block(List<String> lines, int from, String fence) {
        int open = lines.subList(from, lines.size()).indexOf(fence);
        assertTrue(open >= 0, "README has no " + fence + " block after line " + (from + 1));
        open += from;
        int close = lines.subList(open + 1, lines.size()).indexOf("```") + open + 1;
        return lines.subList(open + 1, close);
    }

    private static List<String> readme() throws Exception {
        return Files.readAllLines(Path.of("README.md"));
    }

    @Test
    void readmeExampleIsTheConsumersFile() throws Exception {
        List<String> readme = readme();
        int start = readme.indexOf("## Use it from Java");
        assertTrue(start >= 0, "README has no '## Use it from Java' section");
        assertEquals(dedent(Files.readAllLines(EXAMPLE)), dedent(block(readme, start, "```java")),
                "README's Java example and " + EXAMPLE + " differ");
    }

    @Test
    void readmeCpuSwitchIsTheConsumersCpuProfile() throws Exception {
        List<String> readme = readme();
        int marker = readme.indexOf(CPU_MARKER);
        assertTrue(marker >= 0, "README has no line " + CPU_MARKER);
        List<String> pom = Files.readAllLines(CONSUMER_POM);
        int profile = pom.indexOf("      <id>cpu</id>");
        assertTrue(profile >= 0, CONSUMER_POM + " has no cpu profile");
        int from = pom.subList(profile, pom.size()).indexOf("      <dependencies>") + profile;
        int to = pom.subList(from, pom.size()).indexOf("      </dependencies>") + from;
        assertEquals(dedent(pom.subList(from + 1, to)), dedent(block(readme, marker, "```xml")),
                "README's CPU-only dependencies and the cpu profile of " + CONSUMER_POM + " differ");
    }

    @Test
    void readmeExampleRuns() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            UpscaleExample.main(new String[] {"models/mini"});
        } finally {
            System.setOut(old);
        }
        String printed = buf.toString(StandardCharsets.UTF_8).strip();
        assertFalse(printed.isEmpty(), "the example printed nothing");
        // "alight" is a held-out word: seen in pre-training prose, never in the Q/A format; its
        // WordNet gloss is "to come to rest, settle", and up-scaling answers with it greedily
        assertTrue(printed.startsWith("to come to rest"), printed);
    }
}
