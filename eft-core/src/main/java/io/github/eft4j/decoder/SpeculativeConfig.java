package io.github.eft4j.decoder;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.model.DecodingState;

/**
 * Speculative EFT decoding: one component (the draft, by default {@value EFTSpec#SMALL_FT})
 * proposes a block of tokens alone; every other component scores the whole block with one
 * multi-token {@link DecodingState#append(int...) append}; drafts are accepted against the EFT
 * distribution, so the output distribution equals plain EFT sampling exactly (greedy: the same
 * tokens as plain greedy EFT). See {@link GenerationConfig#speculative()}.
 *
 * <p><b>Draft length.</b> With {@code adaptive} off every block drafts
 * {@code initialDraftLength} tokens. With it on, the decoder keeps a running acceptance rate
 * {@code a} (exponential moving average over blocks, weight 0.3 for the newest block's
 * accepted/proposed ratio, started at {@code (k0-1)/k0} for {@code k0 = initialDraftLength})
 * and drafts {@code k = clamp(round(a / (1 - a)) + 1, minDraftLength, maxDraftLength)} tokens:
 * {@code a/(1-a)} is the expected number of drafts accepted before the first rejection when
 * each is accepted with probability {@code a}, and one more draft covers a lucky run. A block
 * never drafts more tokens than the generation has left ({@code maxNewTokens}, or the room the
 * sources' {@link io.github.eft4j.model.LogitSource#maxPositions() contexts} leave).
 *
 * <pre>{@code
 * GenerationConfig cfg = GenerationConfig.builder()
 *         .maxNewTokens(128)
 *         .speculative(SpeculativeConfig.adaptive(8))   // small-ft drafts 1..8 tokens
 *         .build();
 * }</pre>
 *
 * @param draftComponent the name of the spec component that drafts
 * @param initialDraftLength the draft length of the first block, in {@code [min, max]}
 * @param minDraftLength the smallest draft length, at least 1
 * @param maxDraftLength the largest draft length, at most {@value #MAX_DRAFT_LENGTH}
 * @param adaptive whether the draft length follows the running acceptance rate
 */
public record SpeculativeConfig(String draftComponent, int initialDraftLength, int minDraftLength, int maxDraftLength,
        boolean adaptive) {

    /** The largest supported draft length. */
    public static final int MAX_DRAFT_LENGTH = 64;

    /** Validates the bounds. */
    public SpeculativeConfig {
        if (draftComponent == null || draftComponent.isBlank()) {
            throw new IllegalArgumentException("draft component must be a component name, got " + draftComponent);
        }
        if (minDraftLength < 1 || maxDraftLength > MAX_DRAFT_LENGTH || minDraftLength > maxDraftLength) {
            throw new IllegalArgumentException("draft length bounds must satisfy 1 <= min <= max <= " + MAX_DRAFT_LENGTH
                    + ", got min " + minDraftLength + ", max " + maxDraftLength);
        }
        if (initialDraftLength < minDraftLength || initialDraftLength > maxDraftLength) {
            throw new IllegalArgumentException("initial draft length " + initialDraftLength + " must be in ["
                    + minDraftLength + ", " + maxDraftLength + "]");
        }
    }

    /**
     * A fixed draft length, drafted by {@value EFTSpec#SMALL_FT}.
     *
     * @param draftLength tokens per block, in {@code [1, 64]}
     * @return the config
     */
    public static SpeculativeConfig fixed(int draftLength) {
        return new SpeculativeConfig(EFTSpec.SMALL_FT, draftLength, draftLength, draftLength, false);
    }

    /**
     * An adaptive draft length in {@code [1, maxDraftLength]}, starting at
     * {@code min(4, maxDraftLength)}, drafted by {@value EFTSpec#SMALL_FT}.
     *
     * @param maxDraftLength the upper bound, in {@code [1, 64]}
     * @return the config
     */
    public static SpeculativeConfig adaptive(int maxDraftLength) {
        return new SpeculativeConfig(EFTSpec.SMALL_FT, Math.min(4, Math.max(1, maxDraftLength)), 1, maxDraftLength, true);
    }

    /**
     * Returns a copy drafted by another component.
     *
     * @param component a component name of the decoder's spec
     * @return the new config
     */
    public SpeculativeConfig withDraftComponent(String component) {
        return new SpeculativeConfig(component, initialDraftLength, minDraftLength, maxDraftLength, adaptive);
    }
}
