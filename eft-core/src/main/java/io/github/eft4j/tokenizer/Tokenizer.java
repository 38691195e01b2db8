package io.github.eft4j.tokenizer;

import io.github.eft4j.internal.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.zip.GZIPInputStream;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer in pure Java: no native library, no network.
 *
 * <p>Encoding follows HF's Rust {@code tokenizers} step by step: added tokens are cut out of the
 * text, the rest is normalized, pre-tokenized into words, each word is merged by the BPE model, and
 * the post-processor adds BOS/EOS. Decoding maps ids to token strings and runs the decoder chain.
 * Ids and decoded text are identical to HF's for the supported components (tested on GPT-2,
 * Llama-2, Mistral and a Falcon-style pre-tokenizer; see {@code docs/tokenizer.md}):
 *
 * <ul>
 *   <li>model: BPE (byte fallback, {@code unk_token}, {@code fuse_unk}, {@code ignore_merges},
 *       {@code continuing_subword_prefix}, {@code end_of_word_suffix});
 *   <li>normalizers: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase, Strip;
 *   <li>pre-tokenizers: Sequence, Split, Punctuation, Digits, ByteLevel, Metaspace, Whitespace,
 *       WhitespaceSplit;
 *   <li>post-processors: TemplateProcessing, ByteLevel, Sequence;
 *   <li>decoders: Sequence, ByteFallback, Fuse, Strip, Replace, ByteLevel, Metaspace.
 * </ul>
 *
 * <p>Any other component type fails at load time with an {@link IllegalArgumentException} that
 * names it and lists the supported ones.
 *
 * <p><b>Invalid text.</b> A Java string may hold lone surrogates, which a Rust string cannot: they
 * are replaced with U+FFFD before encoding (what HF's bindings do with invalid input they accept).
 * {@link #encode(byte[])} takes UTF-8 and rejects invalid bytes with an exception naming the
 * offset.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * <pre>{@code
 * Tokenizer tok = Tokenizer.fromFile(Path.of("llama2/tokenizer.json"));
 * int[] ids = tok.encode("Hello world");        // [1, 15043, 3186]
 * String text = tok.decode(ids, true);          // "Hello world"
 * StreamingDetokenizer stream = tok.streamingDecoder(true);
 * for (int id : ids) System.out.print(stream.next(id));
 * System.out.print(stream.finish());
 * }</pre>
 */
public final class Tokenizer {
    private static final System.Logger LOG = System.getLogger(Tokenizer.class.getName());
    private static final List<String> SUPPORTED_MODELS = List.of("BPE");
    /** The largest tokenizer file (after decompression) {@link #fromFile} reads: 256 MiB. */
    static final int MAX_FILE_BYTES = 256 << 20;
    private static final List<String> SUPPORTED_POST = List.of("TemplateProcessing", "ByteLevel", "Sequence");

    private final Bpe model;
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final Decoder decoder;
    private final AddedVocabulary added;
    /** Ids before / after the sequence when special tokens are added. */
    private final int[] templatePrefix;
    private final int[] templateSuffix;
    /** id → added token, or null. */
    private final AddedVocabulary.AddedToken[] addedById;
    private final int vocabSize;
    private final OptionalInt bos;
    private final OptionalInt eos;

    private Tokenizer(Map<String, Object> root) {
        Map<String, Object> m = Cfg.map(root.get("model"), "model");
        String type = m.get("type") == null && m.containsKey("merges") ? "BPE" : Cfg.type(m, "model");
        if (!type.equals("BPE")) {
            throw Cfg.unsupported("model", type, SUPPORTED_MODELS);
        }
        model = new Bpe(m);
        normalizer = Normalizer.fromConfig(root.get("normalizer"));
        preTokenizer = PreTokenizer.fromConfig(root.get("pre_tokenizer"));
        decoder = Decoder.fromConfig(root.get("decoder"));
        List<AddedVocabulary.AddedToken> tokens = new ArrayList<>();
        int maxId = model.maxId();
        if (root.get("added_tokens") != null) {
            // As HF's deserializer: the ids in the file are only checked; each token is re-added,
            // taking the model's id when the model has its content, else the next free id.
            Map<String, Integer> addedIds = new java.util.HashMap<>();
            int maxAdded = -1;
            List<Object> l = Cfg.list(root, "added_tokens", "tokenizer");
            for (int i = 0; i < l.size(); i++) {
                String where = "added_tokens[" + i + "]";
                Map<String, Object> t = Cfg.map(l.get(i), where);
                boolean special = Cfg.bool(t, "special", false, where);
                int fileId = Cfg.toInt(t.get("id"), where + ".id");
                String content = Cfg.str(t, "content", where);
                if (content.isEmpty()) {
                    continue;
                }
                Integer id = addedIds.get(content);
                if (id == null) {
                    id = model.tokenToId(content);
                }
                if (id == null) {
                    id = maxAdded >= model.size() ? maxAdded + 1 : model.size();
                }
                if (id != fileId) {
                    LOG.log(System.Logger.Level.WARNING, "added token \"{0}\" has id {1} in the file but gets id {2}, as in Hugging Face",
                            content, String.valueOf(fileId), String.valueOf(id));
                }
                addedIds.put(content, id);
                maxAdded = Math.max(maxAdded, id);
                tokens.removeIf(old -> old.content().equals(content));
                tokens.add(new AddedVocabulary.AddedToken(id, content,
                        Cfg.bool(t, "single_word", false, where), Cfg.bool(t, "lstrip", false, where),
                        Cfg.bool(t, "rstrip", false, where), Cfg.bool(t, "normalized", !special, where), special));
                maxId = Math.max(maxId, id);
            }
        }
        added = new AddedVocabulary(tokens, normalizer);
        vocabSize = maxId + 1;
        addedById = new AddedVocabulary.AddedToken[vocabSize];
        for (AddedVocabulary.AddedToken t : tokens) {
            addedById[t.id()] = t;
        }
        int[][] tpl = template(root.get("post_processor"));
        for (int[] part : tpl) {
            for (int id : part) { // a template id the vocabulary lacks would be encoded into every prompt
                if (id < 0 || id >= vocabSize) {
                    throw new IllegalArgumentException("post_processor: special token id " + id
                            + " is outside the vocabulary [0, " + vocabSize + ")");
                }
            }
        }
        templatePrefix = tpl[0];
        templateSuffix = tpl[1];
        bos = templatePrefix.length > 0 ? OptionalInt.of(templatePrefix[0]) : special("<s>", "<|begin_of_text|>", "<|endoftext|>");
        eos = templateSuffix.length > 0 ? OptionalInt.of(templateSuffix[templateSuffix.length - 1])
                : special("</s>", "<|end_of_text|>", "<|endoftext|>");
    }

    private OptionalInt special(String... names) {
        for (String n : names) {
            for (AddedVocabulary.AddedToken t : added.tokens()) {
                if (t.special() && t.content().equals(n)) {
                    return OptionalInt.of(t.id());
                }
            }
        }
        return OptionalInt.empty();
    }

    /** {prefix ids, suffix ids} of the single-sequence template. */
    private static int[][] template(Object node) {
        int[][] none = {new int[0], new int[0]};
        if (node == null) {
            return none;
        }
        Map<String, Object> m = Cfg.map(node, "post_processor");
        String type = Cfg.type(m, "post_processor");
        String where = "post_processor " + type;
        switch (type) {
            case "ByteLevel":
                return none; // only moves offsets
            case "Sequence": {
                int[][] acc = none;
                for (Object o : Cfg.list(m, "processors", where)) {
                    int[][] t = template(o);
                    if (t[0].length + t[1].length > 0) {
                        if (acc[0].length + acc[1].length > 0) {
                            throw new IllegalArgumentException(where + ": more than one processor adds special tokens");
                        }
                        acc = t;
                    }
                }
                return acc;
            }
            case "TemplateProcessing": {
                Map<String, Object> specials = m.get("special_tokens") == null ? Map.of()
                        : Cfg.map(m.get("special_tokens"), where + ".special_tokens");
                IntList pre = new IntList(4);
                IntList post = new IntList(4);
                boolean seenSeq = false;
                for (Object o : Cfg.list(m, "single", where)) {
                    Map<String, Object> piece = Cfg.map(o, where + ".single[]");
                    if (piece.containsKey("Sequence")) {
                        if (seenSeq) {
                            throw new IllegalArgumentException(where + ".single: expected one Sequence, found two");
                        }
                        seenSeq = true;
                    } else if (piece.containsKey("SpecialToken")) {
                        Map<String, Object> st = Cfg.map(piece.get("SpecialToken"), where + ".single[].SpecialToken");
                        String id = Cfg.str(st, "id", where + ".single[].SpecialToken");
                        if (!specials.containsKey(id)) {
                            throw new IllegalArgumentException(where + ": special token \"" + id + "\" is missing from special_tokens");
                        }
                        Map<String, Object> sp = Cfg.map(specials.get(id), where + ".special_tokens." + id);
                        for (Object v : Cfg.list(sp, "ids", where + ".special_tokens." + id)) {
                            (seenSeq ? post : pre).add(Cfg.toInt(v, where + ".special_tokens." + id + ".ids[]"));
                        }
                    } else {
                        throw new IllegalArgumentException(where + ".single[]: expected Sequence or SpecialToken, found " + piece.keySet());
                    }
                }
                return new int[][] {pre.toArray(), post.toArray()};
            }
            default:
                throw Cfg.unsupported("post-processor", type, SUPPORTED_POST);
        }
    }

    /**
     * A one-line summary for logs.
     *
     * @return e.g. {@code Tokenizer[BPE, vocab 32000, 3 added tokens, bos 1, eos 2]}
     */
    @Override
    public String toString() {
        return "Tokenizer[BPE, vocab " + vocabSize + ", " + added.tokens().size() + " added tokens, bos "
                + (bos.isPresent() ? bos.getAsInt() : "none") + ", eos " + (eos.isPresent() ? eos.getAsInt() : "none") + "]";
    }

    Bpe model() {
        return model;
    }

    /**
     * Loads a {@code tokenizer.json} file (or a gzip of one, when the name ends in {@code .gz}).
     * At most 256 MiB are read (after decompression); vocabulary ids must be {@code 0} to
     * {@code entries - 1}, each once, so no array is sized by a number in the file.
     *
     * @param path the file
     * @return the tokenizer
     * @throws NoSuchFileException if the file does not exist; the message names the path
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException if it is not valid JSON (the message names the offset),
     *     uses an unsupported component (the message names its type and the supported ones), has a
     *     vocabulary id out of range or twice, or is larger than 256 MiB; the message names the file
     */
    public static Tokenizer fromFile(Path path) throws IOException {
        return fromFile(path, MAX_FILE_BYTES);
    }

    /** {@link #fromFile(Path)} with another size limit (tests). */
    static Tokenizer fromFile(Path path, int maxBytes) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "tokenizer file not found");
        }
        byte[] bytes;
        boolean gz = path.getFileName().toString().endsWith(".gz");
        try (InputStream in = gz ? new GZIPInputStream(Files.newInputStream(path)) : Files.newInputStream(path)) {
            // bounded: a corrupt or hostile file (a gzip bomb) must not exhaust the heap
            bytes = in.readNBytes(maxBytes + 1);
        }
        if (bytes.length > maxBytes) {
            throw new IllegalArgumentException(path + ": " + (gz ? "decompresses to" : "is") + " more than " + maxBytes
                    + " bytes; expected a tokenizer.json of at most " + maxBytes + " bytes (the largest known ones are "
                    + "about 35 MiB)");
        }
        String json = new String(bytes, StandardCharsets.UTF_8);
        if (json.startsWith("\uFEFF")) {
            json = json.substring(1); // a byte order mark some editors write
        }
        try {
            return fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses the text of a {@code tokenizer.json}.
     *
     * @param json the file's content
     * @return the tokenizer
     * @throws IllegalArgumentException if it is not valid JSON (the message names the offset) or
     *     uses an unsupported component (the message names its type and the supported ones)
     */
    public static Tokenizer fromJson(String json) {
        return new Tokenizer(Cfg.map(Json.parse(json), "tokenizer.json"));
    }

    /**
     * Encodes text with {@link EncodeOptions#DEFAULT} (HF's defaults).
     *
     * @param text the text; lone surrogates are replaced with U+FFFD
     * @return the token ids
     */
    public int[] encode(String text) {
        return encode(text, EncodeOptions.DEFAULT);
    }

    /**
     * Encodes UTF-8 bytes with {@link EncodeOptions#DEFAULT}.
     *
     * @param utf8 the text as UTF-8
     * @return the token ids
     * @throws IllegalArgumentException if the bytes are not valid UTF-8; the message names the
     *     offset of the first bad byte
     */
    public int[] encode(byte[] utf8) {
        return encode(Text.decodeStrict(utf8), EncodeOptions.DEFAULT);
    }

    /**
     * Encodes text.
     *
     * @param text the text; lone surrogates are replaced with U+FFFD
     * @param options whether to add and to parse special tokens
     * @return the token ids
     */
    public int[] encode(String text, EncodeOptions options) {
        java.util.Objects.requireNonNull(options, "options");
        String s = Text.replaceLoneSurrogates(java.util.Objects.requireNonNull(text, "text"));
        IntList out = new IntList(s.length() / 3 + 8);
        if (options.addSpecialTokens()) {
            for (int id : templatePrefix) {
                out.add(id);
            }
        }
        boolean parse = options.parseSpecialTokens();
        for (AddedVocabulary.Segment seg : added.splitRaw(s, parse)) {
            if (seg.id() >= 0) {
                out.add(seg.id());
                continue;
            }
            if (seg.end() == seg.start()) {
                continue;
            }
            String piece = s.substring(seg.start(), seg.end());
            String norm = normalizer == null ? piece : normalizer.normalize(piece);
            for (AddedVocabulary.Segment sub : added.splitNormalized(norm, parse)) {
                if (sub.id() >= 0) {
                    out.add(sub.id());
                } else if (sub.end() > sub.start()) {
                    String t = norm.substring(sub.start(), sub.end());
                    boolean first = seg.start() == 0 && sub.start() == 0;
                    if (preTokenizer == null) {
                        model.tokenize(t, out);
                    } else {
                        for (PreTokenizer.Piece w : preTokenizer.apply(List.of(new PreTokenizer.Piece(t, first)))) {
                            model.tokenize(w.text(), out);
                        }
                    }
                }
            }
        }
        if (options.addSpecialTokens()) {
            for (int id : templateSuffix) {
                out.add(id);
            }
        }
        return out.toArray();
    }

    /**
     * Decodes ids to text, keeping special tokens.
     *
     * @param ids token ids; ids outside the vocabulary are skipped, as HF does
     * @return the text
     */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * Decodes ids to text.
     *
     * @param ids token ids; ids outside the vocabulary are skipped, as HF does
     * @param skipSpecialTokens whether special tokens (BOS, EOS, ...) are left out
     * @return the text
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        return decode(ids, 0, ids.length, skipSpecialTokens);
    }

    String decode(int[] ids, int from, int to, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            int id = ids[i];
            String t = idToToken(id);
            if (t == null || skipSpecialTokens && id < addedById.length && addedById[id] != null && addedById[id].special()) {
                continue;
            }
            tokens.add(t);
        }
        if (decoder == null) {
            return String.join(" ", tokens);
        }
        return String.join("", decoder.decodeChain(tokens));
    }

    /**
     * Creates an incremental decoder for generated ids.
     *
     * @param skipSpecialTokens whether special tokens are left out
     * @return a new decoder (one per generated sequence; not thread-safe)
     */
    public StreamingDetokenizer streamingDecoder(boolean skipSpecialTokens) {
        return new StreamingDetokenizer(this, skipSpecialTokens);
    }

    /**
     * The vocabulary size: one more than the largest id of the model or the added tokens.
     *
     * @return the number of ids
     */
    public int vocabSize() {
        return vocabSize;
    }

    /**
     * Looks a token string up.
     *
     * @param token the token as it appears in the vocabulary ({@code "▁Hello"}, {@code "<s>"})
     * @return its id, or empty if there is none
     */
    public OptionalInt tokenToId(String token) {
        for (AddedVocabulary.AddedToken t : added.tokens()) {
            if (t.content().equals(token)) {
                return OptionalInt.of(t.id());
            }
        }
        Integer id = model.tokenToId(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /**
     * The token string of an id.
     *
     * @param id the id
     * @return the token as it appears in the vocabulary, or null if the id has none
     */
    public String idToToken(int id) {
        if (id >= 0 && id < addedById.length && addedById[id] != null) {
            return addedById[id].content();
        }
        return model.idToToken(id);
    }

    /**
     * Compares two vocabularies by token strings (not only sizes), for checking that the models
     * of an up-scaling triple share one tokenizer.
     *
     * @param other the other tokenizer
     * @return the first id whose token differs (or exists in only one of them), or -1 if the
     *     vocabularies are identical
     */
    public int firstDifferentId(Tokenizer other) {
        int n = Math.max(vocabSize, other.vocabSize);
        for (int id = 0; id < n; id++) {
            if (!java.util.Objects.equals(idToToken(id), other.idToToken(id)) || isSpecial(id) != other.isSpecial(id)) {
                return id;
            }
        }
        return -1;
    }

    /**
     * Whether an id is a special added token (BOS, EOS, ...).
     *
     * @param id the id
     * @return true for special tokens
     */
    public boolean isSpecial(int id) {
        return id >= 0 && id < addedById.length && addedById[id] != null && addedById[id].special();
    }

    /**
     * The beginning-of-sequence id: the special token the post-processor puts first, else a
     * special token named {@code <s>}, {@code <|begin_of_text|>} or {@code <|endoftext|>}.
     *
     * @return the id, or empty if unknown
     */
    public OptionalInt bosId() {
        return bos;
    }

    /**
     * The end-of-sequence id: the special token the post-processor puts last, else a special token
     * named {@code </s>}, {@code <|end_of_text|>} or {@code <|endoftext|>}. A model's {@code
     * generation_config.json} may name others.
     *
     * @return the id, or empty if unknown
     */
    public OptionalInt eosId() {
        return eos;
    }

}
