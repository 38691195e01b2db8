/**
 * Chat prompt formats ({@link io.github.eft4j.chat.ChatFormat}): a model's own Hugging Face chat
 * template ({@link io.github.eft4j.chat.HfChatTemplate}, read from {@code tokenizer_config.json} by
 * {@link io.github.eft4j.tokenizer.TokenizerConfig}), the built-in Llama-2 chat, Falcon-instruct and
 * plain text formats and single-turn templates. The EFT rule that gives fine-tuned sources their
 * chat format and base sources plain text is {@link io.github.eft4j.decoder.SourcePrompts} (in the
 * decoder package: it builds the decoder's prompt, and the tokenizer package already uses this one).
 *
 * <p>An {@code HfChatTemplate} renders byte for byte what transformers' {@code
 * apply_chat_template(..., tokenize=False)} renders, so the fine-tuned source of an EFT combination
 * sees exactly the format it was trained on; docs/chat-templates.md lists what is supported, the
 * limits, and how the goldens are made.
 */
package io.github.eft4j.chat;
