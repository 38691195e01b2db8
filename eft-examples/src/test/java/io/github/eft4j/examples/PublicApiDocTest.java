package io.github.eft4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * docs/api.md lists every exported package and public type of the library artifacts: it is what
 * {@code tools/api-doc.py} writes from the sources now (run it after an API change).
 */
class PublicApiDocTest {
    @Test
    void apiDocMatchesTheSources() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("python3", "tools/api-doc.py", "--stdout").redirectErrorStream(true).start();
        String generated = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), generated);
        assertEquals(generated.strip(), Files.readString(Path.of("docs/api.md")).strip(),
                "docs/api.md is stale: run python3 tools/api-doc.py");
    }
}
