package io.github.eft4j.examples.bench;

import io.github.eft4j.testing.ForwardCost;

/**
 * Simulated forward-pass cost: {@code units · (1 + tokenFactor · (tokens − 1))} dense
 * matrix-vector products of a {@value #DIM}×{@value #DIM} float matrix. A decoding forward
 * pass of a transformer is memory-bound, so scoring k tokens at once costs little more than
 * one; {@code tokenFactor} (default 0.05) is that extra cost per token. A large model is made
 * N times as expensive as a small one by giving it N times the units.
 */
final class MatVecCost implements ForwardCost {
    static final int DIM = 256;
    private final float[] matrix = new float[DIM * DIM];
    private final float[] x = new float[DIM];
    private final float[] y = new float[DIM];
    private final double units;
    private final double tokenFactor;
    private volatile float sink;

    MatVecCost(double units, double tokenFactor) {
        this.units = units;
        this.tokenFactor = tokenFactor;
        for (int i = 0; i < matrix.length; i++) {
            matrix[i] = (i % 7 - 3) * 0.01f;
        }
        for (int i = 0; i < DIM; i++) {
            x[i] = 1f / (i + 1);
        }
    }

    @Override
    public synchronized void charge(int tokens) {
        long reps = Math.round(units * (1 + tokenFactor * (tokens - 1)));
        float acc = 0;
        for (long r = 0; r < reps; r++) {
            for (int i = 0; i < DIM; i++) {
                float s = 0;
                int row = i * DIM;
                for (int j = 0; j < DIM; j++) {
                    s += matrix[row + j] * x[j];
                }
                y[i] = s;
            }
            acc += y[(int) (r % DIM)];
            x[(int) (r % DIM)] += 1e-7f;   // keeps the products from being hoisted
        }
        sink = acc;
    }
}
