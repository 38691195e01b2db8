package io.github.eft4j.tokenizer;

import java.util.Arrays;

/**
 * Incremental decoding of generated ids: feed ids one at a time, get text deltas whose
 * concatenation (with {@link #finish()}) equals {@link Tokenizer#decode(int[], boolean)} of all
 * the ids.
 *
 * <p>It never emits half a character: text that ends in U+FFFD (an incomplete UTF-8 sequence from
 * byte-level or byte-fallback tokens) is held back until more ids complete it, or until {@link
 * #finish()}. As HF's {@code DecodeStream}, it decodes a short window of recent ids rather than the
 * whole history, so a step costs O(window), not O(length); the window is the ids since the last
 * emitted text plus one id of context (decoders such as Metaspace and Strip treat the first token
 * differently). If a window's decoding ever disagrees with what was already emitted, it falls back
 * to decoding the whole history for that step, so the concatenation is always the full decode.
 *
 * <p>Not thread-safe: one instance per generated sequence.
 *
 * <pre>{@code
 * StreamingDetokenizer stream = tokenizer.streamingDecoder(true);
 * for (int id : generated) out.print(stream.next(id));
 * out.print(stream.finish());
 * }</pre>
 */
public final class StreamingDetokenizer {
    private final Tokenizer tokenizer;
    private final boolean skipSpecial;
    private int[] ids = new int[64];
    private int n;
    /** Start of the window in {@link #ids}. */
    private int windowStart;
    /** Decoding of ids[windowStart, prefixEnd). */
    private String prefix = "";
    private int prefixEnd;
    /** Everything emitted so far, to fall back to a full decode. */
    private final StringBuilder emitted = new StringBuilder();

    StreamingDetokenizer(Tokenizer tokenizer, boolean skipSpecial) {
        this.tokenizer = tokenizer;
        this.skipSpecial = skipSpecial;
    }

    /**
     * Adds one id.
     *
     * @param id the next generated id
     * @return the new text, possibly empty (never null)
     */
    public String next(int id) {
        if (n == ids.length) {
            ids = Arrays.copyOf(ids, n * 2);
        }
        ids[n++] = id;
        String s = tokenizer.decode(ids, windowStart, n, skipSpecial);
        if (s.length() <= prefix.length() || s.endsWith("\uFFFD")) {
            return "";
        }
        String delta;
        if (s.startsWith(prefix)) {
            delta = s.substring(prefix.length());
        } else {
            String full = tokenizer.decode(ids, 0, n, skipSpecial);
            if (!full.startsWith(emitted.toString())) {
                // Cannot happen with the supported decoders; keep the output consistent anyway.
                return "";
            }
            delta = full.substring(emitted.length());
        }
        emitted.append(delta);
        // The next window starts at the first id not yet covered by an emitted prefix window.
        windowStart = prefixEnd;
        prefixEnd = n;
        prefix = tokenizer.decode(ids, windowStart, n, skipSpecial);
        return delta;
    }

    /**
     * Ends the stream, emitting any text held back (an incomplete character becomes U+FFFD, as in
     * {@link Tokenizer#decode(int[], boolean)}).
     *
     * @return the remaining text, possibly empty
     */
    public String finish() {
        String full = tokenizer.decode(ids, 0, n, skipSpecial);
        String rest = full.startsWith(emitted.toString()) ? full.substring(emitted.length()) : "";
        emitted.append(rest);
        windowStart = n;
        prefixEnd = n;
        prefix = "";
        return rest;
    }

    /**
     * The ids fed so far.
     *
     * @return a copy of them
     */
    public int[] ids() {
        return Arrays.copyOf(ids, n);
    }
}
