package io.github.eft4j.combine;

import io.github.eft4j.model.LogitSource;

/**
 * Aligns the vocabularies of EFT components. Models of one family often differ only by padding
 * rows at the end of the output embedding (Llama-2 at 32000 and a fine-tune at 32001 with an
 * added pad token; Pythia's 50277 tokens padded to 50304; Qwen2.5 0.5B at 151936 and 7B at
 * 152064). Those components are cut to a declared shared size: every row is read in
 * {@code [0, shared)} and the padding rows are ignored (the combined distribution is
 * renormalized over the shared tokens).
 *
 * <p>The rule: every component must have at least {@code declared} rows and at most
 * {@value #MAX_PADDING_ROWS} more (padding to a multiple of up to 512 rows). Anything else is a
 * genuine vocabulary mismatch and an {@link IllegalArgumentException} naming both sizes.
 *
 * <pre>{@code
 * int v = VocabAlignment.sharedVocabSize(32000, largeBase.vocabSize(), smallFt.vocabSize(), smallBase.vocabSize());
 * EFTCombiner eft = EFTCombiner.create(EFTSpec.upscale(), v);
 * }</pre>
 */
public final class VocabAlignment {

    /** The most padding rows a component may have beyond the declared shared size. */
    public static final int MAX_PADDING_ROWS = 512;

    private VocabAlignment() {
    }

    /**
     * Checks the component sizes against a declared shared vocabulary size.
     *
     * @param declared the shared vocabulary size (usually the tokenizer's), at least 1
     * @param componentSizes each component's row length ({@code LogitSource.vocabSize()}), at
     *     least one
     * @return {@code declared}, the size to build the combiner and samplers with
     * @throws IllegalArgumentException if a component is smaller than {@code declared} or larger
     *     by more than {@value #MAX_PADDING_ROWS} rows, or if no sizes are given
     */
    public static int sharedVocabSize(int declared, int... componentSizes) {
        if (declared < 1) {
            throw new IllegalArgumentException("declared vocabulary size must be >= 1, got " + declared);
        }
        if (componentSizes == null || componentSizes.length == 0) {
            throw new IllegalArgumentException("expected at least one component vocabulary size, got none");
        }
        for (int i = 0; i < componentSizes.length; i++) {
            int size = componentSizes[i];
            if (size < declared || size - declared > MAX_PADDING_ROWS) {
                throw new IllegalArgumentException("vocab sizes differ: component " + i + " has " + size
                        + " rows, declared shared vocabulary is " + declared + " (" + size + " != " + declared
                        + "); expected between " + declared + " and " + (declared + MAX_PADDING_ROWS)
                        + " rows (up to " + MAX_PADDING_ROWS + " padding rows)");
            }
        }
        return declared;
    }

    /**
     * Infers the shared size as the smallest component size and checks the others against it.
     *
     * @param componentSizes each component's row length, at least one
     * @return the smallest size
     * @throws IllegalArgumentException as {@link #sharedVocabSize(int, int...)}
     */
    public static int inferSharedVocabSize(int... componentSizes) {
        if (componentSizes == null || componentSizes.length == 0) {
            throw new IllegalArgumentException("expected at least one component vocabulary size, got none");
        }
        int min = Integer.MAX_VALUE;
        for (int s : componentSizes) {
            min = Math.min(min, s);
        }
        return sharedVocabSize(min, componentSizes);
    }
}
