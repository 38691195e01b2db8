package io.github.eft4j.sampling;

import io.github.eft4j.internal.vector.Selection;
import io.github.eft4j.internal.vector.VectorKernels;
import io.github.eft4j.internal.vector.VectorizationProvider;

/**
 * Nucleus filtering (Hugging Face {@code TopPLogitsWarper}): keeps the most probable tokens
 * whose cumulative probability first reaches {@code p} under {@code softmax(scores)}; a token is
 * kept when the mass of the tokens ranked before it is below {@code p}, so at least one token
 * always survives. Ranking is probability descending, lower token id first on exact ties. The
 * nucleus is found with llama2.c's candidate cut and a mass-guided quickselect in preallocated
 * buffers: no sort of the vocabulary.
 */
public final class TopP implements LogitProcessor {
    private final float p;
    private final long[] keys;
    private final float[] saved;
    private final VectorKernels kernels = VectorizationProvider.kernels();

    /**
     * Creates the processor.
     *
     * @param p the nucleus mass, in {@code (0, 1]}; 1 keeps everything
     * @param maxVocabSize the largest vocabulary size it will see (sizes its work buffers)
     * @throws IllegalArgumentException if {@code p} is outside {@code (0, 1]} or
     *     {@code maxVocabSize < 1}
     */
    public TopP(float p, int maxVocabSize) {
        if (!(p > 0 && p <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + p);
        }
        if (maxVocabSize < 1) {
            throw new IllegalArgumentException("maxVocabSize must be >= 1, got " + maxVocabSize);
        }
        this.p = p;
        this.keys = new long[maxVocabSize];
        this.saved = new float[maxVocabSize];
    }

    /**
     * Returns p.
     *
     * @return the nucleus mass
     */
    public float p() {
        return p;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if every score is {@code -inf} or one is NaN
     */
    @Override
    public void apply(float[] scores, int vocabSize, int[] history, int historyLength) {
        if (vocabSize > keys.length) {
            throw new IllegalArgumentException("vocabSize " + vocabSize + " exceeds the " + keys.length + " this TopP was built for");
        }
        if (p >= 1) {
            return;
        }
        float lse = kernels.logSumExp(scores, vocabSize);
        if (!Float.isFinite(lse)) {
            throw new IllegalArgumentException("top-p needs at least one finite score and no NaN; log-sum-exp is " + lse);
        }
        int size = Selection.nucleus(kernels, scores, vocabSize, lse, p, saved, keys);
        Selection.keepOnly(scores, vocabSize, keys, size, saved);
    }
}
