package io.github.eft4j.examples.bench;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.model.LogitSource;
import io.github.eft4j.testing.SyntheticLogitSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The default benchmark models: an up-scaling family of {@link SyntheticLogitSource}s
 * (large-base, small-ft, small-base) sharing a family seed, one scenario per "spread" (each
 * model's own weight: small = similar models, high acceptance). Each context has 4 boosted
 * "plausible" tokens (boost 12 over a flat tail of amplitude 2), so the distributions are peaked
 * like a language model's. Costs per forward pass, see
 * {@link MatVecCost}: small models {@code --small-units} (default 4) matrix-vector products,
 * the large base {@code --large-ratio} (default 8) times that.
 *
 * <p>Options: {@code --vocab} (8192), {@code --spreads} (0.1,0.3,0.6), {@code --prompts} (4),
 * {@code --small-units} (4), {@code --large-ratio} (8), {@code --token-factor} (0.05).
 */
public final class SyntheticBenchmarkSources implements BenchmarkSources {

    /** Creates the factory. */
    public SyntheticBenchmarkSources() {
    }

    @Override
    public List<Scenario> scenarios(Map<String, String> o) {
        int vocab = Integer.parseInt(o.getOrDefault("vocab", "8192"));
        int prompts = Integer.parseInt(o.getOrDefault("prompts", "4"));
        double small = Double.parseDouble(o.getOrDefault("small-units", "4"));
        double ratio = Double.parseDouble(o.getOrDefault("large-ratio", "8"));
        double tokenFactor = Double.parseDouble(o.getOrDefault("token-factor", "0.05"));
        List<Scenario> out = new ArrayList<>();
        for (String s : o.getOrDefault("spreads", "0.1,0.3,0.6").split(",")) {
            double spread = Double.parseDouble(s.trim());
            Map<String, LogitSource> m = new LinkedHashMap<>();
            m.put(EFTSpec.LARGE_BASE, source("large-base", vocab, 11, spread, new MatVecCost(small * ratio, tokenFactor)));
            m.put(EFTSpec.SMALL_FT, source("small-ft", vocab, 12, spread, new MatVecCost(small, tokenFactor)));
            m.put(EFTSpec.SMALL_BASE, source("small-base", vocab, 13, spread, new MatVecCost(small, tokenFactor)));
            SplittableRandom r = new SplittableRandom(42);
            List<Prompt> ps = new ArrayList<>();
            for (int i = 0; i < prompts; i++) {
                int[] base = new int[16];
                for (int j = 0; j < base.length; j++) {
                    base[j] = r.nextInt(vocab);
                }
                int[] chat = new int[base.length + 4];
                System.arraycopy(base, 0, chat, 2, base.length);
                chat[0] = vocab - 1;     // "chat template" tokens around the plain prompt
                chat[1] = vocab - 2;
                chat[chat.length - 2] = vocab - 3;
                chat[chat.length - 1] = vocab - 4;
                ps.add(Prompt.of(base).with(EFTSpec.SMALL_FT, chat));
            }
            out.add(new Scenario("spread " + spread, EFTSpec.upscale(), m, vocab, ps, EFTSpec.SMALL_FT, () -> {
                m.values().forEach(LogitSource::close);
            }));
        }
        return out;
    }

    private static SyntheticLogitSource source(String name, int vocab, long own, double spread, MatVecCost cost) {
        return SyntheticLogitSource.builder(name, vocab).familySeed(7).ownSeed(own).ownWeight(spread).scale(2)
                .candidates(4, 12)
                .forwardCost(cost).build();
    }

    @Override
    public String describe(Map<String, String> o) {
        return "synthetic up-scaling family (hash n-gram sources with 4 boosted candidates per context, vocab " + o.getOrDefault("vocab", "8192")
                + "); cost per forward pass = units x (1 + " + o.getOrDefault("token-factor", "0.05")
                + " x (tokens - 1)) matvecs of " + MatVecCost.DIM + "x" + MatVecCost.DIM + "; small models "
                + o.getOrDefault("small-units", "4") + " units, large base " + o.getOrDefault("large-ratio", "8") + "x that";
    }
}
