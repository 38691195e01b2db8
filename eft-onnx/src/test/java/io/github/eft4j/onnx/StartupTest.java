package io.github.eft4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX Runtime start-up, each scenario in a child JVM so a crash is an exit code here: a command
 * line over 64 KB (ORT 1.29's telemetry start-up used to overflow the creating thread's stack:
 * SIGSEGV), a long prefill on a small stack, the per-user library cache (a second JVM extracts
 * nothing), a missing CUDA (one warning per run, nothing from ORT on stderr), and ORT's log
 * messages going through {@link System.Logger}. {@code bench/startup-stress.sh} repeats the
 * long-command-line start 1,000 times.
 */
@EnabledOnOs(OS.LINUX)
class StartupTest {
    /** Over 64 KB of command line (ORT crashed from about 3.5 KB on a 1 MiB thread stack). */
    static final String PADDING = "-Deft4j.test.padding=" + "x".repeat(70_000);

    private static Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>();
        m.put("ORT_DISABLE_TELEMETRY", null); // eft-onnx must turn it off by itself
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static ChildJvm.Result assertOk(ChildJvm.Result r) {
        assertEquals(0, r.exitCode(), r.describe());
        assertTrue(r.stdout().lines().anyMatch("ok"::equals), r.describe());
        return r;
    }

    /** ORT's telemetry writes /tmp/mat-debug-PID.log; it must not have run in the child. */
    private static void assertNoTelemetryFile(ChildJvm.Result r, Instant started) throws IOException {
        Path f = Path.of("/tmp/mat-debug-" + r.value("pid").orElseThrow() + ".log");
        if (Files.exists(f)) { // a file of an earlier process with the same pid is older than the child
            assertTrue(Files.getLastModifiedTime(f).toInstant().isBefore(started), f + " was written by the child");
        }
    }

    @RepeatedTest(5)
    void commandLineOver64KbStartsAndGenerates(@TempDir Path dir) throws IOException {
        Instant started = Instant.now().minusSeconds(1);
        ChildJvm.Result r = assertOk(ChildJvm.run(List.of(PADDING, tmpdir(dir, "t")), env(), ChildMain.class, "generate",
                TestGraphs.model("llama_gqa").toString(), "20"));
        assertEquals("23", r.value("length").orElse(""), r.describe());
        assertNoTelemetryFile(r, started);
    }

    /**
     * The user asked for telemetry ({@code ORT_DISABLE_TELEMETRY=0}), so eft-onnx leaves the
     * variable alone and ORT's telemetry client starts; the large start-up stack must still carry a
     * 70 KB command line. Opt-in ({@code -Deft4j.test.telemetryOn=true}): with telemetry on, ORT
     * may try to send events.
     */
    @Test
    @EnabledIfSystemProperty(named = "eft4j.test.telemetryOn", matches = "true")
    void commandLineOver64KbWithTelemetryLeftOnByTheUser() {
        ChildJvm.Result r = assertOk(ChildJvm.run(List.of(PADDING), env("ORT_DISABLE_TELEMETRY", "0"), ChildMain.class,
                "generate", TestGraphs.model("llama_gqa").toString(), "5"));
        assertEquals("8", r.value("length").orElse(""), r.describe());
    }

    @Test
    void longPrefillOnASmallStackSurvives(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("model.onnx"); // no config.json: no 64-position limit
        Files.copy(TestGraphs.model("llama_gqa"), model);
        ChildJvm.Result r = assertOk(ChildJvm.run(List.of(), env(), ChildMain.class, "prefill", model.toString(), "900",
                String.valueOf(256 << 10)));
        assertEquals("901", r.value("length").orElse(""), r.describe());
        assertEquals("true", r.value("finite").orElse(""), r.describe());
    }

    @Test
    void librariesAreExtractedOncePerUser(@TempDir Path dir) throws IOException {
        Path cache = dir.resolve("cache");
        Map<String, String> env = env("XDG_CACHE_HOME", cache.toString());
        String model = TestGraphs.model("llama_gqa").toString();
        ChildJvm.Result first = assertOk(ChildJvm.run(List.of(tmpdir(dir, "t1")), env, ChildMain.class, "generate", model, "2"));
        assertEquals("0", first.value("tmpLibraries").orElse(""), "first JVM extracted into java.io.tmpdir\n" + first.describe());
        assertEquals("null", first.value("nativePathProperty").orElse(""), "system property left set");
        Path versionDir = onlyVersionDir(cache);
        Path lib = versionDir.resolve("libonnxruntime.so");
        Object inode = Files.getAttribute(lib, "unix:ino");
        FileTime mtime = Files.getLastModifiedTime(lib);

        ChildJvm.Result second = assertOk(ChildJvm.run(List.of(tmpdir(dir, "t2")), env, ChildMain.class, "generate", model, "2"));
        assertEquals("0", second.value("tmpLibraries").orElse(""), second.describe());
        assertEquals(versionDir, onlyVersionDir(cache), "one version directory");
        assertEquals(inode, Files.getAttribute(lib, "unix:ino"), "second JVM replaced the cached library");
        assertEquals(mtime, Files.getLastModifiedTime(lib), "second JVM rewrote the cached library");

        ChildJvm.Result optOut = assertOk(ChildJvm.run(List.of(tmpdir(dir, "t3"), "-Deft4j.onnxruntime.cache=false"), env,
                ChildMain.class, "generate", model, "2"));
        assertTrue(Long.parseLong(optOut.value("tmpLibraries").orElse("0")) > 0,
                "with the cache off, ORT extracts into java.io.tmpdir\n" + optOut.describe());
        assertEquals(inode, Files.getAttribute(lib, "unix:ino"));
    }

