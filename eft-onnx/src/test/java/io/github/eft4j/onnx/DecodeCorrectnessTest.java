package io.github.eft4j.onnx;

import io.github.eft4j.model.DecodingState;

import static io.github.eft4j.onnx.TestGraphs.assertClose;
import static io.github.eft4j.onnx.TestGraphs.prefix;
import static io.github.eft4j.onnx.TestGraphs.row;
import static io.github.eft4j.onnx.TestGraphs.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.eft4j.model.DecodingState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Incremental decoding with the KV cache equals a full recompute without it, and both equal the
 * float64 torch forward pass of the same weights (golden.bin).
 */
class DecodeCorrectnessTest {

    @AfterEach
    void noLeaks() {
        TestGraphs.assertNoLeaks();
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama_gqa", "falcon_mqa", "llama_nopos", "llama_merged", "llama_fp16", "llama_bf16"})
    void incrementalEqualsFullRecomputeAndReference(String graph) {
        TestGraphs.Golden g = TestGraphs.golden(graph);
        double tol = TestGraphs.tolerance(graph);
        int n = g.tokens().length;
        float[][] incremental = new float[n][];
        try (OnnxLogitSource src = TestGraphs.open(graph)) {
            assertEquals(g.logits()[0].length, src.vocabSize());
            try (DecodingState s = src.open(prefix(g.tokens(), 4))) {
                assertEquals(1, s.logitRows());
                incremental[3] = row(s.logits());
                for (int i = 4; i < n - 3; i++) { // one token at a time
                    s.append(g.tokens()[i]);
                    assertEquals(1, s.logitRows());
                    incremental[i] = row(s.logits());
                }
                s.append(g.tokens()[n - 3], g.tokens()[n - 2], g.tokens()[n - 1]); // three at once
                assertEquals(3, s.logitRows());
                assertEquals(n, s.length());
                for (int r = 0; r < 3; r++) {
                    incremental[n - 3 + r] = row(s.logits(r));
                }
            }
            for (int i = 3; i < n; i++) {
                try (DecodingState full = src.open(prefix(g.tokens(), i + 1))) {
                    float[] f = row(full.logits());
                    assertClose(toDouble(f), incremental[i], tol, graph + " incremental vs recompute at " + i);
                    assertClose(g.logits()[i], f, tol, graph + " recompute vs float64 reference at " + i);
                    assertClose(g.logits()[i], incremental[i], tol, graph + " incremental vs float64 reference at " + i);
                }
            }
        }
    }
}
