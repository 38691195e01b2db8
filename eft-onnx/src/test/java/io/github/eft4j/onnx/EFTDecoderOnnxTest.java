package io.github.eft4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.FinishReason;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.decoder.ScoreCancelledException;
import io.github.eft4j.decoder.ScoreResult;
import io.github.eft4j.decoder.SpeculativeConfig;
import io.github.eft4j.decoder.StepObserver;
import io.github.eft4j.model.LogitSource;
import io.github.eft4j.sampling.SamplingConfig;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The decoder on ONNX sources: an interrupt or a timeout after token {@code k} stops plain,
 * speculative, batched and scoring runs within one step with the tokens so far (a prefix of the
 * full run), releases every state and leaves the sources usable; an interrupt during a long
 * prefill terminates it; the model's position limit ends generation instead of failing.
 */
class EFTDecoderOnnxTest {
    private static final Prompt PROMPT = Prompt.of(5, 17, 3, 40, 8).with(EFTSpec.SMALL_FT, 1, 9, 5, 17, 3, 40, 8);

    @AfterEach
    void noLeaks() {
        Thread.interrupted();
        TestGraphs.assertNoLeaks();
    }

    private static EFTDecoder decoder(LogitSource large, LogitSource ft, LogitSource base) {
        return EFTDecoder.builder(EFTSpec.upscale()).source(EFTSpec.LARGE_BASE, large).source(EFTSpec.SMALL_FT, ft)
                .source(EFTSpec.SMALL_BASE, base).build();
    }

    private static void assertReleased(OnnxLogitSource... sources) {
        for (OnnxLogitSource s : sources) {
            assertEquals(0, s.openStates(), "open states of " + s.name());
        }
    }

