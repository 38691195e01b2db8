package io.github.eft4j.onnx;

import static io.github.eft4j.onnx.TestGraphs.assertClose;
import static io.github.eft4j.onnx.TestGraphs.row;
import static io.github.eft4j.onnx.TestGraphs.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.model.DecodingState;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Shared thread pool, concurrent states on one source, and coexistence with the official API's env. */
class ThreadingTest {

    @AfterEach
    void noLeaks() {
        TestGraphs.assertNoLeaks();
    }

    private static float[] decode(OnnxLogitSource src, int[] tokens) {
        try (DecodingState s = src.open(new int[] {tokens[0]})) {
            for (int i = 1; i < tokens.length; i++) {
                s.append(tokens[i]);
            }
            return row(s.logits());
        }
    }

    @Test
    void sharedPoolAndConcurrentStatesMatchSingleThreaded() throws Exception {
        int[][] seqs = new int[6][];
        Random rnd = new Random(3);
        for (int i = 0; i < seqs.length; i++) {
            seqs[i] = rnd.ints(20, 0, 64).toArray();
        }
        float[][] expected = new float[seqs.length][];
        try (OnnxLogitSource one = TestGraphs.open("llama_gqa")) {
            for (int i = 0; i < seqs.length; i++) {
                expected[i] = decode(one, seqs[i]);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (OnnxLogitSource shared = OnnxLogitSource.open(TestGraphs.model("llama_gqa"))) { // threads = 0
            List<Future<float[]>> results = new ArrayList<>();
            for (int[] s : seqs) {
                results.add(pool.submit(() -> decode(shared, s)));
            }
            for (int i = 0; i < seqs.length; i++) {
                assertClose(toDouble(expected[i]), results.get(i).get(60, TimeUnit.SECONDS), 1e-5, "sequence " + i);
            }
            assertEquals(0, shared.openStates());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void officialApiCreatedTheEnvironmentFirst() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), OfficialEnvFirstMain.class.getName(),
                TestGraphs.model("llama_gqa").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("logit0=") && out.contains("no global thread pool"), out);
    }
}
