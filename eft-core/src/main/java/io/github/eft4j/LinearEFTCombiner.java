package io.github.eft4j;

/**
 * The standard {@link EFTCombiner}. PROVISIONAL scalar version written by the lead so that the
 * build compiles; the kernels owner replaces it with the vectorized, fully validated one.
 */
final class LinearEFTCombiner implements EFTCombiner {
    private final EFTSpec spec;
    private final int vocabSize;
    private final float[] lse;
    private float[][] last;

    LinearEFTCombiner(EFTSpec spec, int vocabSize) {
        if (spec == null) {
            throw new IllegalArgumentException("spec must not be null");
        }
        if (vocabSize < 1) {
            throw new IllegalArgumentException("vocabSize must be >= 1, got " + vocabSize);
        }
        this.spec = spec;
        this.vocabSize = vocabSize;
        this.lse = new float[spec.size()];
    }

    @Override
    public EFTSpec spec() {
        return spec;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public void combine(float[][] logits, float[] coefficients, float[] out) {
        int n = spec.size();
        for (int i = 0; i < n; i++) {
            float m = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < vocabSize; j++) {
                m = Math.max(m, logits[i][j]);
            }
            double s = 0;
            for (int j = 0; j < vocabSize; j++) {
                s += Math.exp(logits[i][j] - m);
            }
            lse[i] = (float) (m + Math.log(s));
        }
        float m = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < vocabSize; j++) {
            float acc = 0;
            for (int i = 0; i < n; i++) {
                if (coefficients[i] != 0) {
                    acc += coefficients[i] * (logits[i][j] - lse[i]);
                }
            }
            out[j] = acc;
            m = Math.max(m, acc);
        }
        double s = 0;
        for (int j = 0; j < vocabSize; j++) {
            s += Math.exp(out[j] - m);
        }
        float z = (float) (m + Math.log(s));
        for (int j = 0; j < vocabSize; j++) {
            out[j] -= z;
        }
        last = logits;
    }

    @Override
    public float componentLogProb(int component, int token) {
        return last[component][token] - lse[component];
    }
}
