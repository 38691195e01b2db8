package io.github.eft4j.sampling;

import io.github.eft4j.internal.vector.Selection;
import io.github.eft4j.internal.vector.VectorKernels;
import io.github.eft4j.internal.vector.VectorizationProvider;

/**
 * Keeps the {@code k} highest scores (Hugging Face {@code TopKLogitsWarper}): every score below
 * the k-th largest becomes {@code -inf}; ties with the k-th largest are kept, so more than
 * {@code k} tokens may survive. The threshold is found by quickselect on a preallocated copy,
 * not by sorting the vocabulary.
 */
public final class TopK implements LogitProcessor {
    private final int k;
    private final float[] scratch;
    private final VectorKernels kernels = VectorizationProvider.kernels();

    /**
     * Creates the processor.
     *
     * @param k how many tokens to keep, at least 1
     * @param maxVocabSize the largest vocabulary size it will see (sizes its work buffer)
     * @throws IllegalArgumentException if {@code k < 1} or {@code maxVocabSize < 1}
     */
    public TopK(int k, int maxVocabSize) {
        if (k < 1) {
            throw new IllegalArgumentException("top-k must be >= 1, got " + k + " (0 means off in SamplingConfig)");
        }
        if (maxVocabSize < 1) {
            throw new IllegalArgumentException("maxVocabSize must be >= 1, got " + maxVocabSize);
        }
        this.k = k;
        this.scratch = new float[maxVocabSize];
    }

    /**
     * Returns k.
     *
     * @return how many tokens are kept
     */
    public int k() {
        return k;
    }

    @Override
    public void apply(float[] scores, int vocabSize, int[] history, int historyLength) {
        if (vocabSize > scratch.length) {
            throw new IllegalArgumentException("vocabSize " + vocabSize + " exceeds the " + scratch.length + " this TopK was built for");
        }
        if (k >= vocabSize) {
            return;
        }
        kernels.maskBelow(scores, vocabSize, Selection.kthLargest(kernels, scores, vocabSize, k, scratch));
    }
}
