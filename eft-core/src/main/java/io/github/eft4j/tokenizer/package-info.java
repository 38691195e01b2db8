/**
 * Pure-Java loading of Hugging Face {@code tokenizer.json} files: {@link
 * io.github.eft4j.tokenizer.Tokenizer} encodes and decodes with the same ids and text as HF's Rust
 * {@code tokenizers}, and {@link io.github.eft4j.tokenizer.StreamingDetokenizer} decodes generated ids
 * incrementally without ever emitting half a character.
 */
package io.github.eft4j.tokenizer;
