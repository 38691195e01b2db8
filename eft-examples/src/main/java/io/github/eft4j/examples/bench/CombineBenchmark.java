package io.github.eft4j.examples.bench;

import io.github.eft4j.combine.EFTCombiner;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.internal.vector.VectorKernels;
import io.github.eft4j.internal.vector.VectorizationProvider;
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
 * One EFT step, {@code log_softmax(Σ c_i · log_softmax(x_i))}, four ways in the same run, with
 * the scalar and the Panama kernels (one fork per parameter set and benchmark):
 * <ul>
 *   <li>{@code legacy}: the algorithm before, per-component log-sum-exps then the fused pass
 *       ({@link LegacyCombine}, benchmark-only): 2 passes per component, 2 more over the result;</li>
 *   <li>{@code combine}: the public {@link EFTCombiner#combine}: one fused pass over the rows, an
 *       exp pass and a shift over the result;</li>
 *   <li>{@code argmax}: {@link EFTCombiner#argmax}, greedy decoding's token without the row;</li>
 *   <li>{@code floor}: the bare fused weighted-sum kernel, the least any combine can do.</li>
 * </ul>
 * Specs: 2 components {@code (1.5, −0.5)}; 3 the up-scaling {@code (1, 1, −1)}; 4 the reward
 * interpolation {@code base + 0.3 (help − ref) + 0.7 (safe − ref)}. Run with {@code bench/jmh.sh}
 * and tabulate with {@code bench/jmh-table.py}.
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

    /** Number of components (all with nonzero coefficients). */
    @Param({"2", "3", "4"})
    public int components;

    private EFTCombiner eft;
    private LegacyCombine legacy;
    private VectorKernels kernels;
    private float[][] logits;
    private float[] coefficients;
    private float[] out;
    private float[] bias;
    private float[] stats;

    /** Builds the combiners and model-like rows. */
    @Setup
    public void setUp() {
        BenchSupport.selectKernels(impl);
        EFTSpec spec = switch (components) {
            case 2 -> EFTSpec.of(EFTSpec.SMALL_FT, 1.5, EFTSpec.SMALL_BASE, -0.5);
            case 3 -> EFTSpec.upscale();
            case 4 -> EFTSpec.lambdaInterpolation(0.3);
            default -> throw new IllegalArgumentException("components must be 2, 3 or 4, got " + components);
        };
        eft = EFTCombiner.create(spec, vocab);
        legacy = new LegacyCombine(components);
        kernels = VectorizationProvider.kernels();
        logits = new float[components][];
        for (int i = 0; i < components; i++) {
            logits[i] = BenchSupport.logits(vocab, i + 1);
        }
        coefficients = spec.coefficients();
        out = new float[vocab];
        bias = new float[components];
        for (int i = 0; i < components; i++) {
            bias[i] = -coefficients[i] * kernels.max(logits[i], vocab);
        }
        stats = new float[components + 2];
    }

    /**
     * The algorithm before: per-component log-sum-exps, then the fused pass.
     *
     * @return the first combined log-prob (keeps the result alive)
     */
    @Benchmark
    public float legacy() {
        legacy.combine(logits, coefficients, out, vocab);
        return out[0];
    }

    /**
     * Combines one step through the public combiner.
     *
     * @return the first combined log-prob (keeps the result alive)
     */
    @Benchmark
    public float combine() {
        eft.combine(logits, coefficients, out);
        return out[0];
    }

    /**
     * Greedy decoding's token of one step.
     *
     * @return the token
     */
    @Benchmark
    public int argmax() {
        return eft.argmax(logits, coefficients);
    }

    /**
     * The bare fused weighted-sum pass: the floor.
     *
     * @return the maximum score (keeps the result alive)
     */
    @Benchmark
    public float floor() {
        kernels.weightedSum(logits, coefficients, bias, components, out, vocab, stats);
        return stats[components];
    }
}
