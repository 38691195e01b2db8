package io.github.eft4j.sampling;

import io.github.eft4j.internal.vector.VectorKernels;
import io.github.eft4j.internal.vector.VectorizationProvider;

/**
 * Divides every score by the temperature (Hugging Face {@code TemperatureLogitsWarper}):
 * {@code T < 1} sharpens, {@code T > 1} flattens. Applied to log-probabilities it gives
 * {@code p^(1/T)} after renormalization. {@code -inf} stays {@code -inf}.
 */
public final class Temperature implements LogitProcessor {
    private final float temperature;
    private final float inverse;
    private final VectorKernels kernels = VectorizationProvider.kernels();

    /**
     * Creates the processor.
     *
     * @param temperature the temperature, finite and {@code > 0}
     * @throws IllegalArgumentException if the temperature is not in {@code (0, +inf)}
     */
    public Temperature(float temperature) {
        if (!(temperature > 0) || !Float.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature must be in (0, +inf), got " + temperature
                    + " (use greedy decoding instead of temperature 0)");
        }
        if (!Float.isFinite(1f / temperature)) {
            throw new IllegalArgumentException("temperature " + temperature + " is too small: 1/temperature overflows float;"
                    + " expected at least " + Float.MIN_NORMAL + " (use greedy decoding for the limit 0)");
        }
        this.temperature = temperature;
        this.inverse = 1f / temperature;
    }

    /**
     * Returns the temperature.
     *
     * @return the temperature
     */
    public float temperature() {
        return temperature;
    }

    @Override
    public void apply(float[] scores, int vocabSize, int[] history, int historyLength) {
        if (temperature != 1f) {
            kernels.scale(scores, vocabSize, inverse);
        }
    }
}
