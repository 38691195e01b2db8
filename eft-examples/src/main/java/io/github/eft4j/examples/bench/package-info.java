/** Runnable benchmarks (mains, not unit tests). */
package io.github.eft4j.examples.bench;
