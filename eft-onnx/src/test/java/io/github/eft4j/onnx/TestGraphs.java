package io.github.eft4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The committed test graphs (made by src/test/python/make_test_graphs.py) and their golden logits. */
final class TestGraphs {
    static final String[] DECODERS = {"llama_gqa", "falcon_mqa", "llama_nopos", "llama_merged", "llama_fp16", "llama_bf16"};
    /** The export formats of make_export_graphs.py (vocabulary 64 unless under community/). */
    static final String[] EXPORTS = {"external_data", "community/onnx/model.onnx", "community/onnx/model_fp16.onnx",
        "community/onnx/model_q4.onnx", "gqa", "gqa#concat", "gqa_q4", "gqa_twin", "gqa_inputs", "gqa_inputs#concat",
        "gqa_last_row", "logits_to_keep", "last_row"};

    private TestGraphs() {
    }

    static Path dir() {
        try {
            return Path.of(TestGraphs.class.getResource("/graphs").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The model of a test graph: {@code name/model.onnx}, or a path under the graphs folder when
     * the name has a slash ({@code community/onnx/model_q4.onnx}). A {@code #concat} suffix is
     * ignored here (see {@link #open}).
     */
    static Path model(String name) {
        String n = base(name);
        return n.contains("/") ? dir().resolve(n) : dir().resolve(n).resolve("model.onnx");
    }

    private static String base(String name) {
        int i = name.indexOf('#');
        return i < 0 ? name : name.substring(0, i);
    }

    static Path bad(String name) {
        return dir().resolve("bad").resolve(name + ".onnx");
    }

    /** Opens a test graph on one thread; {@code name#concat} turns the in-place KV path off. */
    static OnnxLogitSource open(String name) {
        return OnnxLogitSource.open(OnnxOptions.builder(model(name)).threads(1)
                .inPlaceKv(!name.endsWith("#concat")).build());
    }

    /**
     * Relative tolerance of a graph: float32 I/O 1e-4; float16 I/O 2e-2 and bfloat16 I/O 5e-2,
     * because the cached KV and the logits are rounded to 11 or 8 significant bits; 4-bit
     * MatMulNBits (accuracy_level 0) against its own dequantized weights 1e-3.
     */
    static double tolerance(String name) {
        return name.contains("fp16") ? 2e-2 : name.contains("bf16") ? 5e-2 : name.contains("q4") ? 1e-3 : 1e-4;
    }

    /**
     * The golden file of a graph: {@code name/golden.bin}; for the community folder's variants
     * {@code community/golden_<variant>.bin} (the reference of the fp16-rounded or dequantized weights).
     */
    static Path goldenFile(String name) {
        String n = base(name);
        if (n.startsWith("community/")) {
            String file = n.substring(n.lastIndexOf('/') + 1);
            String variant = file.equals("model.onnx") ? "" : "_" + file.substring(6, file.length() - 5);
            return dir().resolve("community").resolve("golden" + variant + ".bin");
        }
        return dir().resolve(n).resolve("golden.bin");
    }

    /** Golden data: tokens and float64 logits [n, vocab] of a full torch forward pass. */
    record Golden(int[] tokens, double[][] logits) {
    }

    static Golden golden(String name) {
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(goldenFile(name)))
                    .order(ByteOrder.LITTLE_ENDIAN);
            int n = b.getInt(), v = b.getInt();
            int[] tokens = new int[n];
            for (int i = 0; i < n; i++) {
                tokens[i] = b.getInt();
            }
            double[][] logits = new double[n][v];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < v; j++) {
                    logits[i][j] = b.getDouble();
                }
            }
            return new Golden(tokens, logits);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static float[] row(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_FLOAT);
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** max |a - b| / max |b|: the error relative to the row's scale. */
    static double relErr(double[] a, double[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < b.length; i++) {
            num = Math.max(num, Math.abs(a[i] - b[i]));
            den = Math.max(den, Math.abs(b[i]));
        }
        return num / Math.max(den, 1e-30);
    }

    static void assertClose(double[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (float f : actual) {
            assertTrue(Float.isFinite(f), what + ": non-finite logit");
        }
        double e = relErr(toDouble(actual), expected);
        assertTrue(e <= tol, what + ": relative error " + e + " > " + tol + "\nexpected " + Arrays.toString(
                Arrays.copyOf(expected, 6)) + "\nactual   " + Arrays.toString(Arrays.copyOf(actual, 6)));
    }

    static void assertNoLeaks() {
        assertEquals(0, NativeHandle.liveCount(), "live ORT objects after the test");
    }

    static int[] prefix(int[] a, int n) {
        return Arrays.copyOf(a, n);
    }
}
