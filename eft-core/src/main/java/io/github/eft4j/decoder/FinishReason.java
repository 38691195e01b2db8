package io.github.eft4j.decoder;

/** Why a generation ended. See {@code docs/decoder.md} for what each leaves in the result. */
public enum FinishReason {
    /** {@link GenerationConfig#maxNewTokens()} tokens were generated. */
    LENGTH,
    /** A token from {@link GenerationConfig#stopTokens()} was generated (it is the last token). */
    STOP_TOKEN,
    /** The decoded text came to contain one of {@link GenerationConfig#stopSequences()}. */
    STOP_SEQUENCE,
    /**
     * A source's context is full ({@link io.github.eft4j.model.LogitSource#maxPositions()}):
     * every source holds as many positions as it can, and the result has every token generated
     * up to there, fewer than {@link GenerationConfig#maxNewTokens()}.
     */
    POSITION_LIMIT,
    /**
     * The generating thread was interrupted, {@link Generation#cancel()} was called, or the
     * caller closed the {@link Generation} before it finished, or a step of it failed. After an
     * interrupt or {@code cancel()} the result holds the tokens delivered so far; the interrupt
     * status is kept.
     */
    CANCELLED,
    /**
     * {@link GenerationConfig#timeout()} passed; the result holds the tokens delivered so far.
     */
    TIMEOUT
}
