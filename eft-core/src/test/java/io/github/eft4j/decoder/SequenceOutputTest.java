package io.github.eft4j.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SequenceOutputTest {
    private static final int V = 10;

    private static TokenTrace entry(int pos, int token) {
        return new TokenTrace(pos, token, new float[] {-1f}, -1f, -1f, 0f, TokenOrigin.SAMPLED, -1);
    }

    private static int[] result(SequenceOutput o) {
        return o.result(1L, Map.of(), null).tokens();
    }

    @Test
    void theLimitEndsWithLengthOrPositionLimitDependingOnWhatWasSmaller() {
        SequenceOutput byLength = new SequenceOutput(GenerationConfig.greedy(3), V, 1, 5);
        SequenceOutput byContext = new SequenceOutput(GenerationConfig.greedy(3), V, 1, 2);
        SequenceOutput equal = new SequenceOutput(GenerationConfig.greedy(3), V, 1, 3);
        for (SequenceOutput o : new SequenceOutput[] {byLength, byContext, equal}) {
            while (o.emit(4, null)) {
                assertNull(o.finish());
            }
        }
        assertEquals(FinishReason.LENGTH, byLength.finish());
        assertEquals(3, byLength.length());
        assertEquals(FinishReason.POSITION_LIMIT, byContext.finish());
        assertEquals(2, byContext.length());
        assertEquals(FinishReason.LENGTH, equal.finish(), "the requested length was reached");
        assertEquals(FinishReason.LENGTH, new SequenceOutput(GenerationConfig.greedy(0), V, 1, 5).finish());
        assertEquals(0, byContext.remaining());
    }

    @Test
    void stopTokensAndStopSequencesEndAfterTheCompletingToken() {
        GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(20).stopTokens(9).build();
        SequenceOutput o = new SequenceOutput(cfg, V, 1, Integer.MAX_VALUE);
        assertTrue(o.emit(1, null));
        assertFalse(o.emit(9, null));
        assertEquals(FinishReason.STOP_TOKEN, o.finish());
        assertArrayEquals(new int[] {1, 9}, result(o));

        Detokenizer digits = ids -> {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                sb.append(id);
            }
            return sb.toString();
        };
        SequenceOutput s = new SequenceOutput(GenerationConfig.builder().maxNewTokens(20).stopSequences(digits, "345").build(),
                V, 1, Integer.MAX_VALUE);
        for (int t = 1; s.emit(t, null); t++) {
            assertTrue(t < 5);
        }
        assertEquals(FinishReason.STOP_SEQUENCE, s.finish());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5}, result(s));
    }

    @Test
    void aStopKeepsTheDeliveredTokensAndTheirTraceOnly() {
        SequenceOutput o = new SequenceOutput(GenerationConfig.builder().maxNewTokens(20).trace(true).build(), V, 4, 100);
        for (int t = 0; t < 6; t++) {
            o.emit(t, entry(t, t));
        }
        o.stop(FinishReason.TIMEOUT, 4);
        GenerationResult r = o.result(3L, Map.of("a", 2L), null);
        assertEquals(FinishReason.TIMEOUT, r.finishReason());
        assertArrayEquals(new int[] {0, 1, 2, 3}, r.tokens());
        assertEquals(4, r.trace().size());
        assertEquals(3, r.trace().get(3).token());
        SequenceOutput finished = new SequenceOutput(GenerationConfig.greedy(2), V, 1, 100);
        finished.emit(1, null);
        finished.emit(2, null);
        finished.cancel();   // a close after the end changes nothing
        assertEquals(FinishReason.LENGTH, finished.finish());
        SequenceOutput running = new SequenceOutput(GenerationConfig.greedy(5), V, 1, 100);
        running.emit(1, null);
        running.cancel();
        assertEquals(FinishReason.CANCELLED, running.finish());
        assertArrayEquals(new int[] {1}, result(running));
    }

    @Test
    void reserveGrowsTheBufferPastTheDraftsAndKeepsTheTokens() {
        SequenceOutput o = new SequenceOutput(GenerationConfig.greedy(10_000), V, 1, Integer.MAX_VALUE);
        int initial = o.tokens().length;
        assertEquals(4096 + 2, initial, "preallocated for 4096 tokens plus the headroom");
        for (int t = 0; t < initial; t++) {
            o.emit(t % V, null);
        }
        o.reserve(70);
        assertTrue(o.tokens().length >= initial + 71);
        for (int t = 0; t < initial; t++) {
            assertEquals(t % V, o.tokens()[t]);
        }
        assertEquals(10_000 - initial, o.remaining());
    }
}
