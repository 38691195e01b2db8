package io.github.eft4j.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.testing.SyntheticLogitSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Batched generation: equality with unbatched runs, stopping within one step, the shared position limit. */
class BatchGenerationTest {
    private static final int V = 40;

    private static final SamplingConfig[] SAMPLING = {
        SamplingConfig.greedyDecoding(),
        SamplingConfig.sampling(),
        SamplingConfig.sampling().withTemperature(0.7f),
        SamplingConfig.sampling().withTemperature(1.3f).withTopK(8),
        SamplingConfig.sampling().withTopP(0.8f),
        SamplingConfig.sampling().withMinP(0.05f).withRepetitionPenalty(1.3f),
        SamplingConfig.greedyDecoding().withRepetitionPenalty(1.5f),
    };

    private static final List<Prompt> PROMPTS = List.of(Prompt.of(1, 2), Prompt.of(7).with(EFTSpec.SMALL_FT, 3, 7),
            Prompt.of(5, 5, 5, 9));

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void batchedGenerationEqualsUnbatchedWithSeedPlusIndex() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.5, 13);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        SplittableRandom r = new SplittableRandom(3);
        List<Prompt> prompts = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            prompts.add(Prompt.of(Sources.randomPrompt(r, V, 7)).with(EFTSpec.SMALL_FT, Sources.randomPrompt(r, V, 7)));
        }
        // The default openBatch (one state per sequence) through wrappers that do not override it.
        EFTDecoder viaDefault = EFTDecoder.builder(EFTSpec.upscale()).source(EFTSpec.LARGE_BASE, new EFTDecoderTest.NaNSource(s[0], -100))
                .source(EFTSpec.SMALL_FT, new EFTDecoderTest.NaNSource(s[1], -100)).source(EFTSpec.SMALL_BASE, new EFTDecoderTest.NaNSource(s[2], -100)).build();
        for (SamplingConfig sc : SAMPLING) {
            GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(25).seed(100L).sampling(sc).stopTokens(5, 6)
                    .trace(true).build();
            List<GenerationResult> batch = decoder.generateBatch(prompts, cfg);
            List<GenerationResult> batchDefault = viaDefault.generateBatch(prompts, cfg);
            for (int i = 0; i < prompts.size(); i++) {
                assertArrayEquals(batch.get(i).tokens(), batchDefault.get(i).tokens());
            }
            for (int i = 0; i < prompts.size(); i++) {
                GenerationResult one = decoder.generate(prompts.get(i), cfg.withSeed(100L + i));
                assertArrayEquals(one.tokens(), batch.get(i).tokens(), "sequence " + i + " with " + sc);
                assertEquals(one.finishReason(), batch.get(i).finishReason());
                assertEquals(one.trace(), batch.get(i).trace());
                assertEquals(100L + i, batch.get(i).seed());
            }
        }
    }

    @Test
    void anInterruptAtPositionKEndsEverySequenceWithinOneStepWithItsTokensSoFar() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.4, 107);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(25).seed(3L).sampling(SamplingConfig.sampling())
                .trace(true).build();
        List<GenerationResult> full = decoder.generateBatch(PROMPTS, cfg);
        for (int k : new int[] {1, 6}) {
            StepObserver interruptAtK = v -> {
                if (v.sequence() == 1 && v.position() == k - 1) {
                    Thread.currentThread().interrupt();
                }
            };
            List<GenerationResult> got = decoder.generateBatch(PROMPTS, cfg.toBuilder().observer(interruptAtK).build());
            assertTrue(Thread.interrupted(), "the interrupt status is kept");
            for (int i = 0; i < PROMPTS.size(); i++) {
                GenerationResult r = got.get(i);
                assertEquals(FinishReason.CANCELLED, r.finishReason());
                assertEquals(k, r.length(), "the step that saw the interrupt finishes for every sequence");
                assertArrayEquals(Arrays.copyOf(full.get(i).tokens(), k), r.tokens());
                assertEquals(k, r.trace().size());
            }
        }
        for (SyntheticLogitSource x : s) {
            x.close();   // the batch's states were released
        }
    }

    @Test
    void aBlockedBatchedAppendIsStoppedByAnInterruptOrTheTimeout() throws Exception {
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(40), () -> {
                for (String how : new String[] {"interrupt", "timeout"}) {
                    SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.4, 109);
                    GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(25).seed(3L).build();
                    List<GenerationResult> full = Sources.decoder(EFTSpec.upscale(), s).generateBatch(PROMPTS, cfg);
                    // the default openBatch: one state per sequence, appended in turn; append 12 is the
                    // last sequence's in the 4th batched append, after tokens 0..3
                    Sources.Blocking blocking = new Sources.Blocking(s[1], 3 * 4, false);
                    EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s[0], blocking, s[2]);
                    GenerationConfig c = how.equals("timeout") ? cfg.withTimeout(Duration.ofMillis(300)) : cfg;
                    AtomicReference<Thread> worker = new AtomicReference<>();
                    Future<List<GenerationResult>> f = caller.submit(() -> {
                        worker.set(Thread.currentThread());
                        try {
                            return decoder.generateBatch(PROMPTS, c);
                        } finally {
                            assertEquals(how.equals("interrupt"), Thread.interrupted());
                        }
                    });
                    blocking.awaitBlocked();
                    if (how.equals("interrupt")) {
                        worker.get().interrupt();
                    }
                    List<GenerationResult> got = f.get(20, TimeUnit.SECONDS);
                    for (int i = 0; i < PROMPTS.size(); i++) {
                        GenerationResult r = got.get(i);
                        assertEquals(how.equals("timeout") ? FinishReason.TIMEOUT : FinishReason.CANCELLED, r.finishReason());
                        assertEquals(4, r.length(), "tokens 0..3 were emitted before the append that blocked");
                        assertArrayEquals(Arrays.copyOf(full.get(i).tokens(), 4), r.tokens());
                    }
                    for (SyntheticLogitSource x : s) {
                        x.close();
                    }
                }
            });
        } finally {
            caller.shutdownNow();
        }
    }

    @Test
    void aTimeoutBetweenStepsEndsTheBatch() {
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), Sources.upscaleFamily(V, 0.4, 113));
        long start = System.nanoTime();
        StepObserver waitPastDeadline = v -> {
            if (v.position() == 3) {
                while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(400)) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
            }
        };
        List<GenerationResult> got = decoder.generateBatch(PROMPTS, GenerationConfig.builder().maxNewTokens(25)
                .timeout(Duration.ofMillis(300)).observer(waitPastDeadline).build());
        for (GenerationResult r : got) {
            assertEquals(FinishReason.TIMEOUT, r.finishReason());
            assertEquals(4, r.length());
        }
    }

    @Test
    void everySequenceIsLimitedByTheSmallestRoomAndSequencesThatStoppedKeepTheirReason() {
        SyntheticLogitSource[] s = new SyntheticLogitSource[3];
        for (int i = 0; i < 3; i++) {
            s[i] = SyntheticLogitSource.builder("lim" + i, V).familySeed(3).ownSeed(20 + i).maxLength(12).build();
        }
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        List<Prompt> prompts = List.of(Prompt.of(1, 2), Prompt.of(new int[8]));   // room 11 and 5
        GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(20).build();
        List<GenerationResult> got = decoder.generateBatch(prompts, cfg);
        for (GenerationResult r : got) {
            assertEquals(FinishReason.POSITION_LIMIT, r.finishReason());
            assertEquals(5, r.length(), "the sequences advance together: the smallest room holds for all");
        }
        int first = got.get(0).token(0);
        List<GenerationResult> stopped = decoder.generateBatch(prompts, cfg.toBuilder().stopTokens(first).build());
        assertEquals(FinishReason.STOP_TOKEN, stopped.get(0).finishReason());
        assertEquals(1, stopped.get(0).length());
    }
}
