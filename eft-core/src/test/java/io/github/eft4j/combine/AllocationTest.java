package io.github.eft4j.combine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.eft4j.internal.vector.Reference;
import io.github.eft4j.internal.vector.VectorizationProvider;
import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.sampling.SamplingPipeline;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The hot path allocates nothing: combine and argmax (with and without the conservative
 * filter), the component log-probs, every processor, and both pickers, measured with {@code ThreadMXBean.getCurrentThreadAllocatedBytes} once C2 has
 * compiled the loop. It runs in its own surefire execution ({@code allocation}: a fresh JVM that
 * only uses the provider's kernels, so no other test's use of the other implementation can
 * disturb C2's escape analysis of the vector code) and in the scalar-fallback execution.
 */
@Tag("allocation")
@Tag("kernels")
class AllocationTest {

    static final int V = 8192;
    static final int ROUND = 500;
    static final int MAX_WARMUP_ROUNDS = 30;

    @Test
    void combineProcessAndPickAllocateNothingOnceCompiled() {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(bean.isThreadAllocatedMemorySupported(), "thread allocation accounting unsupported by this JVM");
        bean.setThreadAllocatedMemoryEnabled(true);

        EFTSpec spec = EFTSpec.upscale().withConservativeFilter(
                new EFTSpec.ConservativeFilter(EFTSpec.SMALL_FT, 0.95, EFTSpec.ConservativeMode.ANCHOR_ONLY));
        EFTCombiner eft = EFTCombiner.create(spec, V);
        EFTCombiner plain = EFTCombiner.create(EFTSpec.upscale(), V);
        SamplingPipeline sampling = new SamplingPipeline(SamplingConfig.sampling().withTemperature(0.8f).withTopK(200)
                .withTopP(0.9f).withMinP(0.01f).withRepetitionPenalty(1.2f), V);
        SamplingPipeline greedy = new SamplingPipeline(SamplingConfig.greedyDecoding().withRepetitionPenalty(1.1f), V);
        float[][] logits = {Reference.logits(V, 1), Reference.logits(V, 2), Reference.logits(V, 3)};
        float[] coefficients = spec.coefficients();
        float[] out = new float[V];
        float[] row = new float[V];
        int[] history = new int[64];
        SplittableRandom rng = new SplittableRandom(5);
        long sink = 0;

        long[] perRound = new long[MAX_WARMUP_ROUNDS];
        int round = 0;
        long bytes = -1;
        bean.getCurrentThreadAllocatedBytes();
        while (round < MAX_WARMUP_ROUNDS && bytes != 0) {
            long before = bean.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < ROUND; i++) {
                eft.combine(logits, coefficients, out);
                plain.combine(logits, coefficients, out);
                System.arraycopy(out, 0, row, 0, V);
                sampling.process(row, history, i & 63);
                int t = sampling.pick(row, rng);
                history[i & 63] = t;
                sink += t + (long) eft.componentLogProb(1, t);
                // greedy without the row, and the lazily computed component normalizers
                sink += plain.argmax(logits, coefficients) + eft.argmax(logits, coefficients);
                sink += (long) (plain.componentLogProb(0, t) + plain.componentLogProb(2, t));
                System.arraycopy(out, 0, row, 0, V);
                greedy.process(row, history, i & 63);
                sink += greedy.pick(row, rng);
            }
            bytes = bean.getCurrentThreadAllocatedBytes() - before;
            perRound[round++] = bytes;
        }
        System.out.println("AllocationTest (" + VectorizationProvider.kernels().name() + "): bytes per round of " + ROUND
                + " steps: " + Arrays.toString(Arrays.copyOf(perRound, round)) + " (sink " + sink + ")");
        assertEquals(0, bytes, "still allocating after " + round + " rounds of " + ROUND + " steps: "
                + Arrays.toString(Arrays.copyOf(perRound, round)));
    }
}
