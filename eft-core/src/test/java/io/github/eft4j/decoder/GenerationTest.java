package io.github.eft4j.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.model.LogitSource;
import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.testing.SyntheticLogitSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link Generation} iterator and its lifecycle: iteration, close, failure, and stopping
 * (interrupt, {@link Generation#cancel()}, timeout) in plain and speculative decoding, sequential
 * and parallel, with forward passes that return (synthetic sources) and ones that block until
 * cancelled (a native call). Each stop must come within one step: after token {@code k} the
 * result holds at most {@code k + 1} tokens, a prefix of the uninterrupted run.
 */
class GenerationTest {
    private static final int V = 40;
    private static final Duration LONG = Duration.ofSeconds(20);

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    private static GenerationConfig[] modes() {
        GenerationConfig plain = GenerationConfig.builder().maxNewTokens(30).seed(5L).trace(true).build();
        return new GenerationConfig[] {
            plain,
            plain.toBuilder().sampling(SamplingConfig.sampling()).build(),
            plain.withSpeculative(SpeculativeConfig.adaptive(6)),
            plain.toBuilder().sampling(SamplingConfig.sampling()).speculative(SpeculativeConfig.fixed(4)).build(),
        };
    }

    private static void assertPrefix(int[] full, GenerationResult r, int max, String what) {
        assertTrue(r.length() <= max, what + ": " + r.length() + " tokens, expected at most " + max);
        assertArrayEquals(Arrays.copyOf(full, r.length()), r.tokens(), what + ": not a prefix of the full run");
        assertEquals(r.length(), r.trace().size(), what + ": trace entries");
    }

    @Test
    void iteratorListenerAndGenerateAgree() {
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), Sources.upscaleFamily(V, 0.5, 17));
        GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(30).seed(5L).sampling(SamplingConfig.sampling()).build();
        GenerationResult r = decoder.generate(Prompt.of(3), cfg);
        List<Integer> streamed = new ArrayList<>();
        decoder.generate(Prompt.of(3), cfg, (token, index) -> {
            assertEquals(streamed.size(), index);
            streamed.add(token);
        });
        List<Integer> iterated = new ArrayList<>();
        try (Generation g = decoder.start(Prompt.of(3), cfg)) {
            g.forEachRemaining((int t) -> iterated.add(t));
            assertTrue(g.isFinished());
            assertEquals(r, g.result());
        }
        List<Integer> want = Arrays.stream(r.tokens()).boxed().toList();
        assertEquals(want, streamed);
        assertEquals(want, iterated);
    }

    @Test
    void useAfterCloseFailsAndCloseIsIdempotent() {
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), Sources.upscaleFamily(V, 0.5, 43));
        Generation g = decoder.start(Prompt.of(1), GenerationConfig.builder().maxNewTokens(20).trace(true).build());
        int first = g.nextInt();
        assertThrows(IllegalStateException.class, g::result, "still running");
        g.close();
        g.close();
        assertThrows(IllegalStateException.class, g::hasNext);
        assertThrows(IllegalStateException.class, g::nextInt);
        GenerationResult r = g.result();
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertEquals(first, r.token(0));
        assertNotNull(r.toString());
        assertFalse(r.trace().isEmpty());
    }

    @Test
    void resultAfterAFailedStepReportsTheTokensSoFarAsCancelled() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.5, 41);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s[0], s[1], new EFTDecoderTest.NaNSource(s[2], 4));
        for (SpeculativeConfig sc : new SpeculativeConfig[] {null, SpeculativeConfig.fixed(2)}) {
            GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(10).speculative(sc).build();
            try (Generation g = decoder.start(Prompt.of(1, 2), cfg)) {
                assertThrows(IllegalArgumentException.class, () -> g.forEachRemaining((int t) -> { }));
                GenerationResult r = g.result();   // closed by the failure: must not fail itself
                assertEquals(FinishReason.CANCELLED, r.finishReason());
                assertEquals(4, r.length(), "tokens before the failing step");
            }
        }
    }

    @Test
    void anInterruptFromTheListenerAfterTokenKStopsWithExactlyKTokensInEveryMode() throws Exception {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.3, 71);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (GenerationConfig mode : modes()) {
                for (GenerationConfig cfg : new GenerationConfig[] {mode, mode.withExecutor(pool)}) {
                    int[] full = decoder.generate(Prompt.of(2, 9), cfg).tokens();
                    for (int k : new int[] {1, 7, 29}) {
                        GenerationResult r = decoder.generate(Prompt.of(2, 9), cfg, (token, index) -> {
                            if (index == k - 1) {
                                Thread.currentThread().interrupt();
                            }
                        });
                        assertTrue(Thread.interrupted(), "the interrupt status is kept");
                        assertEquals(FinishReason.CANCELLED, r.finishReason());
                        assertEquals(k, r.length(), cfg + ", k " + k);
                        assertPrefix(full, r, k, "k " + k);
                    }
                }
            }
            for (SyntheticLogitSource x : s) {
                x.close();   // every state was released
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anInterruptedCallerGetsAnEmptyCancelledResultWithoutAnyForwardPass() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.3, 73);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        Thread.currentThread().interrupt();
        GenerationResult r = decoder.generate(Prompt.of(1), GenerationConfig.greedy(10));
        assertTrue(Thread.interrupted());
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertEquals(0, r.length());
        for (SyntheticLogitSource x : s) {
            assertEquals(0, x.forwardPasses());
        }
        assertEquals(10, decoder.generate(Prompt.of(1), GenerationConfig.greedy(10)).length(), "the sources stay usable");
    }

    /** The forward pass after token k never returns on its own: the watchdog must stop it. */
    @Test
    void anInterruptOrCancelOrTimeoutStopsABlockedForwardPassWithinOneStep() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                for (GenerationConfig mode : modes()) {
                    for (GenerationConfig cfg : new GenerationConfig[] {mode, mode.withExecutor(pool)}) {
                        for (String how : new String[] {"interrupt", "cancel", "timeout"}) {
                            SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.3, 79);
                            int[] full = Sources.decoder(EFTSpec.upscale(), s).generate(Prompt.of(4), cfg).tokens();
                            // small-base: with an executor its passes run on the executor's threads
                            Sources.Blocking blocking = new Sources.Blocking(s[2], 6, false);
                            EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s[0], s[1], blocking);
                            GenerationConfig c = how.equals("timeout") ? cfg.withTimeout(Duration.ofMillis(300)) : cfg;
                            Generation g = decoder.start(Prompt.of(4), c);
                            AtomicReference<Thread> worker = new AtomicReference<>();
                            AtomicInteger delivered = new AtomicInteger();
                            Future<GenerationResult> f = caller.submit(() -> {
                                worker.set(Thread.currentThread());
                                g.forEachRemaining((int t) -> delivered.incrementAndGet());
                                GenerationResult r = g.result();
                                g.close();
                                assertEquals(how.equals("interrupt"), Thread.interrupted(), "interrupt status");
                                return r;
                            });
                            blocking.awaitBlocked();
                            int k = delivered.get();   // stable: the generating thread is blocked
                            if (how.equals("interrupt")) {
                                worker.get().interrupt();
                            } else if (how.equals("cancel")) {
                                g.cancel();
                            }
                            GenerationResult r = f.get(20, TimeUnit.SECONDS);
                            FinishReason want = how.equals("timeout") ? FinishReason.TIMEOUT : FinishReason.CANCELLED;
                            assertEquals(want, r.finishReason(), how + " " + c);
                            assertTrue(blocking.cancels.get() >= 1, "the blocked pass was cancelled");
                            // the blocked pass and the block or step it served are abandoned
                            assertEquals(k, r.length(), how + " " + c + ": the tokens delivered before the blocked pass");
                            assertPrefix(full, r, k, how + " " + c);
                            for (SyntheticLogitSource x : s) {
                                x.close();   // every state was released
                            }
                        }
                    }
                }
            });
        } finally {
            pool.shutdownNow();
            caller.shutdownNow();
        }
    }

    @Test
    void aTimeoutBetweenStepsStopsBeforeTheNextStep() {
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), Sources.upscaleFamily(V, 0.3, 83));
        for (GenerationConfig mode : modes()) {
            int[] full = decoder.generate(Prompt.of(5, 5), mode).tokens();
            int k = 5;
            long[] start = {0};
            StepObserver waitPastDeadlineAtK = v -> {
                if (v.position() == k) {
                    while (System.nanoTime() - start[0] < TimeUnit.MILLISECONDS.toNanos(400)) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                    }
                }
            };
            GenerationConfig cfg = mode.toBuilder().timeout(Duration.ofMillis(300)).observer(waitPastDeadlineAtK).build();
            start[0] = System.nanoTime();
            GenerationResult r = decoder.generate(Prompt.of(5, 5), cfg);
            assertEquals(FinishReason.TIMEOUT, r.finishReason());
            // position k was decided after the deadline passed and is not delivered
            assertPrefix(full, r, k + 1, "timeout " + mode);
            assertFalse(Thread.currentThread().isInterrupted(), "a timeout does not interrupt the caller");
        }
    }

    @Test
    void anInterruptDuringABlockedPrefillEndsWithNoTokensAndReleasesTheOpenedStates() throws Exception {
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                for (String how : new String[] {"interrupt", "timeout"}) {
                    SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.3, 89);
                    Sources.Blocking blocking = new Sources.Blocking(s[2], 0, true);
                    EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s[0], s[1], blocking);
                    GenerationConfig cfg = GenerationConfig.greedy(10).withTimeout(how.equals("timeout") ? Duration.ofMillis(200) : null);
                    AtomicReference<Thread> worker = new AtomicReference<>();
                    Future<GenerationResult> f = caller.submit(() -> {
                        worker.set(Thread.currentThread());
                        return decoder.generate(Prompt.of(3), cfg);
                    });
                    blocking.awaitBlocked();
                    if (how.equals("interrupt")) {
                        worker.get().interrupt();
                    }
                    GenerationResult r = f.get(20, TimeUnit.SECONDS);
                    assertEquals(how.equals("timeout") ? FinishReason.TIMEOUT : FinishReason.CANCELLED, r.finishReason());
                    assertEquals(0, r.length());
                    assertEquals(1, blocking.cancels.get());
                    s[0].close();   // the states opened before the blocked one were released
                    s[1].close();
                    caller.submit(Thread::interrupted).get();
                }
            });
        } finally {
            caller.shutdownNow();
        }
    }

    @Test
    void cancelIsThreadSafeIdempotentAndLeavesAFinishedGenerationAlone() throws Exception {
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), Sources.upscaleFamily(V, 0.3, 97));
        int before = Watchdog.watched();
        try (Generation g = decoder.start(Prompt.of(1), GenerationConfig.greedy(20))) {
            int a = g.nextInt();
            Thread other = new Thread(g::cancel);
            other.start();
            other.join();
            g.cancel();
            assertFalse(g.hasNext());
            assertTrue(g.isFinished());
            GenerationResult r = g.result();
            assertEquals(FinishReason.CANCELLED, r.finishReason());
            assertArrayEquals(new int[] {a}, r.tokens());
            assertThrows(java.util.NoSuchElementException.class, g::nextInt);
            assertEquals(before, Watchdog.watched(), "a stopped generation is no longer watched");
        }
        try (Generation g = decoder.start(Prompt.of(1), GenerationConfig.greedy(3))) {
            g.forEachRemaining((int t) -> { });
            g.cancel();
            assertEquals(FinishReason.LENGTH, g.result().finishReason(), "every token was delivered before the cancel");
            assertEquals(3, g.result().length());
        }
        assertEquals(before, Watchdog.watched());
    }

    @Test
    void reachingTheContextEndsWithPositionLimitAndTheTokensOfTheUnlimitedRun() {
        int[] prompt = {3, 1, 4};
        int max = 12;
        SyntheticLogitSource[] limited = new SyntheticLogitSource[3];
        SyntheticLogitSource[] free = Sources.upscaleFamily(V, 0.3, 101);
        for (int i = 0; i < 3; i++) {
            limited[i] = SyntheticLogitSource.builder("lim" + i, V).familySeed(101).ownSeed(101 * 31 + 1 + i).ownWeight(0.3)
                    .maxLength(i == 1 ? max + 5 : max).build();
        }
        EFTDecoder a = Sources.decoder(EFTSpec.upscale(), limited);
        EFTDecoder b = Sources.decoder(EFTSpec.upscale(), free);
        for (GenerationConfig mode : modes()) {
            GenerationResult r = a.generate(Prompt.of(prompt), mode);
            assertEquals(FinishReason.POSITION_LIMIT, r.finishReason(), mode.toString());
            assertEquals(max - prompt.length + 1, r.length(), "the last token needs no position");
            if (mode.speculative() == null || mode.sampling().greedy()) {
                // (speculative sampling equals plain in distribution; a clamped block draws differently)
                assertPrefix(b.generate(Prompt.of(prompt), mode).tokens(), r, r.length(), "limited " + mode);
            }
            assertEquals(FinishReason.LENGTH, a.generate(Prompt.of(prompt), mode.toBuilder().maxNewTokens(r.length()).build())
                    .finishReason(), "exactly the room asked for is LENGTH");
        }
        // a prompt that fills the context still generates its one token
        assertEquals(1, a.generate(Prompt.of(new int[max]), GenerationConfig.greedy(5)).length());
    }

    @Test
    void aPromptThatDoesNotFitIsRefusedBeforeAnyWork() {
        SyntheticLogitSource[] s = new SyntheticLogitSource[3];
        for (int i = 0; i < 3; i++) {
            s[i] = SyntheticLogitSource.builder("lim" + i, V).ownSeed(i).maxLength(i == 1 ? 8 : 20).build();
        }
        EFTDecoder d = Sources.decoder(EFTSpec.upscale(), s);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> d.start(Prompt.of(1, 2).with(EFTSpec.SMALL_FT, new int[9]), GenerationConfig.greedy(4)));
        assertTrue(e.getMessage().contains("'small-ft'") && e.getMessage().contains("9 tokens")
                && e.getMessage().contains("at most 8"), e.getMessage());
        for (LogitSource x : s) {
            assertEquals(0, ((SyntheticLogitSource) x).forwardPasses());
        }
    }
}
