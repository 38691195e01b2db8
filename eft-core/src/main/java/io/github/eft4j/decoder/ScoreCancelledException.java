package io.github.eft4j.decoder;

import java.util.concurrent.CancellationException;

/**
 * Thrown by {@link EFTDecoder#score} when the scoring thread was interrupted or the config's
 * timeout passed: a partial score would be a wrong total, so it is not returned as a result.
 * The positions scored before the stop are in {@link #partialResult()}; the interrupt status of
 * the thread is kept.
 */
public final class ScoreCancelledException extends CancellationException {
    private static final long serialVersionUID = 1L;

    private final transient ScoreResult partial;
    private final FinishReason reason;

    /**
     * Creates the exception.
     *
     * @param reason {@link FinishReason#CANCELLED} or {@link FinishReason#TIMEOUT}
     * @param partial the positions scored before the stop
     */
    public ScoreCancelledException(FinishReason reason, ScoreResult partial) {
        super("scoring stopped (" + reason + ") after " + partial.tokens().size() + " scored positions");
        this.reason = reason;
        this.partial = partial;
    }

    /**
     * Returns why scoring stopped.
     *
     * @return {@link FinishReason#CANCELLED} (interrupt) or {@link FinishReason#TIMEOUT}
     */
    public FinishReason reason() {
        return reason;
    }

    /**
     * Returns the positions scored before the stop (possibly none) and their sum.
     *
     * @return the partial result; null after deserialization
     */
    public ScoreResult partialResult() {
        return partial;
    }
}
