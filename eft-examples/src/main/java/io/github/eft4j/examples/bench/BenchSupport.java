package io.github.eft4j.examples.bench;

import io.github.eft4j.internal.vector.VectorizationProvider;
import java.util.SplittableRandom;

/** Shared set-up of the benchmarks: kernel selection per fork and model-like rows. */
final class BenchSupport {

    private BenchSupport() {
    }

    /**
     * Selects the kernels for this fork. JMH runs every parameter combination in its own JVM, so
     * setting {@code eft4j.vectorization} before eft4j's first use picks the implementation; the
     * check makes sure the fork really runs the requested one.
     */
    static void selectKernels(String impl) {
        System.setProperty(VectorizationProvider.PROPERTY, impl);
        String chosen = VectorizationProvider.kernels().name();
        if (!chosen.startsWith(impl)) {
            throw new IllegalStateException("requested " + impl + " kernels, the fork runs " + chosen
                    + " (start the JVM with " + VectorizationProvider.FLAG + ")");
        }
    }

    /** Logits shaped like a model's: N(3, 2.5²) with a few confident tokens. */
    static float[] logits(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int j = 0; j < n; j++) {
            double u = Math.max(r.nextDouble(), 1e-300);
            x[j] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble()) * 2.5 + 3.0);
        }
        for (int p = 0; p < Math.max(1, n / 1000); p++) {
            x[r.nextInt(n)] += 8f;
        }
        return x;
    }
}