    /**
     * Without usable CUDA (here: no CUDA 12 libraries), asking for it on three sources gives one
     * warning line for the run and nothing from ORT on stderr; the 583 MB CUDA provider is copied
     * into the library cache once, and a second JVM copies nothing.
     */
    @Test
    void cudaProviderIsCachedOnceAndAMissingCudaWarnsOnce(@TempDir Path dir) throws IOException {
        Path cache = dir.resolve("cache");
        Map<String, String> env = env("XDG_CACHE_HOME", cache.toString());
        String model = TestGraphs.model("llama_gqa").toString();
        ChildJvm.Result first = assertOk(ChildJvm.run(List.of(tmpdir(dir, "t1")), env, ChildMain.class, "cuda", model, "3"));
        assertEquals("0", first.value("tmpLibraries").orElse(""), first.describe());
        Path cuda = onlyVersionDir(cache).resolve("libonnxruntime_providers_cuda.so");
        boolean jarHasCuda = ChildJvm.class.getClassLoader().getResource(
                "ai/onnxruntime/native/linux-x64/libonnxruntime_providers_cuda.so") != null;
        assertEquals(jarHasCuda, Files.exists(cuda), "CUDA provider in the cache iff the jar carries it");
        boolean fellBack = first.stdout().contains("provider=CPU");
        if (fellBack) {
            assertOneWarningAndNoOrtStderr(first);
        }
        if (!jarHasCuda) {
            return;
        }
        Object inode = Files.getAttribute(cuda, "unix:ino");
        FileTime mtime = Files.getLastModifiedTime(cuda);
        ChildJvm.Result second = assertOk(ChildJvm.run(List.of(tmpdir(dir, "t2")), env, ChildMain.class, "cuda", model, "1"));
        assertEquals("0", second.value("tmpLibraries").orElse(""), second.describe());
        assertEquals(inode, Files.getAttribute(cuda, "unix:ino"), "second JVM replaced the cached CUDA provider");
        assertEquals(mtime, Files.getLastModifiedTime(cuda), "second JVM rewrote the cached CUDA provider");
    }

    private static void assertOneWarningAndNoOrtStderr(ChildJvm.Result r) {
        long warnings = r.stderr().lines().filter(l -> l.contains("CUDA execution provider unavailable")).count();
        assertEquals(1, warnings, "one CUDA warning per run\n" + r.describe());
        assertFalse(r.stderr().contains("\u001b["), "ORT's coloured output on stderr\n" + r.describe());
        assertFalse(r.stderr().contains("[E:onnxruntime"), "ORT's own log line on stderr\n" + r.describe());
        assertTrue(r.stderr().contains("libonnxruntime_providers_cuda"), "the warning names what failed\n" + r.describe());
    }

    /** With the {@link OrtLog#LOGGER_NAME} logger at ALL, ORT's verbose messages arrive through it. */
    @Test
    void ortMessagesGoThroughSystemLogger(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("logging.properties");
        Files.writeString(config, String.join("\n",
                "handlers=java.util.logging.ConsoleHandler",
                "java.util.logging.ConsoleHandler.level=ALL",
                "java.util.logging.SimpleFormatter.format=%4$s %3$s %5$s%n",
                ".level=INFO",
                OrtLog.LOGGER_NAME + ".level=ALL", ""));
        ChildJvm.Result r = assertOk(ChildJvm.run(List.of("-Djava.util.logging.config.file=" + config), env(),
                ChildMain.class, "generate", TestGraphs.model("llama_gqa").toString(), "1"));
        List<String> ort = new ArrayList<>(r.stderr().lines().filter(l -> l.contains(" " + OrtLog.LOGGER_NAME + " ")).toList());
        assertTrue(ort.size() > 5, "ORT's verbose messages through System.Logger\n" + r.describe());
        assertTrue(ort.stream().anyMatch(l -> l.startsWith("FINE")), "VERBOSE/INFO map to TRACE/DEBUG (JUL FINER/FINE)");
        assertFalse(r.stderr().contains("\u001b["), "ORT's coloured output on stderr\n" + r.describe());
    }

    private static String tmpdir(Path dir, String name) throws IOException {
        return "-Djava.io.tmpdir=" + Files.createDirectories(dir.resolve(name));
    }

    private static Path onlyVersionDir(Path cache) throws IOException {
        Path root = cache.resolve("eft4j").resolve("onnxruntime");
        try (Stream<Path> s = Files.list(root)) {
            List<Path> dirs = s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList();
            assertEquals(1, dirs.size(), "cache entries: " + dirs);
            assertFalse(dirs.get(0).getFileName().toString().startsWith(".tmp-"), "temporary directory left behind");
            return dirs.get(0);
        }
    }
}
