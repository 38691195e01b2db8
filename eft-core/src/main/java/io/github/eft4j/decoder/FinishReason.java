package io.github.eft4j.decoder;

/** Why a generation ended. */
public enum FinishReason {
    /** {@link GenerationConfig#maxNewTokens()} tokens were generated. */
    LENGTH,
    /** A token from {@link GenerationConfig#stopTokens()} was generated (it is the last token). */
    STOP_TOKEN,
    /** The decoded text came to contain one of {@link GenerationConfig#stopSequences()}. */
    STOP_SEQUENCE,
    /** The caller closed the {@link Generation} before it finished, or a step of it failed. */
    CANCELLED
}
