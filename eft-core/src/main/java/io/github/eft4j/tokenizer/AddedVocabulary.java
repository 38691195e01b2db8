package io.github.eft4j.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * HF's {@code AddedVocabulary}: added tokens are cut out of the text before anything else sees it,
 * so they are never split. Tokens with {@code normalized: false} are matched in the raw text;
 * those with {@code normalized: true} are matched, in their normalized form, in the normalized
 * text. Matching is leftmost-longest and non-overlapping (HF's Aho-Corasick), then {@code
 * single_word}, {@code lstrip} and {@code rstrip} are applied as HF's {@code find_matches} does.
 */
final class AddedVocabulary {
    /** One entry of {@code added_tokens}. */
    record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip,
            boolean normalized, boolean special) {
    }

    /** A segment of text: an added token ({@code id >= 0}) or plain text ({@code id == -1}). */
    record Segment(int start, int end, int id) {
    }

    private final List<AddedToken> tokens;
    private final Trie raw;
    private final Trie norm;

    AddedVocabulary(List<AddedToken> tokens, Normalizer normalizer) {
        this.tokens = List.copyOf(tokens);
        List<String> rawContent = new ArrayList<>();
        List<AddedToken> rawTokens = new ArrayList<>();
        List<String> normContent = new ArrayList<>();
        List<AddedToken> normTokens = new ArrayList<>();
        for (AddedToken t : tokens) {
            if (t.content().isEmpty()) {
                continue;
            }
            if (t.normalized()) {
                normContent.add(normalizer == null ? t.content() : normalizer.normalize(t.content()));
                normTokens.add(t);
            } else {
                rawContent.add(t.content());
                rawTokens.add(t);
            }
        }
        raw = rawTokens.isEmpty() ? null : new Trie(rawContent, rawTokens);
        norm = normTokens.isEmpty() ? null : new Trie(normContent, normTokens);
    }

    List<AddedToken> tokens() {
        return tokens;
    }

    List<Segment> splitRaw(String s, boolean parseSpecial) {
        return find(s, raw, parseSpecial);
    }

    List<Segment> splitNormalized(String s, boolean parseSpecial) {
        return find(s, norm, parseSpecial);
    }

    private static List<Segment> find(String s, Trie trie, boolean parseSpecial) {
        if (trie == null || s.isEmpty()) {
            return List.of(new Segment(0, s.length(), -1));
        }
        List<Segment> out = new ArrayList<>();
        int offset = 0;
        int i = 0;
        while (i < s.length()) {
            int k = trie.longestAt(s, i);
            if (k < 0) {
                i++;
                continue;
            }
            AddedToken t = trie.tokens.get(k);
            int start = i;
            int stop = i + trie.contents.get(k).length();
            i = stop; // the automaton resumes after the match, whatever is decided below
            if (!parseSpecial && t.special()) {
                continue;
            }
            if (t.singleWord()) {
                boolean startSpace = start == 0 || !isWordChar(s.codePointBefore(start));
                boolean stopSpace = stop == s.length() || !isWordChar(s.codePointAt(stop));
                if (!startSpace || !stopSpace) {
                    continue;
                }
            }
            if (t.lstrip()) {
                int ns = start;
                while (ns > 0 && Text.isWhitespace(s.codePointBefore(ns))) {
                    ns -= Character.charCount(s.codePointBefore(ns));
                }
                start = Math.max(ns, offset);
            }
            if (t.rstrip()) {
                while (stop < s.length() && Text.isWhitespace(s.codePointAt(stop))) {
                    stop += Character.charCount(s.codePointAt(stop));
                }
            }
            if (offset < start) {
                out.add(new Segment(offset, start, -1));
            }
            out.add(new Segment(start, stop, t.id()));
            offset = stop;
        }
        if (offset != s.length()) {
            out.add(new Segment(offset, s.length(), -1));
        }
        return out;
    }

    private static boolean isWordChar(int c) {
        return Text.isAlphanumeric(c) || c == '_';
    }

    /** Candidates indexed by first char, longest first. */
    private static final class Trie {
        final List<String> contents;
        final List<AddedToken> tokens;
        final Map<Character, int[]> byFirst = new HashMap<>();

        Trie(List<String> contents, List<AddedToken> tokens) {
            this.contents = contents;
            this.tokens = tokens;
            Map<Character, List<Integer>> m = new HashMap<>();
            for (int i = 0; i < contents.size(); i++) {
                if (!contents.get(i).isEmpty()) {
                    m.computeIfAbsent(contents.get(i).charAt(0), c -> new ArrayList<>()).add(i);
                }
            }
            for (Map.Entry<Character, List<Integer>> e : m.entrySet()) {
                // Longest first; among equal contents the first listed wins.
                e.getValue().sort(Comparator.comparingInt((Integer i) -> -contents.get(i).length()));
                byFirst.put(e.getKey(), e.getValue().stream().mapToInt(Integer::intValue).toArray());
            }
        }

        int longestAt(String s, int i) {
            int[] cand = byFirst.get(s.charAt(i));
            if (cand == null) {
                return -1;
            }
            for (int k : cand) {
                if (s.startsWith(contents.get(k), i)) {
                    return k;
                }
            }
            return -1;
        }
    }
}
