package io.github.eft4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The layout of the module {@code io.github.eft4j.core} as compiled: the package dependency graph
 * (read with {@code jdeps} from {@code target/classes}) has no cycle, and the module exports exactly
 * the API packages, with {@code internal.json} qualified to eft-onnx only.
 */
class PackageDependenciesTest {
    private static final Path CLASSES = Path.of("target/classes");
    private static final Pattern EDGE = Pattern.compile("^\\s+(io\\.github\\.eft4j[\\w.]*)\\s+->\\s+(io\\.github\\.eft4j[\\w.]*)\\s");

    /** Package → the eft4j packages it uses, from {@code jdeps -verbose:package}. */
    static Map<String, Set<String>> packageGraph(Path classes, String... extraArgs) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new IllegalStateException("no jdeps in this JDK"));
        StringWriter out = new StringWriter();
        List<String> args = new ArrayList<>(List.of("-verbose:package", "--multi-release", "25",
                "--add-modules", "jdk.incubator.vector"));
        args.addAll(List.of(extraArgs));
        args.add(classes.toString());
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(out), args.toArray(String[]::new));
        assertEquals(0, rc, () -> "jdeps failed:\n" + out);
        Map<String, Set<String>> g = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (m.find() && !m.group(1).equals(m.group(2))) {
                g.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
            }
        }
        return g;
    }

    /** A cycle as a list of packages (first == last), or an empty list. */
    static List<String> findCycle(Map<String, Set<String>> g) {
        Map<String, Integer> color = new TreeMap<>();  // 1 on the stack, 2 done
        List<String> stack = new ArrayList<>();
        for (String start : g.keySet()) {
            List<String> c = dfs(start, g, color, stack);
            if (!c.isEmpty()) {
                return c;
            }
        }
        return List.of();
    }

    private static List<String> dfs(String p, Map<String, Set<String>> g, Map<String, Integer> color, List<String> stack) {
        Integer c = color.get(p);
        if (c != null) {
            if (c == 1) {
                List<String> cycle = new ArrayList<>(stack.subList(stack.indexOf(p), stack.size()));
                cycle.add(p);
                return cycle;
            }
            return List.of();
        }
        color.put(p, 1);
        stack.add(p);
        for (String q : g.getOrDefault(p, Set.of())) {
            List<String> cycle = dfs(q, g, color, stack);
            if (!cycle.isEmpty()) {
                return cycle;
            }
        }
        stack.removeLast();
        color.put(p, 2);
        return List.of();
    }

    @Test
    void noPackageCycle() {
        Map<String, Set<String>> g = packageGraph(CLASSES);
        assertTrue(g.containsKey("io.github.eft4j.decoder"), () -> "jdeps found no eft4j packages: " + g);
        assertEquals(List.of(), findCycle(g), () -> "package cycle in eft-core; graph: " + g);
    }

    @Test
    void findCycleSeesOne() {
        // the checker itself: a two-package cycle and a clean chain
        assertEquals(List.of("a", "b", "a"), findCycle(new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of("a")))));
        assertEquals(List.of(), findCycle(Map.of("a", Set.of("b"), "b", Set.of("c"))));
    }

    @Test
    void apiPackagesDependOnNoTestFixtures() {
        Map<String, Set<String>> g = packageGraph(CLASSES);
        g.forEach((p, uses) -> assertTrue(uses.stream().noneMatch(u -> u.startsWith("io.github.eft4j.testing")),
                () -> p + " uses the test fixtures: " + uses));
    }

    @Test
    void exportsExactlyTheApi() throws IOException {
        ModuleDescriptor d;
        try (InputStream in = Files.newInputStream(CLASSES.resolve("module-info.class"))) {
            d = ModuleDescriptor.read(in);
        }
        assertEquals("io.github.eft4j.core", d.name());
        Map<String, Set<String>> exports = d.exports().stream().collect(Collectors.toMap(
                ModuleDescriptor.Exports::source, ModuleDescriptor.Exports::targets, (a, b) -> a, TreeMap::new));
        String api = "io.github.eft4j.";
        assertEquals(Map.of(
                api + "chat", Set.of(), api + "combine", Set.of(), api + "decoder", Set.of(),
                api + "model", Set.of(), api + "sampling", Set.of(), api + "tokenizer", Set.of(),
                api + "internal.json", Set.of("io.github.eft4j.onnx")), exports);
    }
}
