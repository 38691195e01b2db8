/**
 * The {@code eft4j} command line ({@link io.github.eft4j.examples.cli.Eft4jCli}): {@code generate},
 * {@code upscale} (up-scaling and its scale-delta, behaviour-delta and λ forms), {@code downscale},
 * {@code score}, {@code bench} and {@code reproduce} over ONNX model folders, by default the
 * embedded mini family in {@code models/mini}. Formulas come from the {@code EFTSpec} factories and
 * per-source prompts from {@code decoder.SourcePrompts}; the commands only parse options and report.
 */
package io.github.eft4j.examples.cli;
