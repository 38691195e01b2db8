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

    static final String[] COMMANDS = {"generate", "upscale", "downscale", "score", "bench", "reproduce"};

    @Test
    void helpWorksEverywhere() {
        Run top = run("--help");
        assertEquals(0, top.code());
        for (String cmd : COMMANDS) {
            assertTrue(top.out().contains("  " + cmd + " "), cmd + " in: " + top.out());
        }
        assertTrue(top.out().contains("Exit codes: 0 ok, 1 failure, 2 bad usage") && top.out().contains("EFT4J_DEBUG"), top.out());
        assertEquals(top.out(), run("-h").out());
        for (String cmd : COMMANDS) {
            Run r = run(cmd, "--help");
            assertEquals(0, r.code(), cmd);
            assertTrue(r.out().startsWith("Usage: eft4j " + cmd), r.out());
            assertTrue(r.out().contains("-h, --help"), r.out());
            Run shortHelp = run(cmd, "-h");
            assertEquals(0, shortHelp.code(), shortHelp.err());
            assertEquals(r.out(), shortHelp.out(), cmd);
            assertEquals(r.out(), run("help", cmd).out(), "eft4j help " + cmd);
            // -h wins over anything else on the line, even an option that would be an error
            assertEquals(r.out(), run(cmd, "--bogus", "-h").out(), cmd);
        }
        assertTrue(run("upscale", "--help").out().contains("--speculative [K]"));
    }

    @Test
    void helpMapsEachFormulaOptionToItsFactory() {
        String h = run("upscale", "--help").out();
        assertTrue(h.contains("--scale-delta B") && h.contains("EFTSpec.scaleDelta(B): small-ft + B·(large-base − small-base)"), h);
        assertTrue(h.contains("--behaviour-delta B") && h.contains("EFTSpec.behaviourDelta(B): large-base + B·(small-ft − small-base)"), h);
        assertTrue(h.contains("EFTSpec.lambdaInterpolation(L)"), h);
        assertTrue(!h.contains("--beta"), "one meaning per option: " + h);
        String top = run("--help").out();
        assertTrue(top.contains("scaleDelta(B)") && top.contains("behaviourDelta(B)") && top.contains("downscale()"), top);
    }

    @Test
    void betaIsGoneAndSaysWhichOptionMeansWhat() {
        // --beta computed large-base + B(small-ft − small-base) while README's β weighed the scale delta
        Run r = run("upscale", "--beta", "1.5");
        assertOneLineError(r, 2, "--beta was removed", "--scale-delta B", "--behaviour-delta B");
        assertOneLineError(run("upscale", "--scale-delta", "1", "--lambda", "0.5"), 2, "give at most one");
        assertOneLineError(run("upscale", "--scale-delta", "1", "--behaviour-delta", "1"), 2, "give at most one");
    }

    @Test
    void aRepeatedOptionIsRefused() {
        Run r = run("upscale", "--prompt", "a", "--prompt", "b");
        assertOneLineError(r, 2, "--prompt is given twice ('a' and 'b')");
        assertOneLineError(run("upscale", "--greedy", "--greedy"), 2, "--greedy is given twice");
        assertOneLineError(run("upscale", "--max-tokens=3", "--max-tokens", "4"), 2, "--max-tokens is given twice");
    }

    @Test
    void aShortOptionIsNamed() {
        assertOneLineError(run("upscale", "-p", "x"), 2, "unknown option -p", "--prompt");
        assertOneLineError(run("score", "-x"), 2, "unknown option -x");
    }

    @Test
    void aSeedWithoutSamplingIsRefusedNamingWhatEnablesIt() {
        Run r = run("upscale", "--seed", "42");
        assertOneLineError(r, 2, "--seed would be ignored", "greedy", "--sample", "--temperature");
        assertTrue(!r.err().contains("loading"), "no model should load: " + r.err());
        assertOneLineError(run("generate", "--seed", "1", "--greedy"), 2, "--seed would be ignored");
    }

    @Test
    void optionsThatWouldBeIgnoredAreRefused() {
        assertOneLineError(run("upscale", "--conservative-keep"), 2, "--conservative-keep would be ignored", "--conservative");
        assertOneLineError(run("upscale", "--small-ft2", "x"), 2, "--small-ft2 would be ignored", "--lambda");
        assertOneLineError(run("generate", "--base-prompt", "x"), 2, "--base-prompt would be ignored", "--plain");
        assertOneLineError(run("generate", "--base-format", "plain"), 2, "--base-format would be ignored", "--plain");
        assertOneLineError(run("generate", "--plain", "--chat-format", "qa"), 2, "--plain and --chat-format cannot be combined");
        assertOneLineError(run("upscale", "--base-prompt", "x", "--base-format", "plain"), 2, "cannot be combined");
        assertOneLineError(run("reproduce", "--out", "x.md"), 2, "--out was removed", "--out-dir");
    }

    @Test
    void theMiniFamilysProseFormatRefusesWhatItCannotRender() {
        Run r = run("upscale", "--prompt", "Tell me a story.");
        assertOneLineError(r, 2, "--base-format mini-prose cannot render", "--base-prompt", "--base-format plain");
        assertTrue(!r.err().contains("loading"), "no model should load: " + r.err());
    }

    @Test
    void anUnwritableTracePathGivesTheReasonOnce() {
        Path sys = Path.of("/sys/eft4j-trace.jsonl");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(sys.getParent()), "needs Linux /sys (read-only even for root)");
        Run r = run("upscale", "--trace", sys.toString());
        assertOneLineError(r, 2, "--trace: cannot write", "permission denied");
        assertEquals(r.err().indexOf(sys.toString()), r.err().lastIndexOf(sys.toString()), "the path once: " + r.err());
        assertTrue(!r.err().contains("loading"), "no model should load: " + r.err());
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
        assertOneLineError(run("upscale", "--bogus", "1"), 2, "unknown option --bogus", "--scale-delta");
        assertOneLineError(run("upscale", "--lambda"), 2, "--lambda needs a value");
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
        assertOneLineError(run("generate", "--chat-format", "klingon", "--model", "."), 2, "unknown format 'klingon'");
        assertOneLineError(run("upscale", "--base-format", "klingon"), 2, "--base-format: unknown format 'klingon'", "mini-prose");
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
        assertOneLineError(r, 2, "--trace", "it is a folder");
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
        Run r = run("upscale", "--system", "Be brief.", "--base-format", "plain", "--chat-format", "qa");
        assertOneLineError(r, 2, "--system is not used by --chat-format qa");
        assertTrue(!r.err().contains("loading"), "no model should load: " + r.err());
        assertOneLineError(run("generate", "--system", "x", "--chat-format", "Q: {user}\\nA:"), 2, "--system is not used");
        assertOneLineError(run("upscale", "--system", "x", "--chat-format", "llama-2"), 2, "--system is not used by --base-format mini-prose",
                "--base-prompt");
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
