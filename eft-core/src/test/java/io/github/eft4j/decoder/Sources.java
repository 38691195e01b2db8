package io.github.eft4j.decoder;

import io.github.eft4j.combine.EFTSpec;

import io.github.eft4j.testing.SyntheticLogitSource;
import java.util.SplittableRandom;

/** Synthetic model families for decoder tests. */
final class Sources {
    private Sources() {
    }

    /**
     * An up-scaling family in spec order (large-base, small-ft, small-base): all share a family
     * seed; {@code spread} is each model's own weight (0 = identical models).
     */
    static SyntheticLogitSource[] upscaleFamily(int vocab, double spread, long seed) {
        return new SyntheticLogitSource[] {
            SyntheticLogitSource.builder("large-base-src", vocab).familySeed(seed).ownSeed(seed * 31 + 1).ownWeight(spread).build(),
            SyntheticLogitSource.builder("small-ft-src", vocab).familySeed(seed).ownSeed(seed * 31 + 2).ownWeight(spread).build(),
            SyntheticLogitSource.builder("small-base-src", vocab).familySeed(seed).ownSeed(seed * 31 + 3).ownWeight(spread).build(),
        };
    }

    static EFTDecoder decoder(EFTSpec spec, SyntheticLogitSource[] s) {
        EFTDecoder.Builder b = EFTDecoder.builder(spec);
        for (int i = 0; i < s.length; i++) {
            b.source(spec.names().get(i), s[i]);
        }
        return b.build();
    }

    static int[] randomPrompt(SplittableRandom r, int vocab, int maxLen) {
        int[] p = new int[1 + r.nextInt(maxLen)];
        for (int i = 0; i < p.length; i++) {
            p[i] = r.nextInt(vocab);
        }
        return p;
    }
}
