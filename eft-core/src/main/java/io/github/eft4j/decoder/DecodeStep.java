package io.github.eft4j.decoder;

import io.github.eft4j.combine.CoefficientSchedule;
import io.github.eft4j.combine.EFTCombiner;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.internal.vector.VectorKernels;
import io.github.eft4j.internal.vector.VectorizationProvider;
import io.github.eft4j.model.LogitSource;
import io.github.eft4j.sampling.SamplingPipeline;
import java.util.random.RandomGenerator;

/**
 * The decoding step, the one place where a position's token is decided: combine the component
 * rows with this position's coefficients → check → process (the caller's processors and the
 * sampling processors) → sample, or score a given token. Generation, the {@link Generation}
 * iterator, batched generation, scoring and the {@link SpeculativeBlock} all call it, so each
 * check lives here once: schedule coefficients ({@link #combine}), non-finite logits
 * ({@link #diagnose}, naming the source and the position), and the observer and trace of the
 * position ({@link #emit}). It also turns a draft row into the draft's processed distribution
 * ({@link #draft}). Owns its buffers and allocates nothing per position (a trace entry, and
 * whatever the observer does, aside). One thread at a time.
 */
final class DecodeStep {
    private final EFTSpec spec;
    private final EFTCombiner combiner;
    private final String[] names;
    private final LogitSource[] sources;
    private final int vocabSize;
    private final float[] defaults;
    private final CoefficientSchedule schedule;   // null = the spec's defaults
    private final SamplingPipeline pipeline;      // null = scoring without processing
    private final VectorKernels kernels = VectorizationProvider.kernels();
    private final StepObserver observer;          // null = none
    private final StepView view;                  // null without an observer
    final float[] coefficients;                   // (components) of the last combine
    final float[] combined;                       // (vocab) EFT log-probs of the last combine
    final float[] processed;                      // (vocab) after the processors; == combined without a pipeline
    private static final float[] ONE = {1f};
    private final float[][] draftRow = new float[1][];
    private EFTCombiner draftCombiner;            // the draft component alone, made on its first draft
    private int draftComponent = -1;

    /**
     * @param decoder the sources, spec and shared vocabulary
     * @param schedule per-position coefficients, or null for the defaults
     * @param pipeline the processors and sampler, or null to score the combination as it is
     * @param observer sees every position, or null
     * @param topK how many top tokens the observer's view ranks
     */
    DecodeStep(EFTDecoder decoder, CoefficientSchedule schedule, SamplingPipeline pipeline, StepObserver observer,
            int topK) {
        this.spec = decoder.spec();
        this.combiner = EFTCombiner.create(decoder.spec(), decoder.vocabSize());
        this.names = decoder.spec().names().toArray(String[]::new);
        this.sources = decoder.sources();
        this.vocabSize = decoder.vocabSize();
        this.defaults = decoder.spec().coefficients();
        this.schedule = schedule;
        this.pipeline = pipeline;
        this.coefficients = defaults.clone();
        this.combined = new float[vocabSize];
        this.processed = pipeline == null ? combined : new float[vocabSize];
        this.observer = observer;
        this.view = observer == null ? null : new StepView(this, names, Math.min(topK, vocabSize));
    }

    /**
     * Rejects a coefficient that is not finite or whose magnitude exceeds
     * {@link EFTDecoder#MAX_COEFFICIENT}: the one rule for default and scheduled coefficients.
     *
     * @param component the component's name
     * @param value the coefficient as given (a double prints as the caller wrote it)
     * @param what where it came from, for the message
     */
    static void checkCoefficient(String component, double value, String what) {
        if (!(Math.abs(value) <= EFTDecoder.MAX_COEFFICIENT)) {
            throw new IllegalArgumentException(what + " of component '" + component + "' is " + value
                    + "; expected a finite value with magnitude at most " + EFTDecoder.MAX_COEFFICIENT
                    + " (larger ones overflow float32 in the combination)");
        }
    }

    /** Combines {@code rows} (one per component) with the coefficients of {@code position}. */
    void combine(float[][] rows, int position) {
        setCoefficients(position);
        try {
            combiner.combine(rows, coefficients, combined);
        } catch (RuntimeException e) {
            throw diagnose(e, rows, position);
        }
    }

    /**
     * The greedy token of {@code position} without the combined row ({@link EFTCombiner#argmax}:
     * no normalization, no processing): for a caller that knows nothing reads the distribution
     * (greedy, no repetition penalty, no processors, no trace, no observer). {@link #combined}
     * and {@link #processed} are not written.
     */
    int argmax(float[][] rows, int position) {
        setCoefficients(position);
        try {
            return combiner.argmax(rows, coefficients);
        } catch (RuntimeException e) {
            throw diagnose(e, rows, position);
        }
    }

    private void setCoefficients(int position) {
        if (schedule != null) {
            System.arraycopy(defaults, 0, coefficients, 0, defaults.length);
            schedule.coefficients(position, coefficients);
            for (int i = 0; i < coefficients.length; i++) {
                if (!(Math.abs(coefficients[i]) <= EFTDecoder.MAX_COEFFICIENT)) {
                    checkCoefficient(names[i], coefficients[i], "the coefficient schedule's value at step " + position);
                }
            }
        }
    }

    /** {@code processed} = the last combination after the processors, renormalized. */
    void process(int[] history, int historyLength, float[][] rows, int position) {
        System.arraycopy(combined, 0, processed, 0, vocabSize);
        try {
            pipeline.process(processed, history, historyLength);
        } catch (RuntimeException e) {
            throw diagnose(e, rows, position);
        }
    }

