package io.github.eft4j.examples.bench;

import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.sampling.SamplingPipeline;
import java.util.SplittableRandom;
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
 * The sampling side of a step on a normalized row: top-p (0.9) or top-k (50) processing at
 * temperature 0.8 plus a draw, and a plain categorical draw, with both kernel implementations
 * (one fork per {@code impl}). {@code topP} and {@code topK} include an {@code arraycopy} of the
 * row (processing is in place).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SamplerBenchmark {

    /** Kernel implementation of this fork. */
    @Param({"scalar", "panama"})
    public String impl;

    /** Vocabulary size. */
    @Param({"32000", "128256"})
    public int vocab;

    private SamplingPipeline topP;
    private SamplingPipeline topK;
    private SamplingPipeline plain;
    private float[] source;
    private float[] normalized;
    private float[] row;
    private SplittableRandom rng;

    /** Builds the pipelines and a normalized model-like row. */
    @Setup
    public void setUp() {
        BenchSupport.selectKernels(impl);
        topP = new SamplingPipeline(SamplingConfig.sampling().withTemperature(0.8f).withTopP(0.9f), vocab);
        topK = new SamplingPipeline(SamplingConfig.sampling().withTemperature(0.8f).withTopK(50), vocab);
        plain = new SamplingPipeline(SamplingConfig.sampling(), vocab);
        source = BenchSupport.logits(vocab, 4);
        normalized = source.clone();
        plain.process(normalized, null, 0);
        row = new float[vocab];
        rng = new SplittableRandom(42);
    }

    /**
     * Temperature + top-p + renormalization, then a categorical draw.
     *
     * @return the token
     */
    @Benchmark
    public int topP() {
        System.arraycopy(source, 0, row, 0, vocab);
        topP.process(row, null, 0);
        return topP.pick(row, rng);
    }

    /**
     * Temperature + top-k 50 + renormalization, then a categorical draw.
     *
     * @return the token
     */
    @Benchmark
    public int topK() {
        System.arraycopy(source, 0, row, 0, vocab);
        topK.process(row, null, 0);
        return topK.pick(row, rng);
    }

    /**
     * A categorical draw from a normalized row.
     *
     * @return the token
     */
    @Benchmark
    public int categorical() {
        return plain.pick(normalized, rng);
    }
}
