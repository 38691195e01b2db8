package io.github.eft4j.decoder;

import io.github.eft4j.combine.CoefficientSchedule;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.sampling.SamplingPipeline;
import io.github.eft4j.testing.SyntheticLogitSource;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The obvious EFT loop the decoder is checked against: no decoding states (every step asks
 * each model for the logits after its full prompt + continuation), float64 log-softmax and
 * combination, then the same {@link SamplingPipeline} and random protocol as the decoder (the
 * pipeline has its own statistical tests). No conservative filter.
 */
final class ReferenceEft {
    private ReferenceEft() {
    }

    record Output(int[] tokens, FinishReason finish) {
    }

    /** Float64 combined log-probs after {@code prompts[i] ++ cont[0..n)} at step {@code step}. */
    static double[] combined(EFTSpec spec, SyntheticLogitSource[] sources, int vocab, int[][] prompts, int[] cont, int n,
            CoefficientSchedule schedule, int step) {
        float[] c = spec.coefficients();
        if (schedule != null) {
            schedule.coefficients(step, c);
        }
        double[] acc = new double[vocab];
        for (int i = 0; i < sources.length; i++) {
            int[] ctx = Arrays.copyOf(prompts[i], prompts[i].length + n);
            System.arraycopy(cont, 0, ctx, prompts[i].length, n);
            float[] x = new float[sources[i].vocabSize()];
            sources[i].logitsAfter(ctx, ctx.length, x);
            double[] lp = logSoftmax(x, vocab);
            for (int y = 0; y < vocab; y++) {
                acc[y] += c[i] * lp[y];
            }
        }
        return logSoftmax(acc);
    }

    static double[] logSoftmax(float[] x, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = x[i];
        }
        return logSoftmax(d);
    }

    static double[] logSoftmax(double[] x) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            m = Math.max(m, v);
        }
        double s = 0;
        for (double v : x) {
            s += Math.exp(v - m);
        }
        double z = m + Math.log(s);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] - z;
        }
        return out;
    }

    static Output generate(EFTSpec spec, SyntheticLogitSource[] sources, int vocab, int[][] prompts, GenerationConfig cfg) {
        SplittableRandom rng = new SplittableRandom(cfg.seed());
        SamplingPipeline pipeline = new SamplingPipeline(cfg.sampling(), vocab);
        int[] cont = new int[cfg.maxNewTokens() + 1];
        int n = 0;
        if (cfg.maxNewTokens() == 0) {
            return new Output(new int[0], FinishReason.LENGTH);
        }
        while (true) {
            double[] lp = combined(spec, sources, vocab, prompts, cont, n, cfg.schedule(), n);
            float[] row = new float[vocab];
            for (int y = 0; y < vocab; y++) {
                row[y] = (float) lp[y];
            }
            pipeline.process(row, cont, n);
            int t = pipeline.pick(row, rng);
            cont[n++] = t;
            if (cfg.stopTokens().contains(t)) {
                return new Output(Arrays.copyOf(cont, n), FinishReason.STOP_TOKEN);
            }
            if (!cfg.stopSequences().isEmpty()) {
                String text = cfg.detokenizer().decode(Arrays.copyOf(cont, n));
                if (cfg.stopSequences().stream().anyMatch(text::contains)) {
                    return new Output(Arrays.copyOf(cont, n), FinishReason.STOP_SEQUENCE);
                }
            }
            if (n == cfg.maxNewTokens()) {
                return new Output(Arrays.copyOf(cont, n), FinishReason.LENGTH);
            }
        }
    }
}
