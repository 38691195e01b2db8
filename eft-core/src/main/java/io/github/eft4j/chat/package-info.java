/**
 * Chat prompt formats ({@link io.github.eft4j.chat.ChatFormat}): Llama-2 chat, Falcon-instruct
 * and plain text, and the EFT default of giving fine-tuned sources their chat format and base
 * sources the plain prompt.
 */
package io.github.eft4j.chat;
