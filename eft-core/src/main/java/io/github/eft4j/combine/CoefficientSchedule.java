package io.github.eft4j.combine;

import java.util.Arrays;

/**
 * Per-step EFT coefficients: a β or λ schedule during generation. The decoder fills
 * {@code coefficients} with the spec's defaults, then lets the schedule overwrite any of them;
 * the result must be finite. Called once per scored position (speculative decoding calls it for
 * every draft position, also those later rejected), so it must be a pure function of the step.
 *
 * <pre>{@code
 * // up-scale, fading the small models' delta in over the first 32 tokens
 * CoefficientSchedule fadeIn = (step, c) -> {
 *     float w = Math.min(1f, step / 32f);
 *     c[1] = w;      // small-ft
 *     c[2] = -w;     // small-base
 * };
 * }</pre>
 */
@FunctionalInterface
public interface CoefficientSchedule {

    /**
     * Writes the coefficients for one step.
     *
     * @param step the position in the continuation, from 0
     * @param coefficients one per component in spec order, pre-filled with the defaults;
     *     modified in place
     */
    void coefficients(int step, float[] coefficients);

    /**
     * The schedule that keeps the spec's defaults.
     *
     * @return a schedule that changes nothing
     */
    static CoefficientSchedule defaults() {
        return (step, coefficients) -> { };
    }

    /**
     * A linear ramp from {@code start} to {@code end} over {@code steps} steps, then constant.
     *
     * @param start the coefficients at step 0, one per component
     * @param end the coefficients from step {@code steps} on, same length
     * @param steps the ramp length, at least 1
     * @return the schedule
     * @throws IllegalArgumentException if the lengths differ, a value is not finite, or
     *     {@code steps < 1}
     */
    static CoefficientSchedule linear(float[] start, float[] end, int steps) {
        if (start.length != end.length) {
            throw new IllegalArgumentException("start and end lengths differ: " + start.length + " != " + end.length);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("ramp steps must be >= 1, got " + steps);
        }
        for (int i = 0; i < start.length; i++) {
            if (!Float.isFinite(start[i]) || !Float.isFinite(end[i])) {
                throw new IllegalArgumentException("coefficients must be finite, got start " + Arrays.toString(start)
                        + ", end " + Arrays.toString(end));
            }
        }
        float[] a = start.clone();
        float[] b = end.clone();
        return (step, c) -> {
            if (c.length != a.length) {
                throw new IllegalArgumentException("schedule has " + a.length + " coefficients, spec has " + c.length);
            }
            float t = Math.min(1f, step / (float) steps);
            for (int i = 0; i < c.length; i++) {
                c[i] = a[i] + t * (b[i] - a[i]);
            }
        };
    }
}