    /** Picks from {@code processed} (greedy or a draw) and checks the pick. */
    int pick(RandomGenerator rng, float[][] rows, int position) {
        int token = pipeline.pick(processed, rng);
        check(token, rows, position);
        return token;
    }

    /** Fails, naming the source, if the combined log-prob of {@code token} is NaN. */
    void check(int token, float[][] rows, int position) {
        if (Float.isNaN(combined[token])) {
            throw diagnose(null, rows, position);
        }
    }

    /**
     * The plain step: combine, process with the history {@code history[0, position)}, pick.
     *
     * @return the token of {@code position}
     */
    int next(float[][] rows, int position, int[] history, RandomGenerator rng) {
        combine(rows, position);
        process(history, position, rows, position);
        return pick(rng, rows, position);
    }

    /**
     * Scores {@code token} at {@code position}: combine (and process with the history
     * {@code history[0, position)} when there is a pipeline), check.
     *
     * @return the EFT log-probability of {@code token}; {@link #processed} holds the processed one
     */
    float score(float[][] rows, int position, int token, int[] history) {
        combine(rows, position);
        if (pipeline != null) {
            process(history, position, rows, position);
        }
        check(token, rows, position);
        return combined[token];
    }

    /**
     * The draft's step in speculative decoding: {@code q} = the draft component's own
     * distribution ({@code log_softmax} of its row, computed by a combiner of that component
     * alone, so a one-component spec drafting for itself gets {@code q == p} bit for bit), processed by
     * the draft's pipeline; then a draw from {@code q}.
     *
     * @return the drafted token
     */
    int draft(float[] row, int component, int position, int[] history, SamplingPipeline draftPipeline,
            RandomGenerator rng, float[] q) {
        float max = kernels.max(row, vocabSize);
        if (!(max < Float.POSITIVE_INFINITY)) {   // NaN or +inf
            throw diagnoseRow(null, component, row, position, "draft ");
        }
        if (max == Float.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("every token is masked (-inf) in the row of draft source '"
                    + sources[component].name() + "' (component '" + names[component] + "') at step " + position
                    + "; nothing can be drafted");
        }
        if (draftComponent != component) {   // once per generation
            draftCombiner = EFTCombiner.create(EFTSpec.of(names[component], 1.0), vocabSize);
            draftComponent = component;
        }
        draftRow[0] = row;
        draftCombiner.combine(draftRow, ONE, q);
        draftPipeline.process(q, history, position);
        int token = draftPipeline.pick(q, rng);
        if (Float.isNaN(q[token])) {
            throw diagnoseRow(null, component, row, position, "draft ");
        }
        return token;
    }

    /**
     * Emits {@code token} for the position just decided: the observer sees the position, the
     * trace (if on) records it with its log-probability in {@link #processed}, and {@code out}
     * applies the stop rules.
     *
     * @return true if the sequence may continue
     */
    boolean emit(SequenceOutput out, int sequence, int token, TokenOrigin origin, int rejectedDraft) {
        int position = out.length();
        observe(sequence, position, token, origin);
        TokenTrace entry = out.tracing() ? trace(position, token, processed[token], origin, rejectedDraft) : null;
        return out.emit(token, entry);
    }

    /** Shows the observer (if any) the position just combined; the view is valid during the call. */
    void observe(int sequence, int position, int token, TokenOrigin origin) {
        if (observer == null) {
            return;
        }
        view.open(sequence, position, token, origin);
        try {
            observer.onStep(view);
        } finally {
            view.close();
        }
    }

    /** Builds the trace entry of {@code token}; call before the next combine. */
    TokenTrace trace(int position, int token, float sampledLogProb, TokenOrigin origin, int rejectedDraft) {
        float[] lp = new float[names.length];
        for (int i = 0; i < lp.length; i++) {
            lp[i] = combiner.componentLogProb(i, token);
        }
        double reward = spec.implicitReward(coefficients, lp); // the spec says which components form the delta
        return new TokenTrace(position, token, lp, combined[token], sampledLogProb, (float) reward, origin, rejectedDraft);
    }

    /** A component's log-probability of {@code token} in the last combination. */
    float componentLogProb(int component, int token) {
        return combiner.componentLogProb(component, token);
    }

    int vocabSize() {
        return vocabSize;
    }

    /**
     * The exception for a failed position: if a component row holds NaN or {@code +inf}, one
     * that names the source and the position (with {@code cause}); else {@code cause} itself.
     */
    RuntimeException diagnose(RuntimeException cause, float[][] rows, int position) {
        for (int i = 0; i < rows.length; i++) {
            RuntimeException e = diagnoseRow(cause, i, rows[i], position, "");
            if (e != cause) {
                return e;
            }
        }
        return cause != null ? cause
                : new IllegalStateException("combined log-probability is NaN at step " + position + " though no source logit is");
    }

    private RuntimeException diagnoseRow(RuntimeException cause, int component, float[] row, int position, String role) {
        for (int y = 0; y < vocabSize; y++) {
            if (Float.isNaN(row[y]) || row[y] == Float.POSITIVE_INFINITY) {
                return new IllegalArgumentException(role + "source '" + sources[component].name() + "' (component '"
                        + names[component] + "') produced a non-finite logit " + row[y] + " for token " + y + " at step "
                        + position, cause);
            }
        }
        if (cause != null || role.isEmpty()) {
            return cause;
        }
        return new IllegalStateException(role + "log-probability is NaN at step " + position + " though no logit of '"
                + names[component] + "' is");
    }
}
