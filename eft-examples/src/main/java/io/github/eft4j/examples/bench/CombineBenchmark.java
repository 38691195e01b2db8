package io.github.eft4j.examples.bench;

import io.github.eft4j.combine.EFTCombiner;
import io.github.eft4j.combine.EFTSpec;

import io.github.eft4j.combine.EFTCombiner;
import io.github.eft4j.combine.EFTSpec;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One EFT step: {@code log_softmax(Σ c_i · log_softmax(x_i))} for 3 sources (up-scaling), through
 * the public {@link EFTCombiner}, with the scalar and the Panama kernels in the same run (one
 * fork per {@code impl}). Run with {@code bench/jmh.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CombineBenchmark {

    /** Kernel implementation of this fork. */
    @Param({"scalar", "panama"})
    public String impl;

    /** Vocabulary size. */
    @Param({"32000", "65024", "128256"})
    public int vocab;

    private EFTCombiner eft;
    private float[][] logits;
    private float[] coefficients;
    private float[] out;

    /** Builds the combiner and three model-like rows. */
    @Setup
    public void setUp() {
        BenchSupport.selectKernels(impl);
        eft = EFTCombiner.create(EFTSpec.upscale(), vocab);
        logits = new float[][] {BenchSupport.logits(vocab, 1), BenchSupport.logits(vocab, 2), BenchSupport.logits(vocab, 3)};
        coefficients = eft.spec().coefficients();
        out = new float[vocab];
    }

    /**
     * Combines one step.
     *
     * @return the first combined log-prob (keeps the result alive)
     */
    @Benchmark
    public float combine() {
        eft.combine(logits, coefficients, out);
        return out[0];
    }
}
