package io.github.eft4j.decoder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The growing continuation of one sequence, its stop rules and its trace. {@code tokens} also
 * holds speculative drafts beyond {@link #length()} while a block is verified, so the
 * repetition penalty sees them as history.
 */
final class SequenceOutput {
    private final int maxNewTokens;
    private final boolean[] stopToken;       // (vocab): true for stop ids
    private final List<String> stopSequences;
    private final Detokenizer detokenizer;
    private final List<TokenTrace> trace;    // null when tracing is off
    private int[] tokens;                    // [0, n) emitted, then drafts
    private int n;
    private FinishReason finish;

    SequenceOutput(GenerationConfig config, int vocabSize, int headroom) {
        this.maxNewTokens = config.maxNewTokens();
        this.stopToken = new boolean[vocabSize];
        for (int t : config.stopTokens()) {
            if (t < vocabSize) {
                stopToken[t] = true;
            }
        }
        this.stopSequences = config.stopSequences();
        this.detokenizer = config.detokenizer();
        this.trace = config.trace() ? new ArrayList<>() : null;
        // Grown by doubling past this; the allocation-free hot loop holds for up to 4096 tokens.
        this.tokens = new int[Math.min(maxNewTokens, 4096) + headroom + 1];
        if (maxNewTokens == 0) {
            finish = FinishReason.LENGTH;
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

    int remaining() {
        return maxNewTokens - n;
    }

    boolean tracing() {
        return trace != null;
    }

    FinishReason finish() {
        return finish;
    }

    void cancel() {
        if (finish == null) {
            finish = FinishReason.CANCELLED;
        }
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
        if (token < stopToken.length && stopToken[token]) {
            finish = FinishReason.STOP_TOKEN;
        } else if (!stopSequences.isEmpty() && containsStopSequence()) {
            finish = FinishReason.STOP_SEQUENCE;
        } else if (n >= maxNewTokens) {
            finish = FinishReason.LENGTH;
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

    GenerationResult result(long seed, java.util.Map<String, Long> passes, SpeculativeStats stats) {
        return new GenerationResult(Arrays.copyOf(tokens, n), finish, seed, trace, passes, stats);
    }
}
