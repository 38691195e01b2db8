package io.github.eft4j.decoder;

import io.github.eft4j.sampling.SamplingPipeline;
import java.util.random.RandomGenerator;

/**
 * One speculative EFT block at a time (see {@link SpeculativeConfig} and docs/speculative.md):
 * the draft component proposes {@code k} tokens through {@link DecodeStep#draft}; every other
 * component consumes the pending token and the drafts in ONE {@code append}
 * ({@link SequenceStates#advanceAll}); each position is decided by the shared
 * {@link DecodeStep} (the target {@code p}), a draft being accepted with probability
 * {@code min(1, p/q)} (greedy: when it is the argmax of {@code p}); a rejection is resampled from
 * {@code norm(max(0, p - q))}; a fully accepted block gets a bonus token; then every state is
 * truncated to the accepted prefix. Handed its collaborators; owns only the draft distributions
 * and the adaptive draft length. Allocates nothing per block.
 */
final class SpeculativeBlock {
    private static final double ACCEPTANCE_EMA_WEIGHT = 0.3;

    private final DecodeStep step;
    private final SequenceStates states;
    private final SequenceOutput out;
    private final RandomGenerator rng;
    private final SpeculativeConfig config;
    private final int draft;
    private final boolean greedy;
    private final SamplingPipeline draftPipeline;
    private final float[][] q;                   // (kMax, vocab) processed draft log-probs
    private double acceptance;
    private int draftLength;
    private long blocks;
    private long proposed;
    private long accepted;

    /**
     * @param step decides every position (the target distribution)
     * @param states the sequence's decoding states, built for {@code config.maxDraftLength()} drafts
     * @param out the sequence's output
     * @param rng the generation's random generator (drafts, acceptance, residual draws)
     * @param config the speculative settings
     * @param draft the drafting component's index
     * @param greedy whether the target picks the argmax
     * @param draftPipeline processes the draft's distribution as the target's is processed
     */
    SpeculativeBlock(DecodeStep step, SequenceStates states, SequenceOutput out, RandomGenerator rng,
            SpeculativeConfig config, int draft, boolean greedy, SamplingPipeline draftPipeline) {
        this.step = step;
        this.states = states;
        this.out = out;
        this.rng = rng;
        this.config = config;
        this.draft = draft;
        this.greedy = greedy;
        this.draftPipeline = draftPipeline;
        this.q = new float[config.maxDraftLength()][step.vocabSize()];
        this.draftLength = config.initialDraftLength();
        this.acceptance = (draftLength - 1.0) / draftLength;
    }

    /** Runs one block: emits its accepted drafts and one resampled or bonus token into the output. */
    void run() {
        int base = out.length();
        // never more drafts than the output (limit or context) has room for, keeping one for the bonus
        int k = Math.min(draftLength, out.remaining() - 1);
        out.reserve(k + 1);
        states.begin(out.tokens(), base, k);
        if (k > 0) {
            proposeDrafts(base, k);
            states.advanceAll(draft);
        } else {
            states.advanceAll(-1);
        }
        int[] hist = out.tokens();
        int acceptedHere = 0;
        boolean going = true;
        for (int j = 0; j <= k && going; j++) {
            int pos = base + j;
            if (j == k && k > 0) {
                draftRowAfterLastDraft(base, k);
            }
            float[][] rows = states.at(j);
            step.combine(rows, pos);
            step.process(hist, pos, rows, pos);
            if (j == k) {
                int token = step.pick(rng, rows, pos);
                going = step.emit(out, 0, token, k > 0 ? TokenOrigin.BONUS : TokenOrigin.SAMPLED, -1);
                break;
            }
            int d = hist[pos];
            int target = -1;
            boolean accept;
            if (greedy) {
                target = step.pick(rng, rows, pos);
                accept = target == d;
            } else {
                step.check(d, rows, pos);
                accept = rng.nextDouble() < Math.exp((double) step.processed[d] - q[j][d]);
            }
            if (accept) {
                acceptedHere++;
                going = step.emit(out, 0, d, TokenOrigin.ACCEPTED_DRAFT, -1);
            } else {
                int token = greedy ? target : sampleResidual(step.processed, q[j], rows, pos);
                step.emit(out, 0, token, TokenOrigin.RESAMPLED, d);
                break;
            }
        }
        blocks++;
        proposed += k;
        accepted += acceptedHere;
        if (k > 0 && config.adaptive()) {
            acceptance = (1 - ACCEPTANCE_EMA_WEIGHT) * acceptance + ACCEPTANCE_EMA_WEIGHT * acceptedHere / k;
            draftLength = nextDraftLength(acceptance, config.minDraftLength(), config.maxDraftLength());
        }
        if (out.finish() == null) {
            states.rollback(base + acceptedHere);
        }
    }

    /**
     * The adaptive rule of {@link SpeculativeConfig}: expected accepted run {@code a/(1-a)},
     * plus one, clamped.
     */
    static int nextDraftLength(double acceptanceRate, int min, int max) {
        double a = Math.min(acceptanceRate, 0.999);
        long k = Math.round(a / (1 - a)) + 1;
        return (int) Math.max(min, Math.min(max, k));
    }

    /**
     * The draft consumes its pending tokens (one pass), then proposes {@code k} tokens, consuming
     * each but the last (one pass each): {@code k} passes per block, plus one when all are
     * accepted.
     */
    private void proposeDrafts(int base, int k) {
        states.advance(draft);
        int[] hist = out.tokens();
        for (int j = 0; j < k; j++) {
            int pos = base + j;
            int t = step.draft(states.row(draft, j), draft, pos, hist, draftPipeline, rng, q[j]);
            hist[pos] = t;
            if (j + 1 < k) {
                states.appendOne(draft, t, j + 1);
            }
        }
        states.consumed(draft, base + k - 1);
    }

    /**
     * Every draft was accepted: the draft consumes its last draft, whose row the bonus position
     * needs. Deferred to here because a rejection would waste that forward pass.
     */
    private void draftRowAfterLastDraft(int base, int k) {
        states.appendOne(draft, out.tokens()[base + k - 1], k);
        states.consumed(draft, base + k);
    }

    /** Draws from norm(max(0, p - q)); falls back to p if the residual vanished numerically. */
    private int sampleResidual(float[] p, float[] qRow, float[][] rows, int pos) {
        int vocabSize = step.vocabSize();
        double total = 0;
        for (int y = 0; y < vocabSize; y++) {
            double r = Math.exp(p[y]) - Math.exp(qRow[y]);
            qRow[y] = r > 0 ? (float) r : 0f;   // q[j] is not needed after its rejection
            total += qRow[y];
        }
        if (!(total > 0)) {
            return step.pick(rng, rows, pos);
        }
        double u = rng.nextDouble() * total;
        double acc = 0;
        int last = -1;
        for (int y = 0; y < vocabSize; y++) {
            if (qRow[y] > 0) {
                acc += qRow[y];
                last = y;
                if (u < acc) {
                    return y;
                }
            }
        }
        return last;
    }

    /** The statistics so far. */
    SpeculativeStats stats() {
        return new SpeculativeStats(blocks, proposed, accepted);
    }
}
