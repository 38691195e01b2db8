package io.github.eft4j.testing;

/**
 * A simulated cost charged on every forward pass of a {@link SyntheticLogitSource} (for
 * benchmarks: a large model is made N times as expensive as a small one).
 */
@FunctionalInterface
public interface ForwardCost {

    /**
     * Spends the cost of one forward pass.
     *
     * @param tokens how many tokens the pass consumed (the prompt length for a prefill, the
     *     number of appended tokens otherwise)
     */
    void charge(int tokens);

    /**
     * The free cost model.
     *
     * @return a cost that does nothing
     */
    static ForwardCost none() {
        return tokens -> { };
    }
}
