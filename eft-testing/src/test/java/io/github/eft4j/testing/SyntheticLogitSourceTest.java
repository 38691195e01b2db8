package io.github.eft4j.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.model.BatchDecodingState;
import io.github.eft4j.model.DecodingState;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The test sources follow the {@link DecodingState} contract the decoder relies on. */
class SyntheticLogitSourceTest {
    private static final int V = 50;

    private static float[] row(DecodingState s, int r) {
        float[] x = new float[V];
        s.copyLogits(r, x);
        return x;
    }

    @Test
    void multiTokenAppendRowsEqualOneTokenAppendsAndFreshPrefills() {
        SyntheticLogitSource src = SyntheticLogitSource.builder("m", V).order(3).candidates(3, 8).build();
        int[] prompt = {1, 2};
        int[] cont = {7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};   // more rows than preallocated
        try (DecodingState multi = src.open(prompt); DecodingState single = src.open(prompt)) {
            multi.append(cont);
            assertEquals(cont.length, multi.logitRows());
            assertEquals(prompt.length + cont.length, multi.length());
            for (int j = 0; j < cont.length; j++) {
                single.append(cont[j]);
                assertArrayEquals(row(single, 0), row(multi, j), "row " + j);
                int[] prefix = new int[prompt.length + j + 1];
                System.arraycopy(prompt, 0, prefix, 0, 2);
                System.arraycopy(cont, 0, prefix, 2, j + 1);
                try (DecodingState fresh = src.open(prefix)) {
                    assertArrayEquals(row(fresh, 0), row(multi, j));
                }
                float[] viaSegment = multi.logits(j).toArray(ValueLayout.JAVA_FLOAT);
                assertArrayEquals(row(multi, j), viaSegment);
            }
            multi.truncate(4);
            assertEquals(1, multi.logitRows());
            assertEquals(4, multi.length());
            try (DecodingState fresh = src.open(new int[] {1, 2, 7, 8})) {
                assertArrayEquals(row(fresh, 0), row(multi, 0));
            }
            assertThrows(IllegalArgumentException.class, () -> multi.truncate(5));
            assertThrows(IllegalArgumentException.class, () -> multi.append(3, V));
            assertEquals(4, multi.length(), "a rejected append consumes nothing");
            assertThrows(IndexOutOfBoundsException.class, () -> multi.logits(1));
        }
    }

    @Test
    void batchEqualsSingleSequencesAndCountsOnePassPerStep() {
        SyntheticLogitSource src = SyntheticLogitSource.builder("m", V).build();
        int[][] prompts = {{1}, {2, 3, 4}, {5, 5}};
        try (BatchDecodingState b = src.openBatch(prompts)) {
            assertEquals(1, src.forwardPasses());
            b.append(new int[] {9, 8, 7});
            b.append(new int[] {1, 1, 1});
            assertEquals(3, src.forwardPasses());
            int[][] full = {{1, 9, 1}, {2, 3, 4, 8, 1}, {5, 5, 7, 1}};
            for (int s = 0; s < 3; s++) {
                try (DecodingState one = src.open(full[s])) {
                    float[] x = new float[V];
                    b.copyLogits(s, x);
                    assertArrayEquals(row(one, 0), x);
                    assertEquals(full[s].length, b.length(s));
                }
            }
            assertThrows(IllegalArgumentException.class, () -> b.append(new int[] {1, 2}));
        }
    }

    @Test
    void similarityIsControlledByTheOwnWeightAndCountersAndCloseWork() {
        float[] a = new float[V];
        float[] b = new float[V];
        float[] c = new float[V];
        int[] ctx = {4, 5};
        SyntheticLogitSource.builder("a", V).familySeed(1).ownSeed(2).ownWeight(0).build().logitsAfter(ctx, 2, a);
        SyntheticLogitSource.builder("b", V).familySeed(1).ownSeed(3).ownWeight(0).build().logitsAfter(ctx, 2, b);
        SyntheticLogitSource.builder("c", V).familySeed(1).ownSeed(3).ownWeight(0.5).build().logitsAfter(ctx, 2, c);
        assertArrayEquals(a, b, "own weight 0: the family model");
        assertNotEquals(a[0], c[0]);
        int[] calls = {0};
        SyntheticLogitSource src = SyntheticLogitSource.builder("m", V).forwardCost(t -> calls[0] += t).build();
        DecodingState s = src.open(new int[] {1, 2, 3});
        s.append(4, 5);
        assertEquals(2, src.forwardPasses());
        assertEquals(5, src.tokensProcessed());
        assertEquals(5, calls[0]);
        IllegalStateException open = assertThrows(IllegalStateException.class, src::close);
        assertTrue(open.getMessage().contains("1 open"), open.getMessage());
        s.close();
        s.close();
        assertThrows(IllegalStateException.class, s::length);
        src.close();
        assertThrows(IllegalStateException.class, () -> src.open(new int[] {1}));
        assertThrows(IllegalArgumentException.class, () -> SyntheticLogitSource.builder("x", V).build().open(new int[0]));
        assertThrows(IllegalArgumentException.class,
                () -> SyntheticLogitSource.builder("x", V).maxLength(3).build().open(new int[] {1, 2, 3}).append(1));
    }
}
