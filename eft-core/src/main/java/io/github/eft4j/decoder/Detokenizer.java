package io.github.eft4j.decoder;

/**
 * Turns token ids into text, for stop sequences ({@link GenerationConfig#stopSequences()}).
 * A tokenizer's decode method fits: {@code Detokenizer d = tokenizer::decode;}
 */
@FunctionalInterface
public interface Detokenizer {

    /**
     * Decodes a run of tokens.
     *
     * @param tokens the token ids, in order
     * @return their text
     */
    String decode(int[] tokens);
}
