package io.github.eft4j.decoder;

/**
 * Receives generated tokens as they are produced (streaming). Called on the thread that runs
 * the generation, in token order; a speculative block delivers its accepted tokens one by one.
 *
 * <pre>{@code
 * decoder.generate(prompt, config, (token, index) -> System.out.print(tokenizer.decode(token)));
 * }</pre>
 */
@FunctionalInterface
public interface TokenListener {

    /**
     * Called once per generated token.
     *
     * @param token the token id
     * @param index its position in the continuation, from 0
     */
    void onToken(int token, int index);
}
