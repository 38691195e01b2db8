package io.github.eft4j.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.combine.CoefficientSchedule;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.model.BatchDecodingState;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.model.EFTException;
import io.github.eft4j.model.ForwardingDecodingState;
import io.github.eft4j.model.LogitSource;
import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.testing.SyntheticLogitSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class EFTDecoderTest {
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

    private static int[][] prompts(EFTSpec spec, Prompt p) {
        int[][] ids = new int[spec.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = p.idsFor(spec.names().get(i));
        }
        return ids;
    }

    @Test
    void matchesReferenceLoopTokenForTokenAcrossPromptsSeedsAndSamplers() {
        SplittableRandom r = new SplittableRandom(11);
        EFTSpec[] specs = {EFTSpec.upscale(), EFTSpec.betaUpscale(1.5), EFTSpec.of("only", 1.0)};
        int runs = 0;
        for (EFTSpec spec : specs) {
            SyntheticLogitSource[] s = spec.size() == 1
                    ? new SyntheticLogitSource[] {SyntheticLogitSource.builder("only-src", V).build()}
                    : Sources.upscaleFamily(V, 0.5, 3);
            EFTDecoder decoder = Sources.decoder(spec, s);
            for (int k = 0; k < 12; k++) {
                Prompt prompt = Prompt.of(Sources.randomPrompt(r, V, 6));
                if (spec.size() > 1 && k % 2 == 1) {
                    prompt = prompt.with(spec.names().get(1), Sources.randomPrompt(r, V, 9));   // its own "chat" prompt
                }
                SamplingConfig sc = SAMPLING[k % SAMPLING.length];
                GenerationConfig.Builder cb = GenerationConfig.builder().maxNewTokens(1 + r.nextInt(24)).sampling(sc)
                        .seed(r.nextLong());
                GenerationConfig cfg = (k % 3 == 0 ? cb.stopTokens(7) : cb).build();
                GenerationResult got = decoder.generate(prompt, cfg);
                ReferenceEft.Output want = ReferenceEft.generate(spec, s, V, prompts(spec, prompt), cfg);
                assertArrayEquals(want.tokens(), got.tokens(), () -> "spec " + spec + " sampling " + sc);
                assertEquals(want.finish(), got.finishReason());
                runs++;
            }
        }
        assertEquals(36, runs);
    }

    @Test
    void coefficientScheduleMatchesReference() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.5, 5);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        CoefficientSchedule ramp = CoefficientSchedule.linear(new float[] {1, 0, 0}, new float[] {1, 2, -2}, 10);
        for (long seed = 0; seed < 6; seed++) {
            GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(20).seed(seed).schedule(ramp)
                    .sampling(seed % 2 == 0 ? SamplingConfig.greedyDecoding() : SamplingConfig.sampling()).build();
            Prompt p = Prompt.of((int) seed, 3, 5);
            assertArrayEquals(ReferenceEft.generate(EFTSpec.upscale(), s, V, prompts(EFTSpec.upscale(), p), cfg).tokens(),
                    decoder.generate(p, cfg).tokens());
        }
    }

    @Test
    void stopSequenceEndsGenerationAfterTheCompletingToken() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.5, 7);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        Detokenizer letters = ids -> {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                sb.append((char) ('a' + id % 26));
            }
            return sb.toString();
        };
        GenerationResult free = decoder.generate(Prompt.of(1, 2), GenerationConfig.builder().maxNewTokens(30).seed(1L)
                .sampling(SamplingConfig.sampling()).build());
        String text = letters.decode(free.tokens());
        String stop = text.substring(5, 7);
        GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(30).seed(1L).sampling(SamplingConfig.sampling())
                .stopSequences(letters, stop).build();
        GenerationResult got = decoder.generate(Prompt.of(1, 2), cfg);
        assertEquals(FinishReason.STOP_SEQUENCE, got.finishReason());
        assertEquals(text.indexOf(stop) + stop.length(), got.length());
        assertArrayEquals(ReferenceEft.generate(EFTSpec.upscale(), s, V, new int[][] {{1, 2}, {1, 2}, {1, 2}}, cfg).tokens(),
                got.tokens());
        // Speculative blocks stop at the same token (greedy: the same sequence).
        String greedyText = letters.decode(decoder.generate(Prompt.of(1, 2), GenerationConfig.greedy(30)).tokens());
        GenerationConfig greedyStop = GenerationConfig.builder().maxNewTokens(30).stopSequences(letters, greedyText.substring(6, 8))
                .build();
        GenerationResult plain = decoder.generate(Prompt.of(1, 2), greedyStop);
        GenerationResult spec = decoder.generate(Prompt.of(1, 2), greedyStop.withSpeculative(SpeculativeConfig.fixed(4)));
        assertEquals(FinishReason.STOP_SEQUENCE, spec.finishReason());
        assertArrayEquals(plain.tokens(), spec.tokens());
    }

    @Test
    void parallelSteppingEqualsSequential() throws Exception {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.3, 9);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (long seed = 0; seed < 8; seed++) {
                GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(40).seed(seed).trace(true)
                        .sampling(seed % 2 == 0 ? SamplingConfig.greedyDecoding() : SamplingConfig.sampling().withTopP(0.9f))
                        .speculative(seed % 4 < 2 ? null : SpeculativeConfig.adaptive(6)).build();
                Prompt p = Prompt.of((int) seed, 4).with(EFTSpec.SMALL_FT, 9, 9, (int) seed);
                GenerationResult seq = decoder.generate(p, cfg);
                GenerationResult par = decoder.generate(p, cfg.withExecutor(pool));
                assertEquals(seq, par);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void nullSeedIsDrawnReportedAndReproducible() {
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), Sources.upscaleFamily(V, 0.5, 19));
        GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(20).sampling(SamplingConfig.sampling()).build();
        GenerationResult a = decoder.generate(Prompt.of(1), cfg);
        GenerationResult b = decoder.generate(Prompt.of(1), cfg.withSeed(a.seed()));
        assertArrayEquals(a.tokens(), b.tokens());
    }

    @Test
    void traceHoldsComponentLogProbsCombinedAndImplicitReward() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.5, 23);
        EFTSpec spec = EFTSpec.upscale();
        EFTDecoder decoder = Sources.decoder(spec, s);
        int[] prompt = {2, 8};
        GenerationResult r = decoder.generate(Prompt.of(prompt), GenerationConfig.builder().maxNewTokens(12).seed(3L)
                .sampling(SamplingConfig.sampling()).trace(true).build());
        assertEquals(r.length(), r.trace().size());
        int[] cont = r.tokens();
        for (int t = 0; t < cont.length; t++) {
            TokenTrace e = r.trace().get(t);
            assertEquals(t, e.position());
            assertEquals(cont[t], e.token());
            assertEquals(TokenOrigin.SAMPLED, e.origin());
            double[] comp = new double[3];
            for (int i = 0; i < 3; i++) {
                int[] ctx = java.util.Arrays.copyOf(prompt, prompt.length + t);
                System.arraycopy(cont, 0, ctx, prompt.length, t);
                float[] x = new float[V];
                s[i].logitsAfter(ctx, ctx.length, x);
                comp[i] = ReferenceEft.logSoftmax(x, V)[cont[t]];
                assertEquals(comp[i], e.componentLogProb(i), 1e-4);
            }
            assertEquals(comp[1] - comp[2], e.implicitReward(), 1e-4, "upscale reward = small-ft - small-base");
            double[] eft = ReferenceEft.combined(spec, s, V, new int[][] {prompt, prompt, prompt}, cont, t, null, t);
            assertEquals(eft[cont[t]], e.combinedLogProb(), 1e-4);
            assertEquals(e.combinedLogProb(), e.sampledLogProb(), 1e-4, "sampling() has no processors");
        }
    }

    @Test
    void scoreUsesOneAppendPerSourceAndMatchesFloat64() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.5, 29);
        EFTSpec spec = EFTSpec.upscale();
        EFTDecoder decoder = Sources.decoder(spec, s);
        int[] base = {4, 1, 1};
        int[] chat = {30, 4, 1, 1, 31};
        int[] cont = {5, 9, 9, 0, 39, 12, 3};
        Prompt p = Prompt.of(base).with(EFTSpec.SMALL_FT, chat);
        for (SyntheticLogitSource x : s) {
            x.resetCounters();
        }
        ScoreResult sr = decoder.score(p, cont);
        for (SyntheticLogitSource x : s) {
            assertEquals(2, x.forwardPasses(), "open + one multi-token append for " + x.name());
        }
        double total = 0;
        for (int t = 0; t < cont.length; t++) {
            double want = ReferenceEft.combined(spec, s, V, new int[][] {base, chat, base}, cont, t, null, t)[cont[t]];
            assertEquals(want, sr.logProbs()[t], 1e-4);
            assertEquals(TokenOrigin.SCORED, sr.tokens().get(t).origin());
            total += want;
        }
        assertEquals(total, sr.totalLogProb(), 1e-3);
        // A greedy generation's own tokens score to the log-probs its trace recorded.
        GenerationResult g = decoder.generate(p, GenerationConfig.builder().maxNewTokens(10).trace(true).build());
        ScoreResult again = decoder.score(p, g.tokens());
        for (int t = 0; t < g.length(); t++) {
            assertEquals(g.trace().get(t).combinedLogProb(), again.logProbs()[t], 1e-6);
        }
        assertEquals(0, decoder.score(p, new int[0]).totalLogProb());
    }

    @Test
    void forwardPassesAreCountedAndLazy() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.5, 31);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        GenerationResult r = decoder.generate(Prompt.of(1, 2), GenerationConfig.greedy(10));
        // prefill + one append per token after the first: the last token is never consumed
        assertEquals(Map.of("large-base", 10L, "small-ft", 10L, "small-base", 10L), r.forwardPasses());
        for (SyntheticLogitSource x : s) {
            assertEquals(10, x.forwardPasses());
        }
        GenerationResult none = decoder.generate(Prompt.of(1, 2), GenerationConfig.greedy(0));
        assertEquals(0, none.length());
        assertEquals(FinishReason.LENGTH, none.finishReason());
    }

    @Test
    void vocabularyPaddingIsCutToTheSharedSizeAndOtherMismatchesFail() {
        SyntheticLogitSource a = SyntheticLogitSource.builder("a", 32).build();
        SyntheticLogitSource b = SyntheticLogitSource.builder("b", 33).ownSeed(5).build();
        SyntheticLogitSource huge = SyntheticLogitSource.builder("huge", 32 + 513).build();
        EFTSpec spec = EFTSpec.of("x", 1.0, "y", 0.5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EFTDecoder.builder(spec).source("x", a).source("y", huge).build());
        assertTrue(e.getMessage().contains("32") && e.getMessage().contains("545") && e.getMessage().contains("'huge'"),
                e.getMessage());
        for (EFTDecoder d : new EFTDecoder[] {
            EFTDecoder.builder(spec).source("x", a).source("y", b).build(),
            EFTDecoder.builder(spec).source("x", a).source("y", b).vocabSize(32).build()}) {
            assertEquals(32, d.vocabSize());
            GenerationResult r = d.generate(Prompt.of(31), GenerationConfig.builder().maxNewTokens(50)
                    .sampling(SamplingConfig.sampling()).seed(1L).build());
            for (int t : r.tokens()) {
                assertTrue(t < 32, "token " + t + " beyond the shared vocabulary");
            }
        }
        e = assertThrows(IllegalArgumentException.class,
                () -> EFTDecoder.builder(spec).source("x", a).source("y", b).vocabSize(33).build());
        assertTrue(e.getMessage().contains("32") && e.getMessage().contains("'a'"), e.getMessage());
    }

    @Test
    void badInputIsRejectedWithClearMessagesAndLeavesTheDecoderUsable() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.5, 37);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        GenerationConfig cfg = GenerationConfig.greedy(8).withSeed(1L);
        GenerationResult before = decoder.generate(Prompt.of(1, 2), cfg);

        assertThrows(IllegalArgumentException.class, () -> Prompt.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> decoder.generate(Prompt.of(1, 2).with(EFTSpec.SMALL_FT, 3, V), cfg));
        assertTrue(e.getMessage().contains("small-ft") && e.getMessage().contains(String.valueOf(V)), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> decoder.generate(Prompt.of(-1), cfg));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> decoder.generate(Prompt.of(1).with("tiny-ft", 1), cfg));
        assertTrue(e.getMessage().contains("tiny-ft") && e.getMessage().contains("large-base"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> decoder.generate(Prompt.perComponent(Map.of(EFTSpec.LARGE_BASE, new int[] {1})), cfg));
        assertTrue(e.getMessage().contains("small-ft"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GenerationConfig.builder().maxNewTokens(-1).build());
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GenerationConfig.builder().stopSequences(null, "###").build());
        assertTrue(e.getMessage().contains("detokenizer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> decoder.score(Prompt.of(1), new int[] {2, V}));
        assertTrue(e.getMessage().contains(String.valueOf(V)), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> decoder.generate(Prompt.of(1), cfg.withSpeculative(SpeculativeConfig.fixed(2).withDraftComponent("nope"))));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> EFTDecoder.builder(EFTSpec.upscale()).source(EFTSpec.LARGE_BASE, s[0]).build());
        assertTrue(e.getMessage().contains("small-ft") && e.getMessage().contains("small-base"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EFTDecoder.builder(EFTSpec.upscale()).source("huge", s[0]));
        assertTrue(e.getMessage().contains("huge"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> decoder.generate(Prompt.of(1),
                GenerationConfig.builder().maxNewTokens(4).schedule((st, c) -> c[0] = Float.NaN).build()));
        assertTrue(e.getMessage().contains("large-base") && e.getMessage().contains("step 0"), e.getMessage());

        assertEquals(before, decoder.generate(Prompt.of(1, 2), cfg));
        for (SyntheticLogitSource x : s) {
            x.close();   // fails if a rejected call left a state open
        }
    }

    @Test
    void nanLogitsNameTheSourceAndTheStepAndCloseTheStates() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.5, 41);
        for (int bad = 1; bad <= 2; bad++) {   // small-ft (the draft) and small-base (a verifier)
            NaNSource nan = new NaNSource(s[bad], 4);
            LogitSource[] src = {s[0], s[1], s[2]};
            src[bad] = nan;
            String name = bad == 1 ? "nan-small-ft" : "nan-small-base";
            EFTDecoder decoder = EFTDecoder.builder(EFTSpec.upscale()).source(EFTSpec.LARGE_BASE, src[0])
                    .source(EFTSpec.SMALL_FT, src[1]).source(EFTSpec.SMALL_BASE, src[2]).build();
            for (SpeculativeConfig spec : new SpeculativeConfig[] {null, SpeculativeConfig.fixed(3)}) {
                for (SamplingConfig sc : new SamplingConfig[] {SamplingConfig.greedyDecoding(), SamplingConfig.sampling()}) {
                    GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(10).sampling(sc).seed(1L).speculative(spec).build();
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> decoder.generate(Prompt.of(1, 2), cfg));
                    assertTrue(e.getMessage().contains(name) && e.getMessage().contains("step 4"), e.getMessage());
                    Generation g = decoder.start(Prompt.of(1, 2), cfg);
                    assertThrows(IllegalArgumentException.class, () -> g.forEachRemaining((int t) -> { }));
                    IllegalStateException closed = assertThrows(IllegalStateException.class, g::hasNext);
                    assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
                    g.close();
                }
            }
            assertEquals(0, nan.open.get(), "states left open");
        }
    }

    @Test
    void scoringAContinuationThatFitsTheContextOfItsGenerationSucceeds() {
        // Generating n tokens consumes n - 1 of them (the last is never fed back); scoring them
        // needs no more context than that.
        int[] prompt = {1, 2};
        int n = 6;
        SyntheticLogitSource[] s = new SyntheticLogitSource[3];
        for (int i = 0; i < 3; i++) {
            s[i] = SyntheticLogitSource.builder("src" + i, V).ownSeed(i + 5).maxLength(prompt.length + n - 1).build();
        }
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        GenerationResult g = decoder.generate(Prompt.of(prompt), GenerationConfig.builder().maxNewTokens(n).trace(true).build());
        assertEquals(n, g.length());
        ScoreResult sr = decoder.score(Prompt.of(prompt), g.tokens());
        for (int t = 0; t < n; t++) {
            assertEquals(g.trace().get(t).combinedLogProb(), sr.logProbs()[t], 1e-6);
        }
        assertEquals(1, decoder.score(Prompt.of(prompt), new int[] {3}).tokens().size());
    }

    @Test
    void aFailingCloseDoesNotLeaveTheOtherSourcesStatesOpen() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.5, 47);
        EFTDecoder decoder = EFTDecoder.builder(EFTSpec.upscale()).source(EFTSpec.LARGE_BASE, new FailingClose(s[0]))
                .source(EFTSpec.SMALL_FT, s[1]).source(EFTSpec.SMALL_BASE, s[2]).build();
        assertThrows(EFTException.class, () -> decoder.score(Prompt.of(1, 2), new int[] {3, 4}));
        assertThrows(EFTException.class, () -> decoder.generateBatch(java.util.List.of(Prompt.of(1), Prompt.of(2)),
                GenerationConfig.greedy(3)));
        assertThrows(EFTException.class, () -> decoder.generate(Prompt.of(1, 2), GenerationConfig.greedy(3)));
        // the primary failure wins; the close failure is suppressed into it
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> decoder.score(Prompt.of(1, 2), new int[] {3, V}));
        assertTrue(e.getMessage().contains(String.valueOf(V)), e.getMessage());
        CoefficientSchedule nanAtStep1 = (step, c) -> c[0] = step == 1 ? Float.NaN : c[0];
        e = assertThrows(IllegalArgumentException.class, () -> decoder.score(Prompt.of(1, 2), new int[] {3, 4, 5}, nanAtStep1));
        assertEquals(1, e.getSuppressed().length, "the close failure");
        e = assertThrows(IllegalArgumentException.class, () -> decoder.generateBatch(java.util.List.of(Prompt.of(1)),
                GenerationConfig.builder().maxNewTokens(3).schedule(nanAtStep1).build()));
        assertEquals(1, e.getSuppressed().length, "the close failure");
        for (SyntheticLogitSource x : s) {
            x.close();   // throws if a state of it is still open
        }
    }

    /** A source whose states (and batched states) fail to close, after releasing the inner ones. */
    private static final class FailingClose implements LogitSource {
        final LogitSource inner;

        FailingClose(LogitSource inner) {
            this.inner = inner;
        }

        @Override
        public int vocabSize() {
            return inner.vocabSize();
        }

        @Override
        public DecodingState open(int[] prompt) {
            DecodingState d = inner.open(prompt);
            return new ForwardingDecodingState(d) {
                @Override
                public void close() {
                    d.close();
                    throw new EFTException("close failed", null);
                }
            };
        }

        @Override
        public BatchDecodingState openBatch(int[][] prompts) {
            BatchDecodingState b = inner.openBatch(prompts);
            return new BatchDecodingState() {
                @Override
                public int batchSize() {
                    return b.batchSize();
                }

                @Override
                public int vocabSize() {
                    return b.vocabSize();
                }

                @Override
                public int length(int sequence) {
                    return b.length(sequence);
                }

                @Override
                public java.lang.foreign.MemorySegment logits(int sequence) {
                    return b.logits(sequence);
                }

                @Override
                public void append(int[] tokens) {
                    b.append(tokens);
                }

                @Override
                public void close() {
                    b.close();
                    throw new EFTException("close failed", null);
                }
            };
        }
    }

    @Test
    void outOfVocabularyStopIdsAndOversizedCoefficientsAreRejectedUpFrontNamingTheValue() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.5, 137);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        GenerationConfig badStop = GenerationConfig.builder().maxNewTokens(5).stopTokens(3, 50_000).build();
        for (Runnable call : new Runnable[] {
            () -> decoder.generate(Prompt.of(1), badStop),
            () -> decoder.start(Prompt.of(1), badStop),
            () -> decoder.generateBatch(List.of(Prompt.of(1)), badStop)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
            assertTrue(e.getMessage().contains("50000") && e.getMessage().contains("[0, " + V + ")"), e.getMessage());
        }
        for (SyntheticLogitSource x : s) {
            assertEquals(0, x.forwardPasses(), "rejected before any work");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sources.decoder(EFTSpec.betaUpscale(1e38), s));
        assertTrue(e.getMessage().contains("'large-base'") && e.getMessage().contains("1.0E38"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Sources.decoder(EFTSpec.of("a", 1.0, "b", -3e300, "c", 0.0), s));
        assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("-3.0E300"), e.getMessage());
        Sources.decoder(EFTSpec.betaUpscale(1e6), s);   // the bound itself is accepted
    }

    @Test
    void scoringWithAConfigReportsTheProcessedLogProbsThatGenerateDrewFrom() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.5, 139);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        io.github.eft4j.sampling.LogitProcessor banZero = (scores, n, h, len) -> scores[0] = Float.NEGATIVE_INFINITY;
        GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(15).seed(4L).trace(true).processor(banZero)
                .sampling(SamplingConfig.sampling().withTemperature(0.8f).withTopK(10).withRepetitionPenalty(1.2f)).build();
        Prompt p = Prompt.of(1, 5).with(EFTSpec.SMALL_FT, 3, 1, 5);
        GenerationResult g = decoder.generate(p, cfg);
        ScoreResult sr = decoder.score(p, g.tokens(), cfg);
        ScoreResult plain = decoder.score(p, g.tokens());
        for (int t = 0; t < g.length(); t++) {
            TokenTrace a = g.trace().get(t);
            TokenTrace b = sr.tokens().get(t);
            assertEquals(a.sampledLogProb(), b.sampledLogProb(), "processed log-prob at " + t);
            assertEquals(a.combinedLogProb(), b.combinedLogProb());
            assertEquals(plain.tokens().get(t).combinedLogProb(), b.combinedLogProb());
            assertEquals(TokenOrigin.SCORED, b.origin());
        }
        assertEquals(plain.totalLogProb(), sr.totalLogProb(), "the total stays the EFT combination's");
        assertEquals(Float.NEGATIVE_INFINITY, decoder.score(p, new int[] {0}, cfg).tokens().get(0).sampledLogProb());
    }

    @Test
    void scoringStopsOnAnInterruptOrTimeoutWithTheScoredPositionsInTheException() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.5, 149);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        int[] cont = {4, 8, 15, 16, 23, 42 % V, 7, 7};
        ScoreResult full = decoder.score(Prompt.of(1, 2), cont);
        StepObserver interruptAt3 = v -> {
            if (v.position() == 2) {
                Thread.currentThread().interrupt();
            }
        };
        ScoreCancelledException e = assertThrows(ScoreCancelledException.class, () -> decoder.score(Prompt.of(1, 2), cont,
                GenerationConfig.builder().observer(interruptAt3).build()));
        assertTrue(Thread.interrupted(), "the interrupt status is kept");
        assertEquals(FinishReason.CANCELLED, e.reason());
        assertEquals(3, e.partialResult().tokens().size());
        assertEquals(full.tokens().subList(0, 3), e.partialResult().tokens());
        long start = System.nanoTime();
        StepObserver waitPastDeadline = v -> {
            while (v.position() == 5 && System.nanoTime() - start < java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(400)) {
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
            }
        };
        e = assertThrows(ScoreCancelledException.class, () -> decoder.score(Prompt.of(1, 2), cont,
                GenerationConfig.builder().observer(waitPastDeadline).timeout(java.time.Duration.ofMillis(300)).build()));
        assertEquals(FinishReason.TIMEOUT, e.reason());
        assertEquals(6, e.partialResult().tokens().size(), "position 5 was scored before the deadline was noticed");
        Thread.currentThread().interrupt();
        e = assertThrows(ScoreCancelledException.class, () -> decoder.score(Prompt.of(1, 2), cont));
        assertTrue(Thread.interrupted());
        assertEquals(0, e.partialResult().tokens().size());
        for (SyntheticLogitSource x : s) {
            x.close();   // every state was released
        }
    }

    @Test
    void aContinuationLongerThanTheContextAllowsIsRefusedBeforeAnyWork() {
        SyntheticLogitSource[] s = new SyntheticLogitSource[3];
        for (int i = 0; i < 3; i++) {
            s[i] = SyntheticLogitSource.builder("lim" + i, V).ownSeed(i).maxLength(10).build();
        }
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        assertEquals(8, decoder.score(Prompt.of(1, 2, 3), new int[8]).tokens().size(), "3 + 8 - 1 = 10 positions fit");
        for (SyntheticLogitSource x : s) {
            x.resetCounters();
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> decoder.score(Prompt.of(1, 2, 3), new int[9]));
        assertTrue(e.getMessage().contains("3 tokens") && e.getMessage().contains("9 tokens") && e.getMessage().contains("11 positions")
                && e.getMessage().contains("at most 10"), e.getMessage());
        for (SyntheticLogitSource x : s) {
            assertEquals(0, x.forwardPasses());
        }
    }

    @Test
    void theCallersProcessorsAndTheObserverWorkInGenerateAndBatch() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(V, 0.5, 151);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        io.github.eft4j.sampling.LogitProcessor onlyBelowTen = (scores, n, h, len) -> {
            for (int y = 10; y < n; y++) {
                scores[y] = Float.NEGATIVE_INFINITY;
            }
        };
        int[] calls = {0};
        double[] entropy = {0};
        StepObserver count = v -> {
            calls[0]++;
            entropy[0] += v.entropy();
            assertTrue(v.processedLogProb(v.token()) > Float.NEGATIVE_INFINITY);
        };
        GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(20).seed(2L).sampling(SamplingConfig.sampling())
                .processor(onlyBelowTen).observer(count, 3).build();
        GenerationResult r = decoder.generate(Prompt.of(4), cfg);
        assertEquals(20, calls[0]);
        assertTrue(entropy[0] > 0);
        List<GenerationResult> batch = decoder.generateBatch(List.of(Prompt.of(4), Prompt.of(6, 6)), cfg);
        assertEquals(60, calls[0], "one call per sequence and position");
        assertArrayEquals(r.tokens(), batch.get(0).tokens());
        for (GenerationResult x : List.of(r, batch.get(0), batch.get(1))) {
            for (int t : x.tokens()) {
                assertTrue(t < 10, "token " + t + " was masked by the processor");
            }
        }
    }

    /** Wraps a source; rows read by copyLogits at continuation position {@code at} hold a NaN. */
    static final class NaNSource implements LogitSource {
        final LogitSource inner;
        final int at;
        final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();

        NaNSource(LogitSource inner, int at) {
            this.inner = inner;
            this.at = at;
        }

        @Override
        public int vocabSize() {
            return inner.vocabSize();
        }

        @Override
        public String name() {
            return "nan-" + inner.name().replace("-src", "");
        }

        @Override
        public DecodingState open(int[] prompt) {
            DecodingState d = inner.open(prompt);
            open.incrementAndGet();
            int promptLength = prompt.length;
            return new ForwardingDecodingState(d) {
                private boolean closed;

                @Override
                public void copyLogits(int row, float[] dst) {
                    d.copyLogits(row, dst);
                    // continuation position predicted by this row
                    if (d.length() - d.logitRows() + 1 + row - promptLength == at) {
                        dst[5] = Float.NaN;
                    }
                }

                @Override
                public void close() {
                    if (!closed) {
                        closed = true;
                        open.decrementAndGet();
                    }
                    d.close();
                }
            };
        }
    }
}
