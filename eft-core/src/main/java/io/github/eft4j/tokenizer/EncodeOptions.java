package io.github.eft4j.tokenizer;

/**
 * Options of {@link Tokenizer#encode(String, EncodeOptions)}.
 *
 * @param addSpecialTokens whether the post-processor adds its special tokens (Llama's BOS {@code
 *     <s>}); HF's {@code add_special_tokens}
 * @param parseSpecialTokens whether special-token text in the input ({@code "<s>"}) becomes the
 *     special token; when false it is tokenized as ordinary text (HF's {@code
 *     encode_special_tokens = true}). Added tokens that are not special are matched either way.
 */
public record EncodeOptions(boolean addSpecialTokens, boolean parseSpecialTokens) {
    /** Hugging Face's defaults: add special tokens, and parse special-token text. */
    public static final EncodeOptions DEFAULT = new EncodeOptions(true, true);

    /** Neither adds nor parses special tokens: text is only text (for untrusted input). */
    public static final EncodeOptions TEXT_ONLY = new EncodeOptions(false, false);
}
