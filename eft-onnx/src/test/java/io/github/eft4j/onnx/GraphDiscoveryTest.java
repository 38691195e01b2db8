package io.github.eft4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.onnx.internal.OrtApi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Layouts discovered from the sessions of the committed graphs, and config.json parsing. */
class GraphDiscoveryTest {

    @AfterEach
    void noLeaks() {
        TestGraphs.assertNoLeaks();
    }

    private static OnnxGraphLayout layout(String graph) {
        try (OnnxLogitSource src = TestGraphs.open(graph)) {
            return src.layout();
        }
    }

    @Test
    void llamaGqa() {
        OnnxGraphLayout l = layout("llama_gqa");
        assertEquals(new OnnxGraphLayout(OnnxGraphLayout.Attention.MASKED, true, true, false, false, java.util.Optional.empty(), false, 2, 2, 8, OrtApi.FLOAT, OrtApi.FLOAT, 64), l);
    }

    @Test
    void falconMultiQuery() {
        OnnxGraphLayout l = layout("falcon_mqa");
        assertEquals(1, l.kvHeads());
        assertEquals(8, l.headDim());
        assertTrue(l.hasPositionIds());
    }

    @Test
    void withoutPositionIds() {
        assertFalse(layout("llama_nopos").hasPositionIds());
    }

    @Test
    void mergedDecoder() {
        OnnxGraphLayout l = layout("llama_merged");
        assertTrue(l.hasUseCacheBranch());
        assertTrue(l.logitsToKeepInput().isPresent());
        assertEquals(2, l.layers());
    }

    @Test
    void float16Io() {
        OnnxGraphLayout l = layout("llama_fp16");
        assertEquals(OrtApi.FLOAT16, l.kvElementType());
        assertEquals(OrtApi.FLOAT16, l.logitsElementType());
    }

    @Test
    void bfloat16Io() {
        OnnxGraphLayout l = layout("llama_bf16");
        assertEquals(OrtApi.BFLOAT16, l.kvElementType());
        assertEquals(OrtApi.BFLOAT16, l.logitsElementType());
    }

    @Test
    void configJson() {
        try (OnnxLogitSource src = TestGraphs.open("llama_gqa")) {
            OnnxModelConfig c = src.config();
            assertEquals(1, c.bosTokenId().getAsInt());
            assertEquals(2, c.eosTokenId().getAsInt());
            assertEquals(64, c.vocabSize().getAsInt());
            assertEquals(64, c.maxPositions().getAsInt());
        }
        OnnxModelConfig c = OnnxModelConfig.parse("{\"eos_token_id\": [128001, 128009], \"n_positions\": 1024}");
        assertEquals(128001, c.eosTokenId().getAsInt());
        assertEquals(1024, c.maxPositions().getAsInt());
        assertTrue(c.bosTokenId().isEmpty());
    }
}
