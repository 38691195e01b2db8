/**
 * The {@code eft4j} command line ({@link io.github.eft4j.examples.cli.Eft4jCli}): {@code generate},
 * {@code upscale}, {@code score}, {@code bench} and {@code reproduce} over ONNX model folders, by
 * default the embedded mini family in {@code models/mini}.
 */
package io.github.eft4j.examples.cli;
