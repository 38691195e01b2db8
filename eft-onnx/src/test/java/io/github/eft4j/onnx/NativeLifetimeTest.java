package io.github.eft4j.onnx;

import static io.github.eft4j.onnx.TestGraphs.assertClose;
import static io.github.eft4j.onnx.TestGraphs.prefix;
import static io.github.eft4j.onnx.TestGraphs.row;
import static io.github.eft4j.onnx.TestGraphs.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import io.github.eft4j.model.BatchDecodingState;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.model.EFTException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Native lifetimes seen from a caller: logits views kept past close, and states that a cancelled
 * run must leave exactly as they were.
 */
class NativeLifetimeTest {

    @AfterEach
    void noLeaks() {
        TestGraphs.assertNoLeaks();
    }

    /** A view read after close must fail in Java, never read memory ORT has freed (JVM crash). */
    @ParameterizedTest
    @ValueSource(strings = {"llama_gqa", "llama_fp16"})
    void logitsViewAfterCloseThrows(String graph) {
        MemorySegment view, batchView;
        try (OnnxLogitSource src = TestGraphs.open(graph)) {
            try (DecodingState s = src.open(new int[] {1, 2, 3})) {
                s.append(4, 5);
                view = s.logits(0);
            }
            assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_FLOAT, 0), "single state view");
            try (BatchDecodingState b = src.openBatch(new int[][] {{1, 2}, {3}})) {
                batchView = b.logits(1);
            }
            assertThrows(IllegalStateException.class, () -> batchView.get(ValueLayout.JAVA_FLOAT, 0), "batch view");
        }
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_FLOAT, 0), "after source close");
    }

    /**
     * A view kept past later steps (documented misuse) reads the values it was made for while the
     * old logits are kept for it, then throws once {@link LogitsViews#MAX_KEPT} newer steps have
     * made views; {@code copyLogits} gives the same values without a view.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama_gqa", "llama_fp16"})
    void staleViewReadsItsOwnValuesThenThrows(String graph, @TempDir Path dir) throws IOException {
        Path model = dir.resolve("model.onnx"); // no config.json: no 64-position limit
        Files.copy(TestGraphs.model(graph), model);
        try (OnnxLogitSource src = OnnxLogitSource.open(OnnxOptions.builder(model).threads(1).build());
                OnnxDecodingState s = src.open(new int[] {1, 2, 3})) {
            MemorySegment first = s.logits();
            float[] expected = first.toArray(ValueLayout.JAVA_FLOAT);
            float[] copy = new float[src.vocabSize()];
            s.copyLogits(copy);
            assertArrayEquals(expected, copy, "copyLogits and the view");
            s.append(4);
            assertArrayEquals(expected, first.toArray(ValueLayout.JAVA_FLOAT), "stale view, one step later");
            assertFalse(java.util.Arrays.equals(expected, row(s.logits())), "the next step has other logits");
            for (int i = 0; i < LogitsViews.MAX_KEPT; i++) {
                s.logits(); // a view of every step: each replaced step is kept for it
                s.append(5 + i % 50);
            }
            assertThrows(IllegalStateException.class, () -> first.get(ValueLayout.JAVA_FLOAT, 0), "after its epoch");
            MemorySegment last = s.logits();
            s.close();
            s.cancel(); // a closed state: nothing to cancel
            assertThrows(IllegalStateException.class, () -> last.get(ValueLayout.JAVA_FLOAT, 0), "after close");
            assertThrows(IllegalStateException.class, s::logits);
        }
    }

    @Test
    void cancelledTruncateKeepsTheState() {
        int[] seq = new Random(3).ints(12, 0, 64).toArray();
        try (OnnxLogitSource src = TestGraphs.open("llama_gqa"); OnnxDecodingState s = src.open(prefix(seq, 5))) {
            s.append(seq[5], seq[6], seq[7]);
            float[] last = row(s.logits());
            s.cancel();
            assertThrows(CancellationException.class, () -> s.truncate(3)); // re-runs token 2
            assertEquals(8, s.length(), "length after cancelled truncate");
            assertEquals(3, s.logitRows(), "rows after cancelled truncate");
            assertClose(toDouble(last), row(s.logits()), 0, "logits after cancelled truncate");
            s.append(seq[8]);
            assertSameAsFresh(src, s, prefix(seq, 9), "append after cancelled truncate");
            s.truncate(3);
            assertSameAsFresh(src, s, prefix(seq, 3), "truncate after cancel");
        }
    }

    @Test
    void cancelledCompactionKeepsTheCache() {
        int[] seq = new Random(4).ints(40, 0, 64).toArray();
        try (OnnxLogitSource src = TestGraphs.open("llama_gqa"); OnnxDecodingState s = src.open(prefix(seq, 1))) {
            int[] draft = new int[30];
            System.arraycopy(seq, 1, draft, 0, 30);
            s.append(draft);
            s.truncate(2); // 29 dead columns: the next append recomputes the cache first
            float[] last = row(s.logits());
            s.cancel();
            assertThrows(CancellationException.class, () -> s.append(seq[2]));
            assertEquals(2, s.length(), "length after cancelled append");
            assertClose(toDouble(last), row(s.logits()), 0, "logits after cancelled append");
            s.append(seq[2]);
            assertSameAsFresh(src, s, prefix(seq, 3), "append after cancelled compaction");
            s.append(seq[3], seq[4]);
            assertSameAsFresh(src, s, prefix(seq, 5), "second append after cancelled compaction");
        }
    }

    /**
     * ModelFolder's second layout, {@code onnx/model.onnx} with config.json at the folder root:
     * the source must still know the maximum positions and reject a longer prompt.
     */
    @Test
    void configAtTheFolderRootOfOnnxSubfolder(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("onnx"));
        Files.copy(TestGraphs.model("llama_gqa"), dir.resolve("onnx").resolve("model.onnx"));
        Files.copy(TestGraphs.model("llama_gqa").resolveSibling("config.json"), dir.resolve("config.json"));
        try (OnnxLogitSource src = OnnxLogitSource.open(OnnxOptions.builder(dir.resolve("onnx").resolve("model.onnx"))
                .threads(1).build())) {
            assertEquals(64, src.config().maxPositions().orElse(-1), "max_position_embeddings from ../config.json");
            assertThrows(IllegalArgumentException.class, () -> src.open(new int[65]));
        }
    }

    /**
     * A graph whose logits have a dynamic vocabulary dimension takes the row length from
     * config.json; when the graph really produces fewer columns, reading V floats per row would
     * run past ORT's tensor. The run must fail and say so instead.
     */
    @Test
    void logitsShorterThanConfigVocabIsAnError(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("model.onnx"), dynamicVocabGraph().toByteArray());
        Files.writeString(dir.resolve("config.json"), "{\"vocab_size\": 4096}");
        try (OnnxLogitSource src = OnnxLogitSource.open(OnnxOptions.builder(dir.resolve("model.onnx")).threads(1).build())) {
            assertEquals(4096, src.vocabSize());
            EFTException e = assertThrows(EFTException.class, () -> src.open(new int[] {1, 2, 3}));
            assertTrue(e.getMessage().contains("logits") && e.getMessage().contains("4096"), e.getMessage());
            assertEquals(0, src.openStates());
        }
    }

    /**
     * One layer, one KV head of dim 2: present = concat(past, ids), logits [b, s, t] = ids
     * broadcast to as many columns as the attention mask has, with the vocabulary dimension declared dynamic.
     */
    private static ModelProto dynamicVocabGraph() {
        GraphProto.Builder g = GraphProto.newBuilder().setName("dynamic_vocab")
                .addInput(TinyGraph.info("input_ids", 7, "b", "s"))
                .addInput(TinyGraph.info("attention_mask", 7, "b", "t"))
                .addInput(TinyGraph.info("past_key_values.0.key", 1, "b", 1, "p", 2))
                .addInput(TinyGraph.info("past_key_values.0.value", 1, "b", 1, "p", 2))
                .addOutput(TinyGraph.info("logits", 1, "b", "s", "vocab"))
                .addOutput(TinyGraph.info("present.0.key", 1, "b", 1, "t", 2))
                .addOutput(TinyGraph.info("present.0.value", 1, "b", 1, "t", 2))
                .addInitializer(TinyGraph.ints("axes13", 1, 3)).addInitializer(TinyGraph.ints("axes2", 2))
                .addInitializer(TinyGraph.ints("kvShape", 1, 1, 1, 2)).addInitializer(TinyGraph.ints("ones", 1, 1))
                .addInitializer(TinyGraph.ints("one", 1)).addInitializer(TinyGraph.ints("two", 2));
        g.addNode(TinyGraph.node("Cast", "f", "input_ids").addAttribute(
                AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT).setI(1)));
        g.addNode(TinyGraph.node("Unsqueeze", "f4", "f", "axes13"));
        g.addNode(TinyGraph.node("Expand", "kvNew", "f4", "kvShape"));
        for (String kind : new String[] {"key", "value"}) {
            g.addNode(TinyGraph.node("Concat", "present.0." + kind, "past_key_values.0." + kind, "kvNew")
                    .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(2)));
        }
        // logits columns = the mask's length, which shape inference cannot know
        g.addNode(TinyGraph.node("Shape", "maskShape", "attention_mask"));
        g.addNode(TinyGraph.node("Slice", "t", "maskShape", "one", "two"));
        g.addNode(TinyGraph.node("Concat", "logitsShape", "ones", "t").addAttribute(
                AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(0)));
        g.addNode(TinyGraph.node("Unsqueeze", "f3", "f", "axes2"));
        g.addNode(TinyGraph.node("Expand", "logits", "f3", "logitsShape"));
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("eft4j-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(g).build();
    }

    private static void assertSameAsFresh(OnnxLogitSource src, DecodingState s, int[] expected, String what) {
        assertEquals(expected.length, s.length(), what + ": length");
        try (DecodingState fresh = src.open(expected)) {
            assertClose(toDouble(row(fresh.logits())), row(s.logits()), 1e-4, what);
        }
    }
}
