package io.github.eft4j.decoder;

/** How a generated token was produced; see {@link TokenTrace#origin()}. */
public enum TokenOrigin {
    /** Drawn from the EFT distribution by a plain (non-speculative) step. */
    SAMPLED,
    /** A draft token that speculative decoding accepted. */
    ACCEPTED_DRAFT,
    /**
     * Drawn from the residual {@code norm(max(0, p - q))} after a draft was rejected (in greedy
     * mode: the target's argmax); {@link TokenTrace#rejectedDraft()} names the rejected draft.
     */
    RESAMPLED,
    /** Drawn from the EFT distribution after a block whose drafts were all accepted. */
    BONUS,
    /** A given token scored by teacher forcing ({@link EFTDecoder#score}). */
    SCORED
}
