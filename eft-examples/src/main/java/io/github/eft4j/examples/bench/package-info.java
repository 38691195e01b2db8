/**
 * JMH benchmarks of the eft4j hot path: {@link io.github.eft4j.examples.bench.CombineBenchmark}
 * (one EFT step, scalar vs Panama kernels) and {@link io.github.eft4j.examples.bench.SamplerBenchmark}
 * (top-p and categorical sampling). Run them with {@code bench/jmh.sh} from the repository root.
 * {@link io.github.eft4j.examples.bench.SpeculativeBenchmark} is a runnable main (end-to-end
 * decoding, plain vs speculative EFT) over pluggable {@link io.github.eft4j.examples.bench.BenchmarkSources};
 * run it with {@code bench/speculative.sh}.
 */
package io.github.eft4j.examples.bench;
