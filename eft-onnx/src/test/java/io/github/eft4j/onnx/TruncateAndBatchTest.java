package io.github.eft4j.onnx;

import static io.github.eft4j.onnx.TestGraphs.assertClose;
import static io.github.eft4j.onnx.TestGraphs.prefix;
import static io.github.eft4j.onnx.TestGraphs.row;
import static io.github.eft4j.onnx.TestGraphs.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.model.BatchDecodingState;
import io.github.eft4j.model.DecodingState;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rollback for speculative decoding (masking on optimum graphs, rewinding on GroupQueryAttention
 * ones, in place or concatenated), and batched decoding with left padding (optimum) or right
 * padding (GroupQueryAttention).
 */
class TruncateAndBatchTest {

    @AfterEach
    void noLeaks() {
        TestGraphs.assertNoLeaks();
    }

    private static void assertSameAsFresh(OnnxLogitSource src, DecodingState s, int[] expectedTokens, String what) {
        assertEquals(expectedTokens.length, s.length(), what + ": length");
        try (DecodingState fresh = src.open(expectedTokens)) {
            assertClose(toDouble(row(fresh.logits())), row(s.logits()), 1e-4, what);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama_gqa", "llama_nopos", "llama_merged", "falcon_mqa", "gqa", "gqa#concat", "gqa_inputs",
        "gqa_last_row", "last_row", "logits_to_keep", "external_data"})
    void truncateThenAppendEqualsFreshPrefill(String graph) {
        Random rnd = new Random(11);
        int[] seq = rnd.ints(40, 0, 64).toArray();
        try (OnnxLogitSource src = TestGraphs.open(graph); DecodingState s = src.open(prefix(seq, 6))) {
            // speculative step: 4 draft tokens verified at once, 2 accepted -> row already known
            s.append(seq[6], seq[7], seq[8], seq[9]);
            s.truncate(8);
            assertEquals(1, s.logitRows());
            assertSameAsFresh(src, s, prefix(seq, 8), graph + " truncate into last run");
            s.append(seq[8]);
            assertSameAsFresh(src, s, prefix(seq, 9), graph + " append after truncate");
            s.append(seq[9], seq[10]);
            // roll back past the last run: one token is re-run
            s.truncate(5);
            assertSameAsFresh(src, s, prefix(seq, 5), graph + " truncate before last run");
            s.append(seq[5], seq[6]);
            assertSameAsFresh(src, s, prefix(seq, 7), graph + " append after re-run");
            // many rollbacks: dead columns outnumber live ones and the state recomputes
            for (int round = 0; round < 12; round++) {
                s.append(seq[7], seq[8], seq[9]);
                s.truncate(3 + round % 4);
                assertSameAsFresh(src, s, prefix(seq, 3 + round % 4), graph + " rollback round " + round);
                s.append(Arrays.copyOfRange(seq, s.length(), 7));
            }
            assertSameAsFresh(src, s, prefix(seq, 7), graph + " after compaction");
            s.truncate(7); // no-op: same length, one row
            assertSameAsFresh(src, s, prefix(seq, 7), graph + " truncate to same length");
            assertThrows(IllegalArgumentException.class, () -> s.truncate(0));
            assertThrows(IllegalArgumentException.class, () -> s.truncate(8));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama_gqa", "llama_nopos", "gqa", "gqa#concat", "gqa_last_row", "last_row"})
    void speculativeLoopCompactsAndStaysExact(String graph) {
        // draft 4, accept 1 per round: 3 dead columns a round pass max_position_embeddings (64)
        Random rnd = new Random(2);
        int[] seq = rnd.ints(64, 0, 64).toArray();
        try (OnnxLogitSource src = TestGraphs.open(graph); DecodingState s = src.open(prefix(seq, 4))) {
            for (int len = 4; len < 40; len++) {
                int[] draft = {seq[len], (seq[len] + 1) % 64, (seq[len] + 2) % 64, (seq[len] + 3) % 64};
                s.append(draft);
                s.truncate(len + 1);
                if (len % 6 == 0) {
                    assertSameAsFresh(src, s, prefix(seq, len + 1), graph + " speculative round " + len);
                }
            }
            assertSameAsFresh(src, s, prefix(seq, 40), graph + " after speculative loop");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama_gqa", "falcon_mqa", "llama_nopos", "llama_merged", "llama_fp16", "llama_bf16",
        "gqa", "gqa#concat", "gqa_inputs", "gqa_inputs#concat", "gqa_q4", "logits_to_keep", "last_row"})
    void batchedEqualsUnbatched(String graph) {
        Random rnd = new Random(5);
        int[][] prompts = {rnd.ints(3, 0, 64).toArray(), rnd.ints(7, 0, 64).toArray(), rnd.ints(5, 0, 64).toArray()};
        int[][] next = new int[4][3];
        for (int[] n : next) {
            Arrays.setAll(n, i -> rnd.nextInt(64));
        }
        double tol = TestGraphs.tolerance(graph);
        try (OnnxLogitSource src = TestGraphs.open(graph); BatchDecodingState batch = src.openBatch(prompts)) {
            DecodingState[] single = new DecodingState[3];
            try {
                for (int i = 0; i < 3; i++) {
                    single[i] = src.open(prompts[i]);
                }
                for (int step = 0; step <= next.length; step++) {
                    for (int i = 0; i < 3; i++) {
                        assertEquals(single[i].length(), batch.length(i));
                        assertClose(toDouble(row(single[i].logits())), row(batch.logits(i)), tol,
                                graph + " sequence " + i + " step " + step);
                    }
                    if (step < next.length) {
                        batch.append(next[step]);
                        for (int i = 0; i < 3; i++) {
                            single[i].append(next[step][i]);
                        }
                    }
                }
            } finally {
                for (DecodingState s : single) {
                    if (s != null) {
                        s.close();
                    }
                }
            }
            assertThrows(IllegalArgumentException.class, () -> batch.append(new int[] {1, 2}));
            assertThrows(IllegalArgumentException.class, () -> batch.append(new int[] {1, 2, 64}));
        }
    }

    /**
     * GroupQueryAttention assumes right padding: with logits of every position the shorter rows read
     * theirs at their own length; a graph with only the last position's logits batches prompts of
     * one length and refuses different lengths with a message, never silently wrong logits.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gqa_last_row", "gqa_last_row#concat"})
    void lastRowOnlyGroupQueryAttentionRefusesRaggedBatches(String graph) {
        Random rnd = new Random(8);
        try (OnnxLogitSource src = TestGraphs.open(graph)) {
            int[][] ragged = {rnd.ints(3, 0, 64).toArray(), rnd.ints(6, 0, 64).toArray()};
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> src.openBatch(ragged));
            assertTrue(e.getMessage().contains("different lengths") && e.getMessage().contains("right padding")
                    && e.getMessage().contains("[3, 6]"), e.getMessage());
            assertEquals(0, src.openStates());
            int[][] even = {rnd.ints(5, 0, 64).toArray(), rnd.ints(5, 0, 64).toArray()};
            try (BatchDecodingState batch = src.openBatch(even); DecodingState a = src.open(even[0]);
                    DecodingState b = src.open(even[1])) {
                batch.append(new int[] {7, 9});
                a.append(7);
                b.append(9);
                assertClose(toDouble(row(a.logits())), row(batch.logits(0)), 1e-4, graph + " even batch row 0");
                assertClose(toDouble(row(b.logits())), row(batch.logits(1)), 1e-4, graph + " even batch row 1");
            }
        }
    }

    /**
     * A cancelled multi-token append leaves the state as it was on every KV path: in place (the
     * cancelled run may have written past the length; the next one writes over it), concatenated,
     * and one token at a time for last-row-only graphs.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gqa", "gqa#concat", "gqa_last_row", "last_row"})
    void cancelledAppendKeepsTheState(String graph) {
        try (OnnxLogitSource src = TestGraphs.open(graph); OnnxDecodingState s = src.open(new int[] {1, 2, 3})) {
            s.append(4, 5);
            float[] before = row(s.logits(1));
            s.cancel();
            assertThrows(java.util.concurrent.CancellationException.class, () -> s.append(7, 8, 9));
            assertEquals(5, s.length());
            assertEquals(2, s.logitRows());
            assertClose(toDouble(before), row(s.logits(1)), 0, graph + " logits after cancelled append");
            s.append(7, 8);
            assertSameAsFresh(src, s, new int[] {1, 2, 3, 4, 5, 7, 8}, graph + " append after cancel");
        }
    }
}
