package io.github.eft4j.sampling;

/**
 * How the next token is chosen, with Hugging Face {@code generate()} meanings. Filters are off
 * at their neutral value: {@code topK = 0}, {@code topP = 1}, {@code minP = 0},
 * {@code repetitionPenalty = 1}. Greedy decoding ignores the temperature and the filters (they
 * cannot change the argmax) but still applies the repetition penalty.
 *
 * <pre>{@code
 * SamplingConfig cfg = SamplingConfig.sampling().withTemperature(0.7f).withTopP(0.9f);
 * }</pre>
 *
 * @param greedy {@code true} for argmax decoding (factory: {@link #greedyDecoding()})
 * @param temperature the temperature, finite and {@code > 0} unless greedy (then ignored, but not NaN)
 * @param topK how many top tokens to keep, {@code >= 0}; 0 is off
 * @param topP the nucleus mass, in {@code (0, 1]}; 1 is off
 * @param minP the min-p threshold, in {@code [0, 1]}; 0 is off
 * @param repetitionPenalty the repetition penalty, finite and {@code > 0}; 1 is off
 */
public record SamplingConfig(boolean greedy, float temperature, int topK, float topP, float minP, float repetitionPenalty) {

    /** Validates every field; messages name the value and the expected range. */
    public SamplingConfig {
        if (Float.isNaN(temperature) || (!greedy && !(temperature > 0 && Float.isFinite(temperature)))) {
            throw new IllegalArgumentException("temperature must be in (0, +inf), got " + temperature
                    + (greedy ? "" : " (use SamplingConfig.greedyDecoding() for temperature 0)"));
        }
        if (!greedy && !Float.isFinite(1f / temperature)) {
            throw new IllegalArgumentException("temperature " + temperature + " is too small: 1/temperature overflows float32;"
                    + " expected at least " + Float.MIN_NORMAL + " (use SamplingConfig.greedyDecoding() for the limit 0)");
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 1, or 0 for off, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1] (1 is off), got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min-p must be in [0, 1] (0 is off), got " + minP);
        }
        if (!(repetitionPenalty > 0) || !Float.isFinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetition penalty must be in (0, +inf) (1 is off), got " + repetitionPenalty);
        }
    }

    /**
     * Greedy decoding with every filter off. (Named {@code greedyDecoding}, not {@code greedy},
     * because the record accessor {@link #greedy()} owns that name.)
     *
     * @return the config
     */
    public static SamplingConfig greedyDecoding() {
        return new SamplingConfig(true, 1f, 0, 1f, 0f, 1f);
    }

    /**
     * Plain sampling at temperature 1 with every filter off.
     *
     * @return the config
     */
    public static SamplingConfig sampling() {
        return new SamplingConfig(false, 1f, 0, 1f, 0f, 1f);
    }

    /**
     * Returns a copy with another temperature.
     *
     * @param t the temperature, finite and {@code > 0}
     * @return the new config
     */
    public SamplingConfig withTemperature(float t) {
        return new SamplingConfig(greedy, t, topK, topP, minP, repetitionPenalty);
    }

    /**
     * Returns a copy with another top-k.
     *
     * @param k the number of tokens to keep, 0 for off
     * @return the new config
     */
    public SamplingConfig withTopK(int k) {
        return new SamplingConfig(greedy, temperature, k, topP, minP, repetitionPenalty);
    }

    /**
     * Returns a copy with another top-p.
     *
     * @param p the nucleus mass in {@code (0, 1]}, 1 for off
     * @return the new config
     */
    public SamplingConfig withTopP(float p) {
        return new SamplingConfig(greedy, temperature, topK, p, minP, repetitionPenalty);
    }

    /**
     * Returns a copy with another min-p.
     *
     * @param p the threshold in {@code [0, 1]}, 0 for off
     * @return the new config
     */
    public SamplingConfig withMinP(float p) {
        return new SamplingConfig(greedy, temperature, topK, topP, p, repetitionPenalty);
    }

    /**
     * Returns a copy with another repetition penalty.
     *
     * @param penalty the penalty, {@code > 0}, 1 for off
     * @return the new config
     */
    public SamplingConfig withRepetitionPenalty(float penalty) {
        return new SamplingConfig(greedy, temperature, topK, topP, minP, penalty);
    }

    /**
     * Returns a copy with another temperature given as a {@code double} (as parsed from text):
     * a value that float32 cannot hold is rejected with the value as given, instead of being
     * rounded to 0 or infinity first.
     *
     * @param t the temperature, finite and {@code > 0}, within float32's range
     * @return the new config
     * @throws IllegalArgumentException if {@code t} is out of range, naming it as given
     */
    public SamplingConfig withTemperature(double t) {
        return withTemperature(narrow("temperature", t));
    }

    /**
     * Returns a copy with another top-p given as a {@code double}; see {@link #withTemperature(double)}.
     *
     * @param p the nucleus mass in {@code (0, 1]}, 1 for off
     * @return the new config
     * @throws IllegalArgumentException if {@code p} is out of range, naming it as given
     */
    public SamplingConfig withTopP(double p) {
        return withTopP(narrow("top-p", p));
    }

    /**
     * Returns a copy with another min-p given as a {@code double}; see {@link #withTemperature(double)}.
     *
     * @param p the threshold in {@code [0, 1]}, 0 for off
     * @return the new config
     * @throws IllegalArgumentException if {@code p} is out of range, naming it as given
     */
    public SamplingConfig withMinP(double p) {
        return withMinP(narrow("min-p", p));
    }

    /**
     * Returns a copy with another repetition penalty given as a {@code double}; see
     * {@link #withTemperature(double)}.
     *
     * @param penalty the penalty, {@code > 0}, 1 for off
     * @return the new config
     * @throws IllegalArgumentException if {@code penalty} is out of range, naming it as given
     */
    public SamplingConfig withRepetitionPenalty(double penalty) {
        return withRepetitionPenalty(narrow("repetition penalty", penalty));
    }

    /** The float of {@code v}, refusing values that would become 0 or infinite (named as given). */
    private static float narrow(String what, double v) {
        float f = (float) v;
        if ((f == 0 && v != 0) || (Float.isInfinite(f) && !Double.isInfinite(v))) {
            throw new IllegalArgumentException(what + " " + v + " is outside the float32 range, which holds magnitudes in ["
                    + Float.MIN_VALUE + ", " + Float.MAX_VALUE + "]; it would become " + f);
        }
        return f;
    }
}