    @Test
    void anInterruptOrTimeoutAfterTokenKStopsEveryModeWithinOneStep() {
        try (OnnxLogitSource a = TestGraphs.open("llama_gqa");
             OnnxLogitSource b = TestGraphs.open("falcon_mqa");
             OnnxLogitSource c = TestGraphs.open("llama_nopos")) {
            EFTDecoder d = decoder(a, b, c);
            GenerationConfig plain = GenerationConfig.builder().maxNewTokens(30).seed(3L).trace(true).build();
            GenerationConfig[] modes = {
                plain,
                plain.toBuilder().sampling(SamplingConfig.sampling().withTemperature(0.8f)).build(),
                plain.withSpeculative(SpeculativeConfig.adaptive(4)),
                plain.toBuilder().sampling(SamplingConfig.sampling()).speculative(SpeculativeConfig.fixed(3)).build(),
            };
            int k = 7;
            for (GenerationConfig mode : modes) {
                int[] full = d.generate(PROMPT, mode).tokens();
                GenerationResult r = d.generate(PROMPT, mode, (token, index) -> {
                    if (index == k - 1) {
                        Thread.currentThread().interrupt();
                    }
                });
                assertTrue(Thread.interrupted(), "the interrupt status is kept");
                assertEquals(FinishReason.CANCELLED, r.finishReason());
                assertArrayEquals(Arrays.copyOf(full, k), r.tokens(), mode.toString());
                assertReleased(a, b, c);

                long start = System.nanoTime();
                StepObserver waitPastDeadline = v -> {
                    while (v.position() == k && System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(400)) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                    }
                };
                GenerationResult t = d.generate(PROMPT, mode.toBuilder().observer(waitPastDeadline)
                        .timeout(Duration.ofMillis(300)).build());
                assertEquals(FinishReason.TIMEOUT, t.finishReason());
                assertTrue(t.length() <= k + 1, t.length() + " tokens");
                assertArrayEquals(Arrays.copyOf(full, t.length()), t.tokens());
                assertReleased(a, b, c);
            }

            List<Prompt> prompts = List.of(PROMPT, Prompt.of(12, 2, 33));
            List<GenerationResult> fullBatch = d.generateBatch(prompts, plain);
            StepObserver interruptAtK = v -> {
                if (v.sequence() == 0 && v.position() == k - 1) {
                    Thread.currentThread().interrupt();
                }
            };
            List<GenerationResult> batch = d.generateBatch(prompts, plain.toBuilder().observer(interruptAtK).build());
            assertTrue(Thread.interrupted());
            for (int s = 0; s < prompts.size(); s++) {
                assertEquals(FinishReason.CANCELLED, batch.get(s).finishReason());
                assertArrayEquals(Arrays.copyOf(fullBatch.get(s).tokens(), k), batch.get(s).tokens());
            }
            assertReleased(a, b, c);

            int[] cont = d.generate(PROMPT, plain).tokens();
            ScoreResult fullScore = d.score(PROMPT, cont);
            ScoreCancelledException e = assertThrows(ScoreCancelledException.class,
                    () -> d.score(PROMPT, cont, plain.toBuilder().observer(interruptAtK).build()));
            assertTrue(Thread.interrupted());
            assertEquals(fullScore.tokens().subList(0, k), e.partialResult().tokens());
            assertReleased(a, b, c);
            assertEquals(fullScore, d.score(PROMPT, cont), "the sources stay usable");
        }
    }

    /** An interrupt from another thread during a 250-token prefill of the mini family stops it. */
    @Test
    void anInterruptDuringALongPrefillEndsWithNoTokensAndReleasesTheStates() throws Exception {
        java.nio.file.Path mini = MiniFamilyTest.FAMILY;
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try (OnnxLogitSource large = open(mini.resolve("large-base"));
             OnnxLogitSource ft = open(mini.resolve("small-ft"));
             OnnxLogitSource base = open(mini.resolve("small-base"))) {
            EFTDecoder d = decoder(large, ft, base);
            int[] prompt = new int[250];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = 4 + (i * 37) % 1000;
            }
            AtomicReference<Thread> worker = new AtomicReference<>();
            java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
            Future<GenerationResult> f = caller.submit(() -> {
                worker.set(Thread.currentThread());
                started.countDown();
                try {
                    return d.generate(Prompt.of(prompt), GenerationConfig.greedy(5));
                } finally {
                    assertTrue(Thread.interrupted(), "the interrupt status is kept");
                }
            });
            started.await();
            TimeUnit.MILLISECONDS.sleep(5);
            worker.get().interrupt();
            GenerationResult r = f.get(60, TimeUnit.SECONDS);
            assertEquals(FinishReason.CANCELLED, r.finishReason());
            assertTrue(r.length() <= 1, r.length() + " tokens");
            assertReleased(large, ft, base);
            assertEquals(5, d.generate(Prompt.of(prompt), GenerationConfig.greedy(5)).length(), "the sources stay usable");
        } finally {
            caller.shutdownNow();
        }
    }

    @Test
    void theMiniFamilysPositionLimitEndsGenerationWithTheTokensSoFar() {
        java.nio.file.Path mini = MiniFamilyTest.FAMILY;
        try (OnnxLogitSource large = open(mini.resolve("large-base"));
             OnnxLogitSource ft = open(mini.resolve("small-ft"));
             OnnxLogitSource base = open(mini.resolve("small-base"))) {
            EFTDecoder d = decoder(large, ft, base);
            int[] prompt = new int[240];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = 4 + (i * 53) % 1000;
            }
            GenerationResult room = d.generate(Prompt.of(prompt), GenerationConfig.greedy(17));
            assertEquals(FinishReason.LENGTH, room.finishReason(), "256 - 240 + 1 = 17 tokens fit");
            for (GenerationConfig cfg : new GenerationConfig[] {GenerationConfig.greedy(40),
                    GenerationConfig.greedy(40).withSpeculative(SpeculativeConfig.adaptive(8))}) {
                GenerationResult r = d.generate(Prompt.of(prompt), cfg);
                assertEquals(FinishReason.POSITION_LIMIT, r.finishReason());
                assertArrayEquals(room.tokens(), r.tokens());
            }
            List<GenerationResult> batch = d.generateBatch(List.of(Prompt.of(prompt), Prompt.of(1, 2)), GenerationConfig.greedy(40));
            assertEquals(FinishReason.POSITION_LIMIT, batch.get(0).finishReason());
            assertArrayEquals(room.tokens(), batch.get(0).tokens());
            assertEquals(17, batch.get(1).length(), "the batch advances together: the smallest room holds");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> d.generate(Prompt.of(new int[300]), GenerationConfig.greedy(4)));
            assertTrue(e.getMessage().contains("300 tokens") && e.getMessage().contains("at most 256"), e.getMessage());
            assertEquals(17, d.score(Prompt.of(prompt), room.tokens()).tokens().size());
            assertThrows(IllegalArgumentException.class, () -> d.score(Prompt.of(prompt), new int[18]));
            assertReleased(large, ft, base);
        }
    }

    private static OnnxLogitSource open(java.nio.file.Path dir) {
        return OnnxLogitSource.open(OnnxOptions.builder(dir.resolve("model.onnx")).threads(1).build());
    }
}
