package io.github.eft4j.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.combine.CoefficientSchedule;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.testing.SyntheticLogitSource;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.junit.jupiter.api.Test;

/**
 * Speculative EFT ({@link SpeculativeBlock}): greedy equality, distribution equality
 * (chi-square), rollback, the adaptive draft length, and the caller's processors and observer
 * inside blocks. Every chi-square assertion uses significance 0.001, so with the fixed seeds a
 * correct implementation fails one of the 4 assertions with probability < 0.4% over the choice
 * of seed (and, the seeds being fixed, never flakes).
 */
class SpeculativeBlockTest {
    private static final double ALPHA = 0.001;
    private static final int V = 40;

    @Test
    void greedySpeculativeEqualsPlainGreedyOnManyPrompts() {
        SplittableRandom r = new SplittableRandom(1);
        long proposed = 0;
        long accepted = 0;
        int prompts = 0;
        EFTSpec conservative = EFTSpec.upscale().withConservativeFilter(
                new EFTSpec.ConservativeFilter(EFTSpec.SMALL_FT, 0.9, EFTSpec.ConservativeMode.REMOVE));
        for (double spread : new double[] {0.0, 0.2, 0.5, 0.9}) {
            SyntheticLogitSource[] s = Sources.upscaleFamily(48, spread, 7);
            EFTDecoder decoder = Sources.decoder(spread == 0.5 ? conservative : EFTSpec.upscale(), s);
            for (int k = 0; k < 15; k++) {
                Prompt p = Prompt.of(Sources.randomPrompt(r, 48, 6)).with(EFTSpec.SMALL_FT, Sources.randomPrompt(r, 48, 6));
                GenerationConfig.Builder b = GenerationConfig.builder().maxNewTokens(1 + r.nextInt(40)).stopTokens(k % 2 == 0 ? 47 : 0)
                        .sampling(k % 3 == 0 ? SamplingConfig.greedyDecoding().withRepetitionPenalty(1.4f) : SamplingConfig.greedyDecoding());
                if (k % 5 == 4) {
                    b.schedule(CoefficientSchedule.linear(new float[] {1, 0.5f, -0.5f}, new float[] {1, 1.5f, -1.5f}, 12));
                }
                GenerationConfig plain = b.trace(k % 4 == 1).build();
                GenerationResult want = decoder.generate(p, plain);
                SpeculativeConfig sc = k % 2 == 0 ? SpeculativeConfig.adaptive(8) : SpeculativeConfig.fixed(1 + k % 5);
                GenerationResult got = decoder.generate(p, plain.withSpeculative(sc));
                assertArrayEquals(want.tokens(), got.tokens(), "spread " + spread + ", prompt " + k + ", " + sc);
                assertEquals(want.finishReason(), got.finishReason());
                for (int t = 0; t < want.trace().size(); t++) {
                    TokenTrace a = want.trace().get(t);
                    TokenTrace c = got.trace().get(t);
                    assertEquals(a.combinedLogProb(), c.combinedLogProb(), "same rows, same combination at " + t);
                    assertArrayEquals(a.componentLogProbs(), c.componentLogProbs());
                    assertEquals(a.implicitReward(), c.implicitReward());
                }
                proposed += got.speculative().draftsProposed();
                accepted += got.speculative().draftsAccepted();
                prompts++;
            }
        }
        assertEquals(60, prompts);
        assertTrue(accepted > 0 && accepted < proposed, "both accepted and rejected drafts: " + accepted + "/" + proposed);
    }

