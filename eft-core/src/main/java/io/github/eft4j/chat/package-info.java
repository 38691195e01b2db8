/**
 * Chat prompt formats ({@link io.github.eft4j.chat.ChatFormat}): Llama-2 chat, Falcon-instruct,
 * plain text and single-turn templates; and {@link io.github.eft4j.chat.SourcePrompts}, the EFT
 * rule that gives fine-tuned sources their chat format and base sources plain text, as the
 * decoder's per-source {@link io.github.eft4j.decoder.Prompt}.
 */
package io.github.eft4j.chat;
