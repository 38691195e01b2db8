package io.github.eft4j.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Usage errors: exit code 2 and a single line on stderr, without loading any model. */
class CliUsageTest {

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Eft4jCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static void assertOneLineError(Run r, int code, String... fragments) {
        assertEquals(code, r.code(), r.err());
        String[] lines = r.err().strip().split("\n");
        String last = lines[lines.length - 1];
        for (String f : fragments) {
            assertTrue(last.contains(f), "expected '" + f + "' in: " + last);
        }
        assertTrue(!r.err().contains("\tat "), "no stack trace expected: " + r.err());
    }

    @Test
    void helpWorksEverywhere() {
        Run top = run("--help");
        assertEquals(0, top.code());
        assertTrue(top.out().contains("upscale") && top.out().contains("generate") && top.out().contains("score") && top.out().contains("bench"));
        assertTrue(top.out().contains("Exit codes: 0 ok, 1 failure, 2 bad usage") && top.out().contains("EFT4J_DEBUG"), top.out());
        for (String cmd : new String[] {"generate", "upscale", "score", "bench"}) {
            Run r = run(cmd, "--help");
            assertEquals(0, r.code(), cmd);
            assertTrue(r.out().startsWith("Usage: eft4j " + cmd), r.out());
            assertTrue(r.out().contains("--help"), r.out());
        }
        assertTrue(run("upscale", "--help").out().contains("--speculative [K]"));
        Run shortHelp = run("upscale", "-h");
        assertEquals(0, shortHelp.code(), shortHelp.err());
        assertEquals(run("upscale", "--help").out(), shortHelp.out());
    }

    @Test
    void noArgumentsIsUsage() {
        Run r = run();
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Usage: eft4j"));
    }

    @Test
    void unknownCommandAndOption() {
        assertOneLineError(run("frobnicate"), 2, "unknown command 'frobnicate'", "upscale");
        assertOneLineError(run("upscale", "--bogus", "1"), 2, "unknown option --bogus", "--beta");
        assertOneLineError(run("upscale", "--beta"), 2, "--beta needs a value");
        assertOneLineError(run("upscale", "stray"), 2, "unexpected argument 'stray'");
    }

    @Test
    void badValuesNameTheOptionAndTheRange() {
        assertOneLineError(run("upscale", "--top-p", "1.5"), 2, "--top-p must be in (0.0, 1.0]", "1.5");
        assertOneLineError(run("upscale", "--temperature", "0"), 2, "--temperature", "0");
        assertOneLineError(run("upscale", "--max-tokens", "-1"), 2, "--max-tokens must be in [0,", "-1");
        assertOneLineError(run("upscale", "--top-k", "x"), 2, "--top-k expects an integer, got 'x'");
        assertOneLineError(run("upscale", "--speculative", "99"), 2, "--speculative must be in [0, 64]");
        assertOneLineError(run("upscale", "--greedy", "--temperature", "0.7"), 2, "--greedy conflicts");
        assertOneLineError(run("upscale", "--beta", "2", "--lambda", "0.5"), 2, "cannot be combined");
        assertOneLineError(run("generate", "--chat-format", "klingon", "--model", "."), 2, "unknown format 'klingon'");
    }

    @Test
    void missingFoldersAndFilesAreOneLine(@TempDir Path tmp) throws Exception {
        assertOneLineError(run("generate", "--model", tmp.resolve("nope").toString()), 2, "not found", "nope");
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        assertOneLineError(run("generate", "--model", empty.toString()), 2, "no model.onnx in");
        assertOneLineError(run("upscale", "--large-base", tmp.resolve("x").toString()), 2, "large-base", "not found");
        assertOneLineError(run("upscale", "--trace", tmp.resolve("no/such/dir/t.jsonl").toString(),
                "--large-base", empty.toString()), 2);
    }
    @Test
    void traceToAFolderIsRefusedBeforeLoading(@TempDir Path tmp) {
        Run r = run("upscale", "--trace", tmp.toString());
        assertOneLineError(r, 2, "--trace", "is a folder");
        assertTrue(!r.err().contains("loading"), "no model should load: " + r.err());
    }

    @Test
    void everyModelFolderIsCheckedBeforeTheFirstLoads(@TempDir Path tmp) {
        Run r = run("upscale", "--lambda", "0.5", "--small-ft2", tmp.resolve("nope").toString());
        assertOneLineError(r, 2, "small-ft2", "not found");
        assertEquals(1, r.err().strip().split("\n").length, "one line, no progress: " + r.err());
        Run g = run("generate", "--model", tmp.resolve("nope").toString());
        assertEquals(1, g.err().strip().split("\n").length, "no blank line before the error: " + g.err());
        assertTrue(!g.err().startsWith("\n"), g.err());
    }

    @Test
    void lambdaAndTheSecondFineTuneGoTogether(@TempDir Path tmp) {
        assertOneLineError(run("upscale", "--lambda", "0.5", "--large-base", tmp.toString()), 2, "--lambda", "--small-ft2");
        assertOneLineError(run("upscale", "--small-ft2", tmp.toString()), 2, "--small-ft2", "--lambda");
    }

    @Test
    void emptyTextToScoreIsUsage() {
        Run r = run("score", "--text", "");
        assertOneLineError(r, 2, "--text is empty");
        assertTrue(!r.err().contains("loading"), "no model should load: " + r.err());
    }

    @Test
    void missingFamilyWordListNamesThePathOnce(@TempDir Path tmp) {
        Run r = run("reproduce", "--family", tmp.toString());
        assertOneLineError(r, 2, "words.tsv", "no such file");
        assertEquals(r.err().indexOf("words.tsv"), r.err().lastIndexOf("words.tsv"), r.err());
    }

    @Test
    void aSystemPromptTheFormatWouldDropIsUsage() {
        Run r = run("upscale", "--system", "Be brief.");
        assertOneLineError(r, 2, "--system is not used by --chat-format qa");
        assertTrue(!r.err().contains("loading"), "no model should load: " + r.err());
        assertOneLineError(run("generate", "--system", "x", "--chat-format", "Q: {user}\\nA:"), 2, "--system is not used");
    }

    @Test
    void blankPromptIsUsage() {
        for (String cmd : new String[] {"generate", "upscale", "score"}) {
            Run r = run(cmd, "--prompt", " ");
            assertOneLineError(r, 2, "--prompt is empty");
            assertTrue(!r.err().contains("loading"), "no model should load: " + r.err());
        }
    }

    @Test
    void aFileGivenAsModelFolderIsNamed(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("model.onnx"), "x");
        assertOneLineError(run("generate", "--model", file.toString()), 2, "is a file, expected a folder", "model.onnx");
    }
}
