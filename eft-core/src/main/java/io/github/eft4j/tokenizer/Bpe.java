package io.github.eft4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * HF's BPE model: per word, characters (or byte-fallback tokens, or unk) are merged by rank with a
 * priority queue over a linked list of symbols, exactly as {@code tokenizers::models::bpe::Word}.
 * Thread-safe; results per word are cached in a bounded cache.
 */
final class Bpe {
    private static final int CACHE_CAPACITY = 10_000;
    /** As HF: longer words are not cached (without a pre-tokenizer a whole text is one word). */
    private static final int CACHE_MAX_WORD = 256;
    private static final int[] NONE = new int[0];

    private final Map<String, Integer> vocab;
    private final String[] idToToken;
    private final MergeMap merges;
    private final String unkToken;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final String prefix;
    private final String suffix;
    /** Single-BMP-char token ids, -1 if absent; only when there is no prefix/suffix. */
    private final int[] charIds;
    private final int[] byteIds = new int[256];
    /** Adjacent code point pairs found inside tokens; null when chunking is off. */
    private final MergeMap innerPairs;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    Bpe(Map<String, Object> m) {
        String where = "model BPE";
        Map<String, Object> v = Cfg.map(m.get("vocab"), where + ".vocab");
        int n = v.size();
        vocab = new HashMap<>(n * 2);
        // ids are 0 .. n-1, each once: checked before use, so a hostile id cannot size an array
        idToToken = new String[n];
        for (Map.Entry<String, Object> e : v.entrySet()) {
            int id = Cfg.toInt(e.getValue(), where + ".vocab[\"" + e.getKey() + "\"]");
            if (id < 0 || id >= n) {
                throw new IllegalArgumentException(where + ".vocab[\"" + e.getKey() + "\"]: id " + id
                        + " is out of range: expected 0 to " + (n - 1) + " (the vocabulary has " + n + " entries)");
            }
            if (idToToken[id] != null) {
                throw new IllegalArgumentException(where + ".vocab: id " + id + " is given to both \"" + idToToken[id]
                        + "\" and \"" + e.getKey() + "\"; expected each id once");
            }
            idToToken[id] = e.getKey();
            vocab.put(e.getKey(), id);
        }
        unkToken = Cfg.optStr(m, "unk_token", where);
        fuseUnk = Cfg.bool(m, "fuse_unk", false, where);
        byteFallback = Cfg.bool(m, "byte_fallback", false, where);
        ignoreMerges = Cfg.bool(m, "ignore_merges", false, where);
        String p = Cfg.optStr(m, "continuing_subword_prefix", where);
        String s = Cfg.optStr(m, "end_of_word_suffix", where);
        prefix = p == null || p.isEmpty() ? null : p;
        suffix = s == null || s.isEmpty() ? null : s;
        if (m.get("dropout") instanceof Number d && d.doubleValue() > 0 && d.doubleValue() < 1) {
            throw new IllegalArgumentException(where + ".dropout: expected null (BPE dropout is for training), found " + d);
        }
        List<Object> ml = Cfg.list(m, "merges", where);
        merges = new MergeMap(ml.size());
        for (int rank = 0; rank < ml.size(); rank++) {
            Object o = ml.get(rank);
            String a;
            String b;
            if (o instanceof String str) {
                int sp = str.indexOf(' ', 1);
                if (sp < 0 || str.indexOf(' ', sp + 1) >= 0) {
                    throw new IllegalArgumentException(where + ".merges[" + rank + "]: expected \"left right\", found \"" + str + "\"");
                }
                a = str.substring(0, sp);
                b = str.substring(sp + 1);
            } else if (o instanceof List<?> pair && pair.size() == 2 && pair.get(0) instanceof String x && pair.get(1) instanceof String y) {
                a = x;
                b = y;
            } else {
                throw new IllegalArgumentException(where + ".merges[" + rank + "]: expected \"left right\" or [left, right], found " + Cfg.describe(o));
            }
            Integer ia = vocab.get(a);
            Integer ib = vocab.get(b);
            String merged = a + (prefix != null && b.startsWith(prefix) ? b.substring(prefix.length()) : b);
            Integer im = vocab.get(merged);
            if (ia == null || ib == null || im == null) {
                String missing = ia == null ? a : ib == null ? b : merged;
                throw new IllegalArgumentException(where + ".merges[" + rank + "]: token \"" + missing + "\" is not in the vocabulary");
            }
            merges.put(ia, ib, rank, im);
        }
        if (prefix == null && suffix == null) {
            charIds = new int[65536];
            Arrays.fill(charIds, -1);
            for (Map.Entry<String, Integer> e : vocab.entrySet()) {
                if (e.getKey().length() == 1) {
                    charIds[e.getKey().charAt(0)] = e.getValue();
                }
            }
        } else {
            charIds = null;
        }
        Arrays.fill(byteIds, -1);
        for (int i = 0; i < 256; i++) {
            Integer id = vocab.get(String.format("<0x%02X>", i));
            if (id != null) {
                byteIds[i] = id;
            }
        }
        if (charIds != null) {
            // Every pair of adjacent chars inside some token: no merge can ever join two symbols
            // across a position whose pair is not here (the merged token would contain it).
            innerPairs = new MergeMap(vocab.size() * 4);
            for (String t : vocab.keySet()) {
                int prev = -1;
                for (int i = 0; i < t.length(); ) {
                    int c = t.codePointAt(i);
                    if (prev >= 0) {
                        innerPairs.put(prev, c, 0, 0);
                    }
                    prev = c;
                    i += Character.charCount(c);
                }
            }
        } else {
            innerPairs = null;
        }
        if (unkToken != null && !vocab.containsKey(unkToken)) {
            throw new IllegalArgumentException(where + ".unk_token: \"" + unkToken + "\" is not in the vocabulary");
        }
    }

