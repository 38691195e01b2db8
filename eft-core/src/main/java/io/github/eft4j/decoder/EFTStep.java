package io.github.eft4j.decoder;

import io.github.eft4j.combine.CoefficientSchedule;
import io.github.eft4j.combine.EFTCombiner;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.model.LogitSource;

/**
 * One EFT combination step shared by generation, batched generation and scoring: the step's
 * coefficients, the combined row, trace entries, and naming the source behind a NaN.
 * Owns its buffers; one thread at a time.
 */
final class EFTStep {
    private final EFTCombiner combiner;
    private final String[] names;
    private final LogitSource[] sources;
    private final int vocabSize;
    private final float[] defaults;
    private final CoefficientSchedule schedule;   // null = defaults
    final float[] coefficients;                   // (components) of the last combine
    final float[] combined;                       // (vocab) log-probs of the last combine

    EFTStep(EFTSpec spec, LogitSource[] sources, int vocabSize, CoefficientSchedule schedule) {
        this.combiner = EFTCombiner.create(spec, vocabSize);
        this.names = spec.names().toArray(String[]::new);
        this.sources = sources;
        this.vocabSize = vocabSize;
        this.defaults = spec.coefficients();
        this.schedule = schedule;
        this.coefficients = defaults.clone();
        this.combined = new float[vocabSize];
    }

    /** Combines {@code rows} (one per component) with the coefficients of {@code step}. */
    void combine(float[][] rows, int step) {
        System.arraycopy(defaults, 0, coefficients, 0, defaults.length);
        if (schedule != null) {
            schedule.coefficients(step, coefficients);
            for (int i = 0; i < coefficients.length; i++) {
                if (!Float.isFinite(coefficients[i])) {
                    throw new IllegalArgumentException("coefficient schedule gave " + coefficients[i] + " for component '"
                            + names[i] + "' at step " + step + ", expected a finite value");
                }
            }
        }
        try {
            combiner.combine(rows, coefficients, combined);
        } catch (RuntimeException e) {
            throw diagnose(e, rows, step);
        }
    }

    /** Fails with the name of the source if the chosen token's combined log-prob is NaN. */
    void checkChosen(float[][] rows, int step, int token) {
        if (Float.isNaN(combined[token])) {
            throw diagnose(null, rows, step);
        }
    }

    /** Builds the trace entry of {@code token}; call before the next combine. */
    TokenTrace trace(int position, int token, float sampledLogProb, TokenOrigin origin, int rejectedDraft) {
        float[] lp = new float[names.length];
        double reward = 0;
        for (int i = 0; i < lp.length; i++) {
            lp[i] = combiner.componentLogProb(i, token);
            if (i > 0 && coefficients[i] != 0) {
                reward += (double) coefficients[i] * lp[i];
            }
        }
        return new TokenTrace(position, token, lp, combined[token], sampledLogProb, (float) reward, origin, rejectedDraft);
    }

    /**
     * Returns the exception to throw for a failed step: if a component row holds NaN or +inf,
     * one that names the source and the step; else {@code cause} itself.
     */
    RuntimeException diagnose(RuntimeException cause, float[][] rows, int step) {
        for (int i = 0; i < rows.length; i++) {
            float[] r = rows[i];
            for (int y = 0; y < vocabSize; y++) {
                if (Float.isNaN(r[y]) || r[y] == Float.POSITIVE_INFINITY) {
                    return new IllegalArgumentException("source '" + sources[i].name() + "' (component '" + names[i]
                            + "') produced a non-finite logit " + r[y] + " for token " + y + " at step " + step, cause);
                }
            }
        }
        return cause != null ? cause
                : new IllegalStateException("combined log-probability is NaN at step " + step + " though no source logit is");
    }

    /** Names a draft source's bad row, see {@link #diagnose}. */
    RuntimeException diagnoseDraft(RuntimeException cause, int component, float[] row, int step) {
        for (int y = 0; y < vocabSize; y++) {
            if (Float.isNaN(row[y]) || row[y] == Float.POSITIVE_INFINITY) {
                return new IllegalArgumentException("draft source '" + sources[component].name() + "' (component '"
                        + names[component] + "') produced a non-finite logit " + row[y] + " for token " + y + " at step "
                        + step, cause);
            }
        }
        return cause != null ? cause : new IllegalStateException("draft log-probability is NaN at step " + step);
    }
}
