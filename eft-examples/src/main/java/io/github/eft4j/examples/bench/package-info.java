/**
 * Benchmarks of eft4j. JMH: {@link io.github.eft4j.examples.bench.CombineBenchmark} (one EFT
 * step, scalar vs Panama kernels), {@link io.github.eft4j.examples.bench.SamplerBenchmark} (top-p
 * and categorical sampling) and the tokenizer benchmark; run them with {@code bench/jmh.sh} from
 * the repository root. Runnable mains: {@link io.github.eft4j.examples.bench.SpeculativeBenchmark}
 * (end-to-end decoding, plain vs speculative EFT, over pluggable
 * {@link io.github.eft4j.examples.bench.BenchmarkSources}; {@code bench/speculative.sh}) and the
 * ONNX backend benchmark (see docs/onnx.md).
 */
package io.github.eft4j.examples.bench;
