package io.github.eft4j.onnx;

import static io.github.eft4j.onnx.TestGraphs.assertClose;
import static io.github.eft4j.onnx.TestGraphs.prefix;
import static io.github.eft4j.onnx.TestGraphs.row;
import static io.github.eft4j.onnx.TestGraphs.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.model.DecodingState;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Incremental decoding with the KV cache equals a full recompute without it, and both equal the
 * float64 torch forward pass of the same weights (golden*.bin), for every committed graph: the
 * torch exports of make_test_graphs.py and the export formats of make_export_graphs.py (external
 * data, the onnx-community variants, GroupQueryAttention in place and concatenated, MatMulNBits,
 * logits_to_keep, last-row-only logits).
 */
class DecodeCorrectnessTest {

    @AfterEach
    void noLeaks() {
        TestGraphs.assertNoLeaks();
    }

    static Stream<String> graphs() {
        return Stream.concat(Stream.of(TestGraphs.DECODERS), Stream.of(TestGraphs.EXPORTS));
    }

    @ParameterizedTest
    @MethodSource("graphs")
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

    /**
     * The in-place KV buffer starts at 64 positions, doubles, and stops at max_position_embeddings
     * (160); across both growths every step equals the concatenating path and the optimum twin
     * with the same weights.
     */
    @Test
    void inPlaceKvGrowsGeometricallyAndEqualsConcatenation() {
        Random rnd = new Random(3);
        int[] seq = rnd.ints(160, 0, 64).toArray();
        List<Integer> capacities = new ArrayList<>();
        try (OnnxLogitSource inPlace = TestGraphs.open("gqa"); OnnxLogitSource concat = TestGraphs.open("gqa#concat");
                OnnxLogitSource twin = TestGraphs.open("gqa_twin");
                OnnxDecodingState a = inPlace.open(prefix(seq, 4)); DecodingState b = concat.open(prefix(seq, 4));
                DecodingState c = twin.open(prefix(seq, 4))) {
            assertTrue(inPlace.kvInPlace());
            assertTrue(!concat.kvInPlace() && !twin.kvInPlace());
            capacities.add(a.kvCapacity());
            for (int len = 4; len < 160; len++) {
                assertClose(toDouble(row(b.logits())), row(a.logits()), 1e-5, "in place vs concatenated at " + len);
                if (len % 13 == 0) {
                    assertClose(toDouble(row(c.logits())), row(a.logits()), 1e-4, "in place vs optimum twin at " + len);
                }
                a.append(seq[len]);
                b.append(seq[len]);
                c.append(seq[len]);
                if (a.kvCapacity() != capacities.getLast()) {
                    capacities.add(a.kvCapacity());
                }
            }
        }
        assertEquals(List.of(64, 128, 160), capacities);
    }

    /**
     * The 4-bit graph is built from the same weights as the float32 one: its logits stay within
     * 0.2 of them relative to the row's scale (0.14 in float64 for these random weights, which
     * quantize worse than trained ones) and are not the float32 logits (the weights really are
     * 4-bit).
     */
    @Test
    void quantizedGraphStaysNearItsFloat32Twin() {
        TestGraphs.Golden g = TestGraphs.golden("gqa");
        double worst = 0;
        try (OnnxLogitSource fp32 = TestGraphs.open("gqa"); OnnxLogitSource q4 = TestGraphs.open("gqa_q4");
                DecodingState a = fp32.open(prefix(g.tokens(), 1)); DecodingState b = q4.open(prefix(g.tokens(), 1))) {
            for (int i = 1; i < g.tokens().length; i++) {
                worst = Math.max(worst, TestGraphs.relErr(toDouble(row(b.logits())), toDouble(row(a.logits()))));
                a.append(g.tokens()[i]);
                b.append(g.tokens()[i]);
            }
        }
        assertTrue(worst <= 0.2 && worst > 1e-2, "q4 vs float32 relative error " + worst);
    }
}