    @Test
    void identicalModelsAcceptEveryDraftAndSaveForwardPasses() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(48, 0.0, 3);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        GenerationConfig plain = GenerationConfig.builder().maxNewTokens(60).sampling(SamplingConfig.sampling()).seed(4L)
                .trace(true).build();
        GenerationResult p = decoder.generate(Prompt.of(1), plain);
        GenerationResult sp = decoder.generate(Prompt.of(1), plain.withSpeculative(SpeculativeConfig.adaptive(8)));
        SpeculativeStats st = sp.speculative();
        assertEquals(1.0, st.acceptanceRate(), 1e-12);
        assertEquals(60, sp.length());
        assertTrue(sp.forwardPasses().get("large-base") <= 12, sp.forwardPasses().toString());
        assertEquals(60L, p.forwardPasses().get("large-base"));
        int run = 0;
        for (TokenTrace t : sp.trace()) {
            run = t.origin() == TokenOrigin.ACCEPTED_DRAFT ? run + 1 : 0;
            assertTrue(run <= 8, "accepted run beyond the maximum draft length");
            assertTrue(t.origin() != TokenOrigin.RESAMPLED);
        }
        assertTrue(st.meanAcceptedLength() > 5, st.toString());
        // Verifiers: the prefill, then ONE append per block; the decoder's counts are the sources'.
        for (SyntheticLogitSource x : s) {
            x.resetCounters();
        }
        GenerationResult again = decoder.generate(Prompt.of(1), plain.withSpeculative(SpeculativeConfig.fixed(5)));
        assertEquals(1 + again.speculative().blocks(), again.forwardPasses().get("large-base"));
        assertEquals(1 + again.speculative().blocks(), again.forwardPasses().get("small-base"));
        assertEquals(s[0].forwardPasses(), again.forwardPasses().get("large-base"));
        assertEquals(s[1].forwardPasses(), again.forwardPasses().get("small-ft"));
        assertEquals(s[2].forwardPasses(), again.forwardPasses().get("small-base"));
        assertEquals(10, again.speculative().blocks(), "60 tokens = 10 blocks of 5 accepted drafts + 1 bonus");
    }

    @Test
    void aSingleComponentDraftingForItselfIsAlwaysAccepted() {
        EFTSpec solo = EFTSpec.of("solo", 1.0);
        EFTDecoder decoder = Sources.decoder(solo, new SyntheticLogitSource[] {SyntheticLogitSource.builder("solo-src", 30).build()});
        GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(25).build();
        SpeculativeConfig self = SpeculativeConfig.fixed(3).withDraftComponent("solo");
        assertArrayEquals(decoder.generate(Prompt.of(1), greedy).tokens(),
                decoder.generate(Prompt.of(1), greedy.withSpeculative(self)).tokens());
        GenerationResult r = decoder.generate(Prompt.of(1), greedy.toBuilder().sampling(SamplingConfig.sampling()).seed(2L)
                .speculative(self).build());
        assertEquals(1.0, r.speculative().acceptanceRate());
        assertEquals(25, r.length());
    }

    @Test
    void adaptiveDraftLengthStaysInBoundsAndFollowsAcceptance() {
        for (int min = 1; min <= 3; min++) {
            for (int max = min; max <= 10; max++) {
                for (double a = 0; a <= 1.0; a += 0.01) {
                    int k = SpeculativeBlock.nextDraftLength(a, min, max);
                    assertTrue(k >= min && k <= max, "k=" + k + " for a=" + a);
                }
            }
        }
        assertEquals(1, SpeculativeBlock.nextDraftLength(0.0, 1, 8));
        assertEquals(2, SpeculativeBlock.nextDraftLength(0.5, 1, 8));
        assertEquals(5, SpeculativeBlock.nextDraftLength(0.8, 1, 8));
        assertEquals(8, SpeculativeBlock.nextDraftLength(1.0, 1, 8));
        // Unrelated models: the draft length falls to the minimum; runs never exceed the bound.
        SyntheticLogitSource[] s = Sources.upscaleFamily(48, 1.0, 5);
        GenerationResult r = Sources.decoder(EFTSpec.upscale(), s).generate(Prompt.of(2),
                GenerationConfig.builder().maxNewTokens(200).sampling(SamplingConfig.sampling()).seed(1L)
                        .speculative(new SpeculativeConfig(EFTSpec.SMALL_FT, 6, 2, 6, true)).build());
        SpeculativeStats st = r.speculative();
        assertTrue(st.acceptanceRate() < 0.5, st.toString());
        double meanDrafts = (double) st.draftsProposed() / st.blocks();
        assertTrue(meanDrafts >= 1.9 && meanDrafts < 3, "mean draft length " + meanDrafts + " should sit near the minimum 2");
    }

    @Test
    void stateAfterEveryBlockEqualsAFreshPrefillOfTheAcceptedPrefix() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(32, 0.4, 11);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        int[] base = {3, 1, 4};
        int[] chat = {30, 3, 1, 4, 31};
        int[][] prompts = {base, chat, base};
        int rejections = 0;
        for (long seed = 0; seed < 6; seed++) {
            GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(50).seed(seed).trace(true)
                    .sampling(seed % 2 == 0 ? SamplingConfig.sampling() : SamplingConfig.greedyDecoding())
                    .speculative(SpeculativeConfig.adaptive(6)).build();
            try (Generation g = decoder.start(Prompt.of(base).with(EFTSpec.SMALL_FT, chat), cfg)) {
                int[] cont = new int[50];
                int n = 0;
                while (g.hasNext()) {
                    cont[n++] = g.nextInt();
                    if (g.isFinished() || n < g.generatedCount()) {
                        continue;   // check between blocks only
                    }
                    for (int i = 0; i < 3; i++) {
                        int c = g.consumed(i);
                        assertTrue(c <= n, "component " + i + " consumed " + c + " of " + n + " emitted tokens");
                        DecodingState st = g.state(i);
                        int[] prefix = Arrays.copyOf(prompts[i], prompts[i].length + c);
                        System.arraycopy(cont, 0, prefix, prompts[i].length, c);
                        assertEquals(prefix.length, st.length());
                        float[] got = new float[32];
                        float[] want = new float[32];
                        st.copyLogits(got);
                        try (DecodingState fresh = s[i].open(prefix)) {
                            fresh.copyLogits(want);
                        }
                        assertArrayEquals(want, got, "component " + i + " after " + n + " tokens, seed " + seed);
                    }
                }
                for (TokenTrace t : g.result().trace()) {
                    if (t.origin() == TokenOrigin.RESAMPLED) {
                        rejections++;
                        assertNotEquals(t.rejectedDraft(), t.token());
                    }
                }
            }
        }
        assertTrue(rejections > 10, "too few rejections to exercise rollback: " + rejections);
    }

    /** Exact joint distribution of the first two tokens, float64, temperature applied. */
    private static double[][] exactFirstTwo(EFTSpec spec, SyntheticLogitSource[] s, int v, int[][] prompts, double temp) {
        double[][] p = new double[v][v];
        double[] p1 = tempered(ReferenceEft.combined(spec, s, v, prompts, new int[0], 0, null, 0), temp);
        for (int a = 0; a < v; a++) {
            double[] p2 = tempered(ReferenceEft.combined(spec, s, v, prompts, new int[] {a}, 1, null, 1), temp);
            for (int b = 0; b < v; b++) {
                p[a][b] = p1[a] * p2[b];
            }
        }
        return p;
    }

    private static double[] tempered(double[] lp, double temp) {
        double[] x = new double[lp.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = lp[i] / temp;
        }
        double[] l = ReferenceEft.logSoftmax(x);
        for (int i = 0; i < l.length; i++) {
            l[i] = Math.exp(l[i]);
        }
        return l;
    }

    private record Counts(long[] joint, long proposed, long accepted) {
    }

    private static Counts sampleFirstTwo(EFTDecoder decoder, Prompt prompt, GenerationConfig cfg, int samples, long seed) {
        int v = decoder.vocabSize();
        long[] counts = new long[v * v];
        long proposed = 0;
        long accepted = 0;
        for (int i = 0; i < samples; i++) {
            GenerationResult r = decoder.generate(prompt, cfg.withSeed(seed + i));
            counts[r.token(0) * v + r.token(1)]++;
            if (r.speculative() != null) {
                proposed += r.speculative().draftsProposed();
                accepted += r.speculative().draftsAccepted();
            }
        }
        return new Counts(counts, proposed, accepted);
    }

    /** Goodness of fit against exact probabilities; cells expected below 5 are pooled. */
    private static double pValue(double[][] exact, long[] observed, int samples) {
        int v = exact.length;
        double[] e = new double[v * v + 1];
        long[] o = new long[v * v + 1];
        int m = 0;
        for (int a = 0; a < v; a++) {
            for (int b = 0; b < v; b++) {
                double ex = exact[a][b] * samples;
                if (ex < 5) {
                    e[v * v] += ex;
                    o[v * v] += observed[a * v + b];
                } else {
                    e[m] = ex;
                    o[m++] = observed[a * v + b];
                }
            }
        }
        if (e[v * v] > 0) {
            e[m] = e[v * v];
            o[m++] = o[v * v];
        }
        return new ChiSquareTest().chiSquareTest(Arrays.copyOf(e, m), Arrays.copyOf(o, m));
    }

    @Test
    void speculativeSamplingMatchesTheExactEftDistributionOfTheFirstTwoTokens() {
        int v = 6;
        int samples = 12_000;
        SyntheticLogitSource[] s = Sources.upscaleFamily(v, 0.6, 17);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        int[] base = {1, 2};
        int[] chat = {5, 1, 2};
        Prompt prompt = Prompt.of(base).with(EFTSpec.SMALL_FT, chat);
        double temp = 0.8;
        double[][] exact = exactFirstTwo(EFTSpec.upscale(), s, v, new int[][] {base, chat, base}, temp);
        SamplingConfig sc = SamplingConfig.sampling().withTemperature((float) temp);
        // k = 1 (two-token limit: a draft, then a resampled or bonus token) and k = 2 (both
        // tokens are drafts, each accepted or resampled).
        for (int maxNew : new int[] {2, 3}) {
            GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(maxNew).sampling(sc)
                    .speculative(SpeculativeConfig.fixed(2)).build();
            Counts c = sampleFirstTwo(decoder, prompt, cfg, samples, 1_000_000L * maxNew);
            double pv = pValue(exact, c.joint(), samples);
            assertTrue(pv > ALPHA, "speculative first-two-token distribution differs from exact EFT, p = " + pv);
            double rate = (double) c.accepted() / c.proposed();
            assertTrue(rate > 0.2 && rate < 0.95, "acceptance " + rate + " should exercise both branches");
        }
    }

    @Test
    void speculativeSamplingWithTopPAndConservativeFilterMatchesPlainEftSampling() {
        int v = 6;
        int samples = 12_000;
        SyntheticLogitSource[] s = Sources.upscaleFamily(v, 0.6, 23);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale().withConservativeFilter(
                new EFTSpec.ConservativeFilter(EFTSpec.SMALL_FT, 0.95, EFTSpec.ConservativeMode.ANCHOR_ONLY)), s);
        Prompt prompt = Prompt.of(4, 0).with(EFTSpec.SMALL_FT, 3, 4, 0);
        GenerationConfig plain = GenerationConfig.builder().maxNewTokens(3)
                .sampling(SamplingConfig.sampling().withTemperature(1.2f).withTopP(0.85f)).build();
        Counts a = sampleFirstTwo(decoder, prompt, plain, samples, 7_000_000L);
        Counts b = sampleFirstTwo(decoder, prompt, plain.withSpeculative(SpeculativeConfig.fixed(2)), samples, 9_000_000L);
        // Two-sample test over the cells either sample hit.
        int m = 0;
        long[] x = new long[v * v];
        long[] y = new long[v * v];
        for (int i = 0; i < v * v; i++) {
            if (a.joint()[i] + b.joint()[i] > 0) {
                x[m] = a.joint()[i];
                y[m++] = b.joint()[i];
            }
        }
        double pv = new ChiSquareTest().chiSquareTestDataSetsComparison(Arrays.copyOf(x, m), Arrays.copyOf(y, m));
        assertTrue(pv > ALPHA, "speculative (top-p) differs from plain EFT sampling, p = " + pv);
        assertTrue(b.accepted() < b.proposed() && b.accepted() > 0, b.accepted() + "/" + b.proposed());
    }

    @Test
    void speculativeStopsOnAFirstTokenStopAndAtTheContextLimitLikePlain() {
        int[] prompt = {3, 1};
        int n = 12;
        SyntheticLogitSource[] s = new SyntheticLogitSource[3];
        for (int i = 0; i < 3; i++) {
            s[i] = SyntheticLogitSource.builder("src" + i, V).familySeed(9).ownSeed(i + 5).ownWeight(0.2)
                    .maxLength(prompt.length + n - 1).build();
        }
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        GenerationConfig greedy = GenerationConfig.greedy(n);
        GenerationResult plain = decoder.generate(Prompt.of(prompt), greedy);
        for (int k = 1; k <= 8; k++) {
            GenerationResult spec = decoder.generate(Prompt.of(prompt), greedy.withSpeculative(SpeculativeConfig.fixed(k)));
            assertArrayEquals(plain.tokens(), spec.tokens(), "k " + k);
            GenerationConfig stopFirst = greedy.toBuilder().stopTokens(plain.token(0)).build();
            GenerationResult one = decoder.generate(Prompt.of(prompt), stopFirst.withSpeculative(SpeculativeConfig.fixed(k)));
            assertArrayEquals(new int[] {plain.token(0)}, one.tokens());
            assertEquals(FinishReason.STOP_TOKEN, one.finishReason());
        }
        GenerationResult sampled = decoder.generate(Prompt.of(prompt), GenerationConfig.builder().maxNewTokens(n)
                .sampling(SamplingConfig.sampling()).seed(3L).speculative(SpeculativeConfig.adaptive(8)).build());
        assertEquals(n, sampled.length());
        assertTrue(sampled.speculative().draftsProposed() > 0);
    }

    /**
     * The repetition penalty and top-k see the drafts as history in the target p (a penalty < 1,
     * rewarding repeats, makes a missing history visible). Two-sample chi-square over the first two tokens (the penalty acts on the second),
     * plain vs speculative, at significance 0.001: with these fixed seeds a correct
     * implementation fails with probability 0.1% over the choice of seeds, and never flakes.
     */
    @Test
    void speculativeSamplingWithRepetitionPenaltyAndTopKMatchesPlainSampling() {
        int v = 6;
        int samples = 8_000;
        SyntheticLogitSource[] s = Sources.upscaleFamily(v, 0.6, 29);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        Prompt prompt = Prompt.of(2, 3).with(EFTSpec.SMALL_FT, 5, 2, 3);
        GenerationConfig plain = GenerationConfig.builder().maxNewTokens(3)
                .sampling(SamplingConfig.sampling().withRepetitionPenalty(0.3f).withTopK(4).withTemperature(1.3f)).build();
        GenerationConfig spec = plain.withSpeculative(SpeculativeConfig.fixed(2));
        long[] a = new long[v * v];
        long[] b = new long[v * v];
        long proposed = 0;
        long accepted = 0;
        for (int i = 0; i < samples; i++) {
            GenerationResult x = decoder.generate(prompt, plain.withSeed(11_000_000L + i));
            GenerationResult y = decoder.generate(prompt, spec.withSeed(13_000_000L + i));
            a[x.token(0) * v + x.token(1)]++;
            b[y.token(0) * v + y.token(1)]++;
            proposed += y.speculative().draftsProposed();
            accepted += y.speculative().draftsAccepted();
        }
        int m = 0;
        long[] x = new long[v * v];
        long[] y = new long[v * v];
        long repeats = 0;
        for (int i = 0; i < v * v; i++) {
            if (a[i] + b[i] > 0) {
                x[m] = a[i];
                y[m++] = b[i];
            }
            if (i / v == i % v) {
                repeats += a[i];
            }
        }
        assertTrue(repeats > samples / 8, "a penalty < 1 should make repeats common: " + repeats);
        double pv = new ChiSquareTest().chiSquareTestDataSetsComparison(java.util.Arrays.copyOf(x, m), java.util.Arrays.copyOf(y, m));
        assertTrue(pv > 0.001, "speculative (repetition penalty, top-k) differs from plain EFT sampling, p = " + pv);
        assertTrue(accepted > 0 && accepted < proposed, accepted + "/" + proposed);
    }

    @Test
    void theCallersProcessorsApplyToTargetAndDraftAndTheObserverSeesEveryEmittedPosition() {
        SyntheticLogitSource[] s = Sources.upscaleFamily(48, 0.3, 131);
        EFTDecoder decoder = Sources.decoder(EFTSpec.upscale(), s);
        io.github.eft4j.sampling.LogitProcessor banOdd = (scores, n, history, length) -> {
            for (int y = 1; y < n; y += 2) {
                scores[y] = Float.NEGATIVE_INFINITY;
            }
        };
        java.util.List<TokenOrigin> seen = new java.util.ArrayList<>();
        java.util.List<Integer> seenTokens = new java.util.ArrayList<>();
        StepObserver record = v -> {
            seen.add(v.origin());
            seenTokens.add(v.token());
            assertEquals(seen.size() - 1, v.position());
        };
        GenerationConfig plain = GenerationConfig.builder().maxNewTokens(40).processor(banOdd).trace(true).build();
        GenerationResult want = decoder.generate(Prompt.of(2, 4), plain);
        GenerationResult got = decoder.generate(Prompt.of(2, 4), plain.toBuilder().observer(record)
                .speculative(SpeculativeConfig.adaptive(6)).build());
        assertArrayEquals(want.tokens(), got.tokens(), "greedy speculative with a processor equals plain with it");
        for (int t : got.tokens()) {
            assertEquals(0, t % 2, "a banned token was emitted");
        }
        assertEquals(got.trace().stream().map(TokenTrace::origin).toList(), seen);
        assertEquals(Arrays.stream(got.tokens()).boxed().toList(), seenTokens);
        assertTrue(got.speculative().draftsAccepted() > 0, got.speculative().toString());
        // sampling: the ban holds for drafts (q) and resampled tokens (the residual of p - q) alike
        GenerationResult sampled = decoder.generate(Prompt.of(2, 4), plain.toBuilder().sampling(SamplingConfig.sampling())
                .seed(9L).speculative(SpeculativeConfig.fixed(3)).build());
        for (int t : sampled.tokens()) {
            assertEquals(0, t % 2, "a banned token was emitted while sampling");
        }
        assertTrue(sampled.trace().stream().anyMatch(e -> e.origin() == TokenOrigin.RESAMPLED));
    }
}
