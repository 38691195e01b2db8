/**
 * Deterministic in-memory {@link io.github.eft4j.model.LogitSource}s for tests, examples and
 * benchmarks that must run without model files: table-free, hash-driven n-gram "models" whose
 * similarity to each other is adjustable, which count their forward passes and can charge a
 * simulated compute cost per pass; and {@link io.github.eft4j.testing.GoldenResults}, a golden
 * file that pins decoder results across changes.
 */
package io.github.eft4j.testing;

