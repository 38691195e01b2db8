/**
 * A Jinja renderer with the semantics of Python's jinja2 as Hugging Face transformers configures it
 * for chat templates ({@code apply_chat_template}): the subset chat templates use, Python's value
 * rules and error messages, bounded work per render. Internal: the public face is {@link
 * io.github.eft4j.chat.HfChatTemplate}; {@link io.github.eft4j.internal.jinja.Template} documents
 * what is supported and the limits.
 */
package io.github.eft4j.internal.jinja;
