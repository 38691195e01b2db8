/**
 * A small, strict JSON reader and writer for eft4j's own configuration files ({@code
 * tokenizer.json}, {@code config.json}). Not exported API: the module keeps it internal.
 */
package io.github.eft4j.internal.json;
