package io.github.eft4j.decoder;

/**
 * What speculative decoding did in one generation.
 *
 * @param blocks verification blocks run (each ends with a resampled or a bonus token; a block
 *     with zero drafts, at the very end of a generation, counts too)
 * @param draftsProposed draft tokens proposed
 * @param draftsAccepted draft tokens accepted
 */
public record SpeculativeStats(long blocks, long draftsProposed, long draftsAccepted) {

    /** Validates the counts. */
    public SpeculativeStats {
        if (blocks < 0 || draftsProposed < 0 || draftsAccepted < 0 || draftsAccepted > draftsProposed) {
            throw new IllegalArgumentException("expected 0 <= accepted <= proposed and blocks >= 0, got blocks " + blocks
                    + ", proposed " + draftsProposed + ", accepted " + draftsAccepted);
        }
    }

    /**
     * Returns the fraction of proposed drafts that were accepted.
     *
     * @return accepted / proposed, or 0 if none were proposed
     */
    public double acceptanceRate() {
        return draftsProposed == 0 ? 0 : (double) draftsAccepted / draftsProposed;
    }

    /**
     * Returns the mean number of accepted drafts per block.
     *
     * @return accepted / blocks, or 0 without blocks
     */
    public double meanAcceptedLength() {
        return blocks == 0 ? 0 : (double) draftsAccepted / blocks;
    }

    /**
     * Returns the mean number of tokens a block produced: its accepted drafts plus the
     * resampled or bonus token (the paper's "tokens per target forward pass").
     *
     * @return (accepted + blocks) / blocks, or 0 without blocks
     */
    public double tokensPerBlock() {
        return blocks == 0 ? 0 : (double) (draftsAccepted + blocks) / blocks;
    }
}
