package io.github.eft4j.tokenizer;

import io.github.eft4j.internal.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/** Loads the committed test tokenizers (see tools/tokenizer-goldens) once per JVM. */
final class TestTokenizers {
    /** The real files, the Falcon-style overlay, and every entry of variants.json. */
    static final List<String> NAMES = names();
    private static final Map<String, Tokenizer> CACHE = new ConcurrentHashMap<>();

    private TestTokenizers() {
    }

    static String resource(String name) {
        try (InputStream raw = TestTokenizers.class.getResourceAsStream("/tokenizer/" + name)) {
            if (raw == null) {
                throw new IllegalStateException("missing test resource /tokenizer/" + name);
            }
            InputStream in = name.endsWith(".gz") ? new GZIPInputStream(raw) : raw;
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Tokenizer get(String name) {
        return CACHE.computeIfAbsent(name, n -> Tokenizer.fromJson(json(n)));
    }

    /** The tokenizer.json text; "falcon" is GPT-2's file with the committed overlay applied. */
    @SuppressWarnings("unchecked")
    private static List<String> names() {
        List<String> names = new ArrayList<>(List.of("gpt2", "mistral", "llama2", "falcon", "tinyaffix"));
        for (Object o : (List<Object>) Json.parse(resource("variants.json"))) {
            names.add((String) ((Map<String, Object>) o).get("name"));
        }
        return List.copyOf(names);
    }

    /**
     * Applies a variant as make-goldens.mjs does: top-level keys of "set" replaced, "model" keys
     * merged, "added_tokens" appended with ids after the largest id so far.
     */
    @SuppressWarnings("unchecked")
    private static String variant(String name) {
        for (Object o : (List<Object>) Json.parse(resource("variants.json"))) {
            Map<String, Object> v = (Map<String, Object>) o;
            if (!v.get("name").equals(name)) {
                continue;
            }
            Map<String, Object> base = new LinkedHashMap<>((Map<String, Object>) Json.parse(json((String) v.get("base"))));
            if (v.get("set") != null) {
                base.putAll((Map<String, Object>) v.get("set"));
            }
            Map<String, Object> model = new LinkedHashMap<>((Map<String, Object>) base.get("model"));
            if (v.get("model") != null) {
                model.putAll((Map<String, Object>) v.get("model"));
            }
            base.put("model", model);
            List<Object> added = new ArrayList<>((List<Object>) base.get("added_tokens"));
            long next = 0;
            for (Object id : ((Map<String, Object>) model.get("vocab")).values()) {
                next = Math.max(next, (Long) id + 1);
            }
            for (Object t : added) {
                next = Math.max(next, (Long) ((Map<String, Object>) t).get("id") + 1);
            }
            if (v.get("added_tokens") != null) {
                for (Object t : (List<Object>) v.get("added_tokens")) {
                    Map<String, Object> tok = new LinkedHashMap<>();
                    tok.put("id", next++);
                    tok.putAll((Map<String, Object>) t);
                    added.add(tok);
                }
            }
            base.put("added_tokens", added);
            return Json.write(base);
        }
        throw new IllegalArgumentException("no variant " + name);
    }

    @SuppressWarnings("unchecked")
    static String json(String name) {
        if (!name.equals("falcon")) {
            return name.contains("-") ? variant(name) : resource(name + ".json.gz");
        }
        Map<String, Object> base = new LinkedHashMap<>((Map<String, Object>) Json.parse(resource("gpt2.json.gz")));
        Map<String, Object> overlay = (Map<String, Object>) Json.parse(resource("falcon-synthetic.overlay.json"));
        for (String k : List.of("normalizer", "pre_tokenizer", "post_processor", "decoder")) {
            base.put(k, overlay.get(k));
        }
        List<Object> added = new ArrayList<>((List<Object>) base.get("added_tokens"));
        added.addAll((List<Object>) overlay.get("added_tokens"));
        base.put("added_tokens", added);
        Map<String, Object> model = new LinkedHashMap<>((Map<String, Object>) base.get("model"));
        Map<String, Object> vocab = new LinkedHashMap<>((Map<String, Object>) model.get("vocab"));
        for (Object o : (List<Object>) overlay.get("added_tokens")) {
            Map<String, Object> t = (Map<String, Object>) o;
            vocab.put((String) t.get("content"), t.get("id"));
        }
        model.put("vocab", vocab);
        base.put("model", model);
        return Json.write(base);
    }

    /** One line of goldens.jsonl.gz. */
    record Golden(String tokenizer, String text, int[] ids, int[] idsPlain, String decoded, String decodedSkip, String ref) {
        @Override
        public String toString() {
            return tokenizer + " " + Json.write(text) + " (" + ref + ")";
        }
    }

    @SuppressWarnings("unchecked")
    static List<Golden> goldens() {
        List<Golden> out = new ArrayList<>();
        for (String line : resource("goldens.jsonl.gz").split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> m = (Map<String, Object>) Json.parse(line);
            out.add(new Golden((String) m.get("tokenizer"), (String) m.get("text"), ints(m.get("ids")),
                    ints(m.get("ids_plain")), (String) m.get("decoded"), (String) m.get("decoded_skip"), (String) m.get("ref")));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static int[] ints(Object o) {
        List<Object> l = (List<Object>) o;
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = ((Long) l.get(i)).intValue();
        }
        return a;
    }
}
