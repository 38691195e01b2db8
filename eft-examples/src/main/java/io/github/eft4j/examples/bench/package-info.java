/** JMH benchmarks and runnable measurement mains of eft4j. */
package io.github.eft4j.examples.bench;
