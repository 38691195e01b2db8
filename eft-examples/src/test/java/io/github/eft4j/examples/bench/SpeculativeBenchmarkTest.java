package io.github.eft4j.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Smoke test of the benchmark main: it runs end to end and prints one row per scenario and mode. No timing. */
class SpeculativeBenchmarkTest {

    @Test
    void printsARowPerScenarioAndModeAndGreedyOutputsAgree() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        SpeculativeBenchmark.run(SpeculativeBenchmark.parse(new String[] {
            "--tokens", "12", "--rounds", "1", "--prompts", "2", "--vocab", "256", "--spreads", "0.1,0.5",
            "--small-units", "0", "--draft", "4"}), new PrintStream(buf, true, StandardCharsets.UTF_8));
        String report = buf.toString(StandardCharsets.UTF_8);
        long rows = report.lines().filter(l -> l.startsWith("| spread")).count();
        assertEquals(4, rows, report);
        assertTrue(report.lines().filter(l -> l.contains("| greedy |")).allMatch(l -> l.endsWith("| yes |")), report);
    }
}
