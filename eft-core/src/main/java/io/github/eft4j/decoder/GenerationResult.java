package io.github.eft4j.decoder;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one generation.
 *
 * @param tokens the generated token ids (the continuation, without the prompt)
 * @param finishReason why the generation ended
 * @param seed the seed that was used (drawn fresh when the config had none)
 * @param trace one entry per token when tracing was on, else empty
 * @param forwardPasses per component name: how many forward passes its source ran ({@code open}
 *     and {@code append} calls; one batched append counts once)
 * @param speculative speculative statistics, or {@code null} for plain decoding
 */
public record GenerationResult(int[] tokens, FinishReason finishReason, long seed, List<TokenTrace> trace,
        Map<String, Long> forwardPasses, SpeculativeStats speculative) {

    /** Validates and copies. */
    public GenerationResult {
        if (tokens == null || finishReason == null) {
            throw new IllegalArgumentException("tokens and finish reason must not be null, got " + tokens + ", " + finishReason);
        }
        tokens = tokens.clone();
        trace = trace == null ? List.of() : List.copyOf(trace);
        // keeps the spec order of the components
        forwardPasses = forwardPasses == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(forwardPasses));
    }

    /**
     * Returns a copy of the generated tokens.
     *
     * @return the token ids
     */
    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    /**
     * Returns the number of generated tokens.
     *
     * @return the count
     */
    public int length() {
        return tokens.length;
    }

    /**
     * Returns one generated token.
     *
     * @param index the position, in {@code [0, length())}
     * @return the token id
     */
    public int token(int index) {
        return tokens[index];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationResult r && Arrays.equals(tokens, r.tokens) && finishReason == r.finishReason
                && seed == r.seed && trace.equals(r.trace) && forwardPasses.equals(r.forwardPasses)
                && java.util.Objects.equals(speculative, r.speculative);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(tokens) * 31 + finishReason.hashCode();
    }

    @Override
    public String toString() {
        return "GenerationResult[tokens=" + Arrays.toString(tokens) + ", finishReason=" + finishReason + ", seed=" + seed
                + ", trace=" + trace.size() + " entries, forwardPasses=" + forwardPasses
                + (speculative != null ? ", speculative=" + speculative : "") + "]";
    }
}
