/**
 * The EFT formula: {@link io.github.eft4j.combine.EFTSpec} names the components and their
 * coefficients (up-scaling, down-scaling, β and λ forms, each a named factory), and an
 * {@link io.github.eft4j.combine.EFTCombiner} turns one step's logits rows into the combined
 * log-probabilities {@code log_softmax(Σ_i c_i · log_softmax(logits_i))}. Coefficients may change per
 * step ({@link io.github.eft4j.combine.CoefficientSchedule}); {@link io.github.eft4j.combine.VocabAlignment}
 * reconciles vocabularies that differ by padding or added tokens.
 */
package io.github.eft4j.combine;
