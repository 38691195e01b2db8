package io.github.eft4j.onnx;

import static io.github.eft4j.onnx.TestGraphs.assertClose;
import static io.github.eft4j.onnx.TestGraphs.row;
import static io.github.eft4j.onnx.TestGraphs.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.model.BatchDecodingState;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.model.EFTException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad input gets a clear exception, nothing crashes the JVM, nothing leaks. */
class BadInputTest {

    @TempDir
    Path tmp;

    @AfterEach
    void noLeaks() {
        TestGraphs.assertNoLeaks();
    }

    @Test
    void missingModelFile() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxLogitSource.open(tmp.resolve("nope.onnx")));
        assertTrue(e.getMessage().contains("nope.onnx"), e.getMessage());
    }

    @Test
    void corruptModelFile() throws IOException {
        Path f = tmp.resolve("corrupt.onnx");
        Files.write(f, "this is not a protobuf at all \u0000\u0001\u0002".getBytes());
        OrtStatusException e = assertThrows(OrtStatusException.class, () -> OnnxLogitSource.open(f));
        assertEquals("CreateSession", e.function());
        assertTrue(e.errorCode() != 0, e.getMessage());
        assertFalse(e.ortMessage().isEmpty());
    }

    @Test
    void contribOperatorMissingFromTheRuntime() {
        Path f = TestGraphs.bad("unknown_op");
        EFTException e = assertThrows(EFTException.class, () -> OnnxLogitSource.open(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("com.microsoft:NoSuchAttention")
                && e.getMessage().contains("node 'mystery'") && e.getMessage().contains("not implemented"),
                e.getMessage());
        assertTrue(e.getCause() instanceof OrtStatusException, "ORT's status is kept as the cause");
    }

    @Test
    void missingExternalDataFile() throws IOException {
        Path m = tmp.resolve("model.onnx");
        Files.copy(TestGraphs.model("external_data"), m);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxLogitSource.open(m));
        assertTrue(e.getMessage().contains("'model.onnx.data'") && e.getMessage().contains(tmp.resolve("model.onnx.data")
                .toString()) && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void truncatedExternalDataFile() throws IOException {
        Path dir = TestGraphs.model("external_data").getParent();
        Path m = tmp.resolve("model.onnx");
        Files.copy(dir.resolve("model.onnx"), m);
        byte[] data = Files.readAllBytes(dir.resolve("model.onnx.data"));
        Files.write(tmp.resolve("model.onnx.data"), java.util.Arrays.copyOf(data, data.length / 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxLogitSource.open(m));
        assertTrue(e.getMessage().contains("too short") && e.getMessage().contains("model.onnx.data")
                && e.getMessage().contains((data.length / 2) + " bytes"), e.getMessage());
    }

    @Test
    void graphWithoutLogits() {
        EFTException e = assertThrows(EFTException.class, () -> OnnxLogitSource.open(TestGraphs.bad("no_logits")));
        assertTrue(e.getMessage().contains("output logits") && e.getMessage().contains("scores"), e.getMessage());
    }

    @Test
    void unpairedPastAndPresent() {
        EFTException e = assertThrows(EFTException.class, () -> OnnxLogitSource.open(TestGraphs.bad("unpaired")));
        assertTrue(e.getMessage().contains("do not pair up") && e.getMessage().contains("present.0.key"), e.getMessage());
    }

    @Test
    void unsupportedKvType() {
        EFTException e = assertThrows(EFTException.class, () -> OnnxLogitSource.open(TestGraphs.bad("float64_kv")));
        assertTrue(e.getMessage().contains("float64") && e.getMessage().contains("float16"), e.getMessage());
    }

    @Test
    void tokenOutOfRangeLeavesStateUnchanged() {
        try (OnnxLogitSource src = TestGraphs.open("llama_gqa")) {
            assertThrows(IllegalArgumentException.class, () -> src.open(new int[] {1, 64}));
            assertThrows(IllegalArgumentException.class, () -> src.open(new int[] {-1}));
            assertThrows(IllegalArgumentException.class, () -> src.open(new int[0]));
            try (DecodingState s = src.open(new int[] {1, 2, 3})) {
                float[] before = row(s.logits());
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.append(5, 64));
                assertTrue(e.getMessage().contains("64") && e.getMessage().contains("[0, 64)"), e.getMessage());
                assertEquals(3, s.length());
                assertClose(toDouble(before), row(s.logits()), 0, "logits after rejected append");
                assertThrows(IllegalArgumentException.class, () -> s.append());
            }
        }
    }

    @Test
    void promptLongerThanMaxPositions() {
        try (OnnxLogitSource src = TestGraphs.open("llama_gqa")) {
            assertEquals(64, src.config().maxPositions().getAsInt());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> src.open(new int[65]));
            assertTrue(e.getMessage().contains("65") && e.getMessage().contains("64"), e.getMessage());
            try (DecodingState s = src.open(new int[63])) {
                s.append(1);
                assertThrows(IllegalArgumentException.class, () -> s.append(1));
                assertEquals(64, s.length());
            }
        }
    }

    @Test
    void useAfterClose() {
        try (OnnxLogitSource src = TestGraphs.open("llama_gqa")) {
            DecodingState s = src.open(new int[] {1, 2});
            s.close();
            s.close(); // idempotent
            assertThrows(IllegalStateException.class, s::logits);
            assertThrows(IllegalStateException.class, () -> s.append(1));
            assertThrows(IllegalStateException.class, () -> s.truncate(1));
            assertThrows(IllegalStateException.class, s::length);
            BatchDecodingState b = src.openBatch(new int[][] {{1}, {2, 3}});
            b.close();
            assertThrows(IllegalStateException.class, () -> b.logits(0));
            assertThrows(IllegalStateException.class, () -> b.append(new int[] {1, 1}));
        }
        OnnxLogitSource src = TestGraphs.open("llama_gqa");
        src.close();
        src.close();
        assertThrows(IllegalStateException.class, () -> src.open(new int[] {1}));
    }

    @Test
    void closingSourceWithOpenStatesFails() {
        OnnxLogitSource src = TestGraphs.open("falcon_mqa");
        DecodingState s = src.open(new int[] {4, 5});
        BatchDecodingState b = src.openBatch(new int[][] {{1}, {2}});
        IllegalStateException e = assertThrows(IllegalStateException.class, src::close);
        assertTrue(e.getMessage().contains("2 open"), e.getMessage());
        s.append(6); // the source still works
        s.close();
        assertThrows(IllegalStateException.class, src::close);
        b.close();
        src.close();
    }

    /**
     * Without usable CUDA (this project's machines: no GPU, or CUDA 13 where the provider needs
     * CUDA 12) a strict request fails; where CUDA works the same test checks the CUDA path
     * against CPU logits instead.
     */
    @Test
    void cudaRequestedStrictly() {
        OnnxOptions o = OnnxOptions.builder(TestGraphs.model("llama_gqa")).cuda(0).strict(true).build();
        OnnxLogitSource gpu;
        try {
            gpu = OnnxLogitSource.open(o);
        } catch (EFTException e) {
            assertTrue(e.getMessage().contains("CUDA was requested strictly"), e.getMessage());
            return;
        }
        try (gpu; DecodingState s = gpu.open(new int[] {1, 2, 3});
                OnnxLogitSource cpu = TestGraphs.open("llama_gqa"); DecodingState c = cpu.open(new int[] {1, 2, 3})) {
            assertEquals(ExecutionProvider.CUDA, gpu.provider());
            s.append(4, 5);
            c.append(4, 5);
            s.truncate(4);
            c.truncate(4);
            assertClose(toDouble(row(c.logits())), row(s.logits()), 1e-3, "CUDA vs CPU logits");
        }
    }

    @Test
    void cudaFallsBackToCpuWithWarning() {
        OnnxOptions o = OnnxOptions.builder(TestGraphs.model("llama_gqa")).threads(1).cuda(0).build();
        try (OnnxLogitSource src = OnnxLogitSource.open(o); DecodingState s = src.open(new int[] {1, 2, 3});
                OnnxLogitSource cpu = TestGraphs.open("llama_gqa"); DecodingState c = cpu.open(new int[] {1, 2, 3})) {
            boolean fellBack = src.provider() == ExecutionProvider.CPU;
            assertClose(toDouble(row(c.logits())), row(s.logits()), fellBack ? 0 : 1e-3, "fallback logits");
        }
    }

    @Test
    void kvBoundToCudaMemoryOnCpuSessionIsDetected() {
        OnnxOptions lenient = OnnxOptions.builder(TestGraphs.model("llama_gqa")).threads(1).build();
        try (OnnxLogitSource src = OnnxLogitSource.openWithKvBoundToCuda(lenient);
                DecodingState s = src.open(new int[] {1, 2, 3});
                OnnxLogitSource cpu = TestGraphs.open("llama_gqa"); DecodingState c = cpu.open(new int[] {1, 2, 3})) {
            s.append(4);
            c.append(4);
            assertClose(toDouble(row(c.logits())), row(s.logits()), 0, "logits with KV silently on CPU");
        }
        OnnxOptions strict = OnnxOptions.builder(TestGraphs.model("llama_gqa")).threads(1).strict(true).build();
        try (OnnxLogitSource src = OnnxLogitSource.openWithKvBoundToCuda(strict)) {
            for (int attempt = 0; attempt < 2; attempt++) { // every run fails, not only the first
                EFTException e = assertThrows(EFTException.class, () -> src.open(new int[] {1, 2, 3}));
                assertTrue(e.getMessage().contains("placed it in Cpu"), e.getMessage());
                assertEquals(0, src.openStates());
            }
        }
    }

    @Test
    void cancelAbandonsOneRunAndKeepsTheState() {
        try (OnnxLogitSource src = TestGraphs.open("llama_gqa"); OnnxDecodingState s = src.open(new int[] {1, 2, 3})) {
            float[] before = row(s.logits());
            s.cancel();
            assertThrows(CancellationException.class, () -> s.append(7));
            assertEquals(3, s.length());
            assertClose(toDouble(before), row(s.logits()), 0, "logits after cancelled append");
            s.append(7);
            try (DecodingState fresh = src.open(new int[] {1, 2, 3, 7})) {
                assertClose(toDouble(row(fresh.logits())), row(s.logits()), 1e-4, "append after cancel");
            }
        }
    }

    @Test
    void optionsValidate() {
        Path m = TestGraphs.model("llama_gqa");
        assertThrows(IllegalArgumentException.class, () -> OnnxOptions.builder(m).threads(-1).build());
        assertThrows(IllegalArgumentException.class, () -> OnnxOptions.builder(m).cuda(-2).build());
        assertThrows(IllegalArgumentException.class, () -> OnnxOptions.builder(m).memoryLimitBytes(-1).build());
        assertEquals(OnnxOptions.MAX_THREADS, OnnxOptions.builder(m).threads(OnnxOptions.MAX_THREADS).build().threads());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxOptions.builder(m).threads(100_000).build());
        assertTrue(e.getMessage().contains("100000") && e.getMessage().contains("256"), e.getMessage());
    }
}