    /** Number of vocabulary entries (HF's {@code get_vocab_size}). */
    int size() {
        return vocab.size();
    }

    int maxId() {
        return idToToken.length - 1;
    }

    Integer tokenToId(String t) {
        return vocab.get(t);
    }

    String idToToken(int id) {
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    /** Appends the ids of one pre-tokenized word. */
    void tokenize(String word, IntList out) {
        if (word.isEmpty()) {
            return;
        }
        if (ignoreMerges) {
            Integer id = vocab.get(word);
            if (id != null) {
                out.add(id);
                return;
            }
        }
        if (word.length() >= CACHE_MAX_WORD && innerPairs != null) {
            tokenizeLong(word, out);
            return;
        }
        tokenizeCached(word, out);
    }

    /**
     * A long word (a whole text, when there is no pre-tokenizer, as for Llama) is cut where no
     * merge can ever cross: between two chars that are each a token and never adjacent inside any
     * token. Each piece then merges on its own, exactly as within the whole word (merges in one
     * piece never touch another), and short pieces hit the cache.
     */
    private void tokenizeLong(String word, IntList out) {
        int start = 0;
        int prev = -1;
        for (int i = 0; i < word.length(); ) {
            int c = word.codePointAt(i);
            if (prev >= 0 && isToken(prev) && isToken(c) && innerPairs.get(prev, c) < 0) {
                tokenizeCached(word.substring(start, i), out);
                start = i;
            }
            prev = c;
            i += Character.charCount(c);
        }
        tokenizeCached(word.substring(start), out);
    }

    /** The whole word merged at once, without cutting or caching (tests compare with it). */
    int[] mergeWhole(String word) {
        return mergeWord(word);
    }

    private boolean isToken(int c) {
        return c < 0x10000 && charIds[c] >= 0;
    }

    private void tokenizeCached(String word, IntList out) {
        int[] ids = cache.get(word);
        if (ids == null) {
            ids = mergeWord(word);
            if (word.length() < CACHE_MAX_WORD && cache.size() < CACHE_CAPACITY) {
                cache.put(word, ids);
            }
        }
        for (int id : ids) {
            out.add(id);
        }
    }

    private int[] mergeWord(String w) {
        int n = w.length();
        int[] sym = new int[n + 4];
        int count = 0;
        int unkId = -1;
        boolean pendingUnk = false;
        int i = 0;
        while (i < n) {
            int cp = w.codePointAt(i);
            int next = i + Character.charCount(cp);
            int id = -1;
            String s = null;
            if (charIds != null) {
                if (cp < 0x10000) {
                    id = charIds[cp];
                } else {
                    Integer v = vocab.get(w.substring(i, next));
                    id = v == null ? -1 : v;
                }
            } else {
                s = w.substring(i, next);
                if (i > 0 && prefix != null) {
                    s = prefix + s;
                }
                if (next == n && suffix != null) {
                    s = s + suffix;
                }
                Integer v = vocab.get(s);
                id = v == null ? -1 : v;
            }
            if (id >= 0) {
                if (pendingUnk) {
                    sym = push(sym, count++, unkId);
                    pendingUnk = false;
                }
                sym = push(sym, count++, id);
                i = next;
                continue;
            }
            if (byteFallback) {
                byte[] bytes = (s != null ? s : w.substring(i, next)).getBytes(StandardCharsets.UTF_8);
                boolean all = true;
                for (byte b : bytes) {
                    all &= byteIds[b & 0xFF] >= 0;
                }
                if (all) {
                    // As HF: a pending unk is not flushed here (it is emitted later).
                    for (byte b : bytes) {
                        sym = push(sym, count++, byteIds[b & 0xFF]);
                    }
                    i = next;
                    continue;
                }
            }
            if (unkToken != null) {
                int u = vocab.get(unkToken);
                if (pendingUnk && !fuseUnk) {
                    sym = push(sym, count++, unkId);
                }
                unkId = u;
                pendingUnk = true;
            }
            i = next;
        }
        if (pendingUnk) {
            sym = push(sym, count++, unkId);
        }
        if (count == 0) {
            return NONE;
        }
        return merges.size() == 0 ? Arrays.copyOf(sym, count) : mergeAll(sym, count);
    }

    private static int[] push(int[] a, int at, int v) {
        if (at == a.length) {
            a = Arrays.copyOf(a, a.length * 2);
        }
        a[at] = v;
        return a;
    }

    /** {@code Word::merge_all}: lowest rank first, then leftmost. */
    private int[] mergeAll(int[] c, int n) {
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] gone = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap q = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            long mg = merges.get(c[i], c[i + 1]);
            if (mg >= 0) {
                q.push(((mg >>> 32) << 32) | i);
            }
        }
        while (q.size() > 0) {
            long top = q.pop();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            if (gone[pos] || next[pos] == -1) {
                continue;
            }
            int right = next[pos];
            long mg = merges.get(c[pos], c[right]);
            if (mg < 0 || (int) (mg >>> 32) != rank) {
                continue; // stale entry
            }
            c[pos] = (int) mg;
            gone[right] = true;
            next[pos] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = pos;
            }
            if (prev[pos] >= 0) {
                long m2 = merges.get(c[prev[pos]], c[pos]);
                if (m2 >= 0) {
                    q.push(((m2 >>> 32) << 32) | prev[pos]);
                }
            }
            if (next[pos] >= 0) {
                long m2 = merges.get(c[pos], c[next[pos]]);
                if (m2 >= 0) {
                    q.push(((m2 >>> 32) << 32) | pos);
                }
            }
        }
        int k = 0;
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            if (!gone[i]) {
                out[k++] = c[i];
            }
        }
        return Arrays.copyOf(out, k);
    }

    /** (left id, right id) → (rank << 32 | merged id), open addressing. */
    static final class MergeMap {
        private final long[] keys;
        private final long[] vals;
        private final int mask;
        private int size;

        MergeMap(int expected) {
            int cap = Integer.highestOneBit(Math.max(4, expected * 2 + 1)) << 1;
            keys = new long[cap];
            vals = new long[cap];
            Arrays.fill(keys, -1L);
            mask = cap - 1;
        }

        int size() {
            return size;
        }

        private static int hash(long k) {
            k *= 0x9E3779B97F4A7C15L;
            return (int) (k ^ (k >>> 29));
        }

        void put(int a, int b, int rank, int merged) {
            long k = ((long) a << 32) | (b & 0xFFFFFFFFL);
            int i = hash(k) & mask;
            while (keys[i] != -1L && keys[i] != k) {
                i = (i + 1) & mask;
            }
            if (keys[i] == -1L) {
                size++;
            }
            keys[i] = k;
            vals[i] = ((long) rank << 32) | (merged & 0xFFFFFFFFL);
        }

        /** The packed (rank, merged id), or -1. */
        long get(int a, int b) {
            long k = ((long) a << 32) | (b & 0xFFFFFFFFL);
            int i = hash(k) & mask;
            while (true) {
                long kk = keys[i];
                if (kk == k) {
                    return vals[i];
                }
                if (kk == -1L) {
                    return -1L;
                }
                i = (i + 1) & mask;
            }
        }
    }

    /** Min-heap of longs. */
    static final class LongHeap {
        private long[] h;
        private int n;

        LongHeap(int cap) {
            h = new long[Math.max(4, cap)];
        }

        int size() {
            return n;
        }

        void push(long v) {
            if (n == h.length) {
                h = Arrays.copyOf(h, n * 2);
            }
            int i = n++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (h[p] <= v) {
                    break;
                }
                h[i] = h[p];
                i = p;
            }
            h[i] = v;
        }

        long pop() {
            long top = h[0];
            long last = h[--n];
            int i = 0;
            while (true) {
                int l = 2 * i + 1;
                if (l >= n) {
                    break;
                }
                int r = l + 1;
                int c = r < n && h[r] < h[l] ? r : l;
                if (h[c] >= last) {
                    break;
                }
                h[i] = h[c];
                i = c;
            }
            if (n > 0) {
                h[i] = last;
            }
            return top;
        }
    }
}
