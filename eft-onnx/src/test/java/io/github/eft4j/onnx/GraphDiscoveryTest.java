package io.github.eft4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
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
    void groupQueryAttentionFromTheMask() {
        OnnxGraphLayout l = layout("gqa");
        assertEquals(new OnnxGraphLayout(OnnxGraphLayout.Attention.GROUP_QUERY, true, false, false, false,
                Optional.empty(), false, 2, 2, 16, OrtApi.FLOAT, OrtApi.FLOAT, 64), l);
        try (OnnxLogitSource src = TestGraphs.open("gqa"); OnnxLogitSource off = TestGraphs.open("gqa#concat")) {
            assertTrue(src.kvInPlace());
            assertFalse(off.kvInPlace());
        }
        assertEquals(OnnxGraphLayout.Attention.GROUP_QUERY, layout("gqa_q4").attention());
        assertEquals(OnnxGraphLayout.Attention.MASKED, layout("gqa_twin").attention());
    }

    @Test
    void groupQueryAttentionFedSeqlensInputs() {
        OnnxGraphLayout l = layout("gqa_inputs");
        assertEquals(OnnxGraphLayout.Attention.GROUP_QUERY, l.attention());
        assertFalse(l.hasAttentionMask());
        assertTrue(l.hasSeqlensInputs());
        assertTrue(l.hasPositionIds());
    }

    @Test
    void logitsRows() {
        assertEquals(Optional.of("logits_to_keep"), layout("logits_to_keep").logitsToKeepInput());
        assertEquals(Optional.of("num_logits_to_keep"), layout("llama_merged").logitsToKeepInput());
        assertTrue(layout("last_row").lastRowOnly());
        assertFalse(layout("llama_gqa").lastRowOnly());
        // declares [batch, sequence_length, vocab] but returns the last row: found out on the first run
        assertFalse(layout("gqa_last_row").lastRowOnly());
    }

    @Test
    void externalDataAndCommunityVariants() {
        assertEquals(64, layout("external_data").vocabSize());
        assertEquals(1024, layout("community/onnx/model.onnx").vocabSize());
        OnnxGraphLayout fp16 = layout("community/onnx/model_fp16.onnx");
        assertEquals(OrtApi.FLOAT16, fp16.kvElementType());
        assertEquals(OrtApi.FLOAT16, fp16.logitsElementType());
        assertEquals(OrtApi.FLOAT, layout("community/onnx/model_q4.onnx").kvElementType());
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
