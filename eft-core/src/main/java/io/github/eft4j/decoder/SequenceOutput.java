package io.github.eft4j.decoder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The growing continuation of one sequence, its stop rules and its trace. {@code tokens} also
 * holds speculative drafts beyond {@link #length()} while a block is verified, so the
 * repetition penalty sees them as history.
 */
final class SequenceOutput {
    private final int limit;                 // min(maxNewTokens, the room the sources' contexts leave)
    private final FinishReason limitReason;  // LENGTH, or POSITION_LIMIT when the context is the limit
    private final boolean[] stopToken;       // (vocab): true for stop ids
    private final List<String> stopSequences;
    private final Detokenizer detokenizer;
    private final List<TokenTrace> trace;    // null when tracing is off
    private int[] tokens;                    // [0, n) emitted, then drafts
    private int n;
    private FinishReason finish;

    /**
     * @param config the stop rules and tracing
     * @param vocabSize the shared vocabulary; every stop token id must be below it
     * @param headroom slots beyond the limit for drafts
     * @param room the most tokens the sources' contexts leave (see {@link EFTDecoder})
     */
    SequenceOutput(GenerationConfig config, int vocabSize, int headroom, int room) {
        int max = config.maxNewTokens();
        this.limit = Math.min(max, room);
        this.limitReason = room < max ? FinishReason.POSITION_LIMIT : FinishReason.LENGTH;
        this.stopToken = new boolean[vocabSize];
        for (int t : config.stopTokens()) {
            stopToken[t] = true;
        }
        this.stopSequences = config.stopSequences();
        this.detokenizer = config.detokenizer();
        this.trace = config.trace() ? new ArrayList<>() : null;
        // Grown by doubling past this; the allocation-free hot loop holds for up to 4096 tokens.
        this.tokens = new int[Math.min(limit, 4096) + headroom + 1];
        if (limit == 0) {
            finish = limitReason;
        }
    }

    /** Makes room for {@code extra} tokens (drafts) after the emitted ones. */
    void reserve(int extra) {
        if (n + extra >= tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.max(tokens.length * 2, n + extra + 1));
        }
    }

    int[] tokens() {
        return tokens;
    }

    int length() {
        return n;
    }

    /** Tokens that may still be emitted. */
    int remaining() {
        return limit - n;
    }

    boolean tracing() {
        return trace != null;
    }

    FinishReason finish() {
        return finish;
    }

    /** Ends an unfinished sequence as cancelled (a close or a failure), keeping every token. */
    void cancel() {
        if (finish == null) {
            finish = FinishReason.CANCELLED;
        }
    }

    /** Ends the sequence for a stop request, keeping its first {@code keep} tokens (the delivered ones). */
    void stop(FinishReason reason, int keep) {
        if (keep < n) {
            n = keep;
            if (trace != null) {
                trace.subList(keep, trace.size()).clear();
            }
        }
        finish = reason;
    }

    /**
     * Appends a token and applies the stop rules.
     *
     * @return true if the sequence may continue
     */
    boolean emit(int token, TokenTrace entry) {
        reserve(1);
        tokens[n++] = token;
        if (entry != null) {
            trace.add(entry);
        }
        if (stopToken[token]) {
            finish = FinishReason.STOP_TOKEN;
        } else if (!stopSequences.isEmpty() && containsStopSequence()) {
            finish = FinishReason.STOP_SEQUENCE;
        } else if (n >= limit) {
            finish = limitReason;
        }
        return finish == null;
    }

    private boolean containsStopSequence() {
        // Decodes the whole continuation: byte-level tokens may only form characters together.
        String text = detokenizer.decode(Arrays.copyOf(tokens, n));
        for (String s : stopSequences) {
            if (text.contains(s)) {
                return true;
            }
        }
        return false;
    }

    GenerationResult result(long seed, Map<String, Long> passes, SpeculativeStats stats) {
        return new GenerationResult(Arrays.copyOf(tokens, n), finish, seed, trace, passes, stats);
    }
}
