package io.github.eft4j.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.sampling.LogitProcessor;
import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.testing.SyntheticLogitSource;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Measures heap allocation of the decoding loop on the calling thread
 * ({@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}). Each figure is the
 * minimum of several measurements after a warm-up, so a one-off (a JIT deoptimization, the
 * first growth of a buffer) cannot fail the test; a real per-token allocation shows in every
 * measurement. Runs in the {@code allocation} surefire execution (a fresh JVM).
 */
@Tag("allocation")
class DecoderAllocationTest {
    private static final int V = 1000;
    private static com.sun.management.ThreadMXBean mx;
    private static EFTDecoder decoder;

    @BeforeAll
    static void setUp() {
        mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        mx.setThreadAllocatedMemoryEnabled(true);
        // The sources preallocate their sequence buffers so that only the decoder is measured.
        SyntheticLogitSource[] s = new SyntheticLogitSource[3];
        for (int i = 0; i < 3; i++) {
            s[i] = SyntheticLogitSource.builder("src" + i, V).familySeed(1).ownSeed(10 + i).ownWeight(0.3)
                    .initialCapacity(4096).build();
        }
        decoder = Sources.decoder(EFTSpec.upscale(), s);
    }

    private static long allocated() {
        return mx.getThreadAllocatedBytes(Thread.currentThread().threadId());
    }

    /** Minimum bytes allocated by {@code steps} calls of nextInt() in a running generation. */
    private static long perStepBytes(GenerationConfig cfg, int steps) {
        long best = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 6 && best > 0; attempt++) {
            try (Generation g = decoder.start(Prompt.of(1, 2, 3), cfg)) {
                for (int i = 0; i < 1000; i++) {
                    g.nextInt();     // warm-up: C2 must compile the Panama kernels to scalar-replace vectors
                }
                long before = allocated();
                int sink = 0;
                for (int i = 0; i < steps; i++) {
                    sink += g.nextInt();
                }
                long used = allocated() - before;
                assertTrue(sink >= 0);
                best = Math.min(best, used);
            }
        }
        return best;
    }

    @Test
    void plainAndSpeculativeStepsAllocateNothing() {
        GenerationConfig base = GenerationConfig.builder().maxNewTokens(2000).seed(3L).build();
        SamplingConfig topP = SamplingConfig.sampling().withTemperature(0.9f).withTopP(0.9f).withRepetitionPenalty(1.1f);
        assertEquals(0, perStepBytes(base, 800), "plain greedy");
        assertEquals(0, perStepBytes(base.toBuilder().sampling(topP).build(), 800), "plain sampling");
        assertEquals(0, perStepBytes(base.withSpeculative(SpeculativeConfig.adaptive(6)), 800), "speculative greedy");
        assertEquals(0, perStepBytes(base.toBuilder().sampling(topP).speculative(SpeculativeConfig.adaptive(6)).build(), 800),
                "speculative sampling");
    }

    /** A stateless processor, an observer that reads the view, and a timeout add nothing per step. */
    @Test
    void processorsObserverAndTimeoutAllocateNothingPerStep() {
        LogitProcessor banEven = (scores, n, history, length) -> {
            for (int y = 0; y < n; y += 2) {
                scores[y] = Float.NEGATIVE_INFINITY;
            }
        };
        double[] sink = {0};
        StepObserver observer = v -> sink[0] += v.entropy() + v.topLogProb(0) + v.componentLogProb(1, v.topId(1));
        GenerationConfig cfg = GenerationConfig.builder().maxNewTokens(2000).seed(3L).processor(banEven)
                .observer(observer, 5).timeout(Duration.ofHours(1)).build();
        SamplingConfig topP = SamplingConfig.sampling().withTemperature(0.9f).withTopP(0.9f);
        assertEquals(0, perStepBytes(cfg, 800), "plain greedy");
        assertEquals(0, perStepBytes(cfg.toBuilder().sampling(topP).build(), 800), "plain sampling");
        assertEquals(0, perStepBytes(cfg.withSpeculative(SpeculativeConfig.adaptive(6)), 800), "speculative greedy");
        assertEquals(0, perStepBytes(cfg.toBuilder().sampling(topP).speculative(SpeculativeConfig.adaptive(6)).build(), 800),
                "speculative sampling");
        assertTrue(sink[0] != 0);
    }

    private static long generateBytes(GenerationConfig cfg) {
        long best = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 4; attempt++) {
            long before = allocated();
            GenerationResult r = decoder.generate(Prompt.of(1, 2, 3), cfg);
            best = Math.min(best, allocated() - before);
            assertEquals(cfg.maxNewTokens(), r.length());
        }
        return best;
    }

    @Test
    void wholeGenerationAllocatesOnlyAFewBytesPerToken() {
        GenerationConfig small = GenerationConfig.builder().maxNewTokens(500).seed(3L).sampling(SamplingConfig.sampling()).build();
        GenerationConfig large = small.toBuilder().maxNewTokens(2500).build();
        generateBytes(large);   // warm-up
        double perToken = (generateBytes(large) - generateBytes(small)) / 2000.0;
        // token buffer (4 B), the result's copy and its defensive copy (2 x 4 B)
        assertTrue(perToken <= 16, "untraced generate() allocates " + perToken + " B per token");
        double traced = (generateBytes(large.toBuilder().trace(true).build())
                - generateBytes(small.toBuilder().trace(true).build())) / 2000.0;
        // TokenTrace (~40 B) + float[3] (~32 B) + list slots and copies
        assertTrue(traced <= 200, "traced generate() allocates " + traced + " B per token");
        System.out.printf("generate(): %.1f B/token untraced, %.1f B/token traced%n", perToken, traced);
    }
}
