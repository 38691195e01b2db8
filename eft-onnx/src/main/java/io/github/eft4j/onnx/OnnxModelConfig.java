package io.github.eft4j.onnx;

import io.github.eft4j.model.EFTException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The fields of a Hugging Face {@code config.json} that decoding uses, read with a real JSON
 * parser and range-checked. This type owns config reading: {@link ModelFolder} reads the file once
 * and hands the result to its {@link OnnxLogitSource}.
 *
 * <p>Keys are read at the top level. A multimodal config keeps its language model's keys in
 * {@code text_config}; those are read only when asked ({@link #read(Path, boolean)}). Accepted
 * spellings: {@code num_attention_heads}/{@code n_head}, {@code num_hidden_layers}/{@code n_layer},
 * {@code hidden_size}/{@code n_embd}, {@code max_position_embeddings}/{@code n_positions}; KV heads
 * from {@code num_key_value_heads} (Llama, Mistral), and for {@code model_type: falcon}
 * {@code new_decoder_architecture} with {@code num_kv_heads}/{@code n_head_kv} (Falcon-40B/180B),
 * else {@code multi_query} (default true: one KV head, Falcon-7B); otherwise as many as attention
 * heads. The graph is the authority on
 * KV heads and head size; the source logs where config and graph differ.
 *
 * <p>Every integer must be a JSON integer that fits its range ({@code 2e3} and {@code 1000.5} are
 * rejected); every failure is an {@link IllegalArgumentException} naming the file, key, value and
 * the range expected.
 *
 * @param source the file this was read from, for messages ("" when parsed from text)
 * @param modelType {@code model_type}
 * @param vocabSize {@code vocab_size}
 * @param maxPositions {@code max_position_embeddings} (or {@code n_positions})
 * @param hiddenSize {@code hidden_size} (or {@code n_embd})
 * @param numHeads {@code num_attention_heads} (or {@code n_head})
 * @param numKvHeads KV heads as the keys above say
 * @param numLayers {@code num_hidden_layers} (or {@code n_layer})
 * @param headDim {@code head_dim}, else hidden size / heads when that divides
 * @param bosTokenId {@code bos_token_id}
 * @param eosTokenIds {@code eos_token_id}, a number or a list
 * @param padTokenId {@code pad_token_id}
 * @param ropeScaling the {@code rope_scaling} block (Llama 3: {@code rope_type llama3}, factor, ...)
 * @param fields the whole object the fields were read from, for {@link ModelFolder#configString}
 */
public record OnnxModelConfig(String source, Optional<String> modelType, OptionalInt vocabSize,
        OptionalInt maxPositions, OptionalInt hiddenSize, OptionalInt numHeads, OptionalInt numKvHeads,
        OptionalInt numLayers, OptionalInt headDim, OptionalInt bosTokenId, List<Integer> eosTokenIds,
        OptionalInt padTokenId, Optional<RopeScaling> ropeScaling, Map<String, Object> fields) {

    private static final long INT_MAX = Integer.MAX_VALUE;

    /** A config with no fields. */
    public static final OnnxModelConfig EMPTY = new OnnxModelConfig("", Optional.empty(), OptionalInt.empty(),
            OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(),
            OptionalInt.empty(), OptionalInt.empty(), List.of(), OptionalInt.empty(), Optional.empty(), Map.of());

    /**
     * The {@code rope_scaling} block. The graph implements the scaling; it is read to be checked
     * and reported.
     *
     * @param type {@code rope_type} (or the older {@code type}), e.g. {@code llama3}, {@code linear}
     * @param factor {@code factor}, finite and positive
     * @param originalMaxPositions {@code original_max_position_embeddings}
     */
    public record RopeScaling(String type, double factor, OptionalInt originalMaxPositions) {
        /**
         * Validates the factor.
         *
         * @throws IllegalArgumentException if it is not finite and positive
         */
        public RopeScaling {
            if (!(factor > 0) || !Double.isFinite(factor)) {
                throw new IllegalArgumentException("rope_scaling.factor: expected a finite number > 0, got " + factor);
            }
        }
    }

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException if a size is not positive or an id negative
     */
    public OnnxModelConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        fields = Map.copyOf(fields.entrySet().stream().filter(e -> e.getValue() != null)
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        positive(vocabSize, "vocab_size");
        positive(maxPositions, "max_position_embeddings");
        positive(hiddenSize, "hidden_size");
        positive(numHeads, "num_attention_heads");
        positive(numKvHeads, "num_key_value_heads");
        positive(numLayers, "num_hidden_layers");
        positive(headDim, "head_dim");
        for (int id : eosTokenIds) {
            if (id < 0) {
                throw new IllegalArgumentException("eos_token_id: expected ids >= 0, got " + id);
            }
        }
        if (bosTokenId.isPresent() && bosTokenId.getAsInt() < 0 || padTokenId.isPresent() && padTokenId.getAsInt() < 0) {
            throw new IllegalArgumentException("bos/pad token id: expected >= 0, got " + bosTokenId + " / " + padTokenId);
        }
    }

    private static void positive(OptionalInt v, String key) {
        if (v.isPresent() && v.getAsInt() <= 0) {
            throw new IllegalArgumentException(key + ": expected > 0, got " + v.getAsInt());
        }
    }

    /**
     * Returns the first end-of-sequence id.
     *
     * @return the first of {@link #eosTokenIds()}, if any
     */
    public OptionalInt eosTokenId() {
        return eosTokenIds.isEmpty() ? OptionalInt.empty() : OptionalInt.of(eosTokenIds.get(0));
    }

    /**
     * Reads {@code config.json} from a directory if there is one.
     *
     * @param dir the model directory
     * @return the config, or {@link #EMPTY} if there is no {@code config.json}
     * @throws IllegalArgumentException if the file is not valid JSON or a field is out of range
     * @throws EFTException if the file exists but cannot be read
     */
    public static OnnxModelConfig readBeside(Path dir) {
        Path f = dir.resolve("config.json");
        return Files.isRegularFile(f) ? read(f, false) : EMPTY;
    }

    /**
     * Reads a {@code config.json}.
     *
     * @param file the file
     * @param textConfig read the keys of the {@code text_config} object (multimodal models)
     *     instead of the top level
     * @return the config
     * @throws IllegalArgumentException if the file is not valid JSON, a field is out of range, or
     *     {@code textConfig} is asked and there is no {@code text_config} object
     * @throws EFTException if the file cannot be read
     */
    public static OnnxModelConfig read(Path file, boolean textConfig) {
        return of(JsonFields.read(file), textConfig);
    }

    /**
     * Parses the text of a {@code config.json} (top-level keys).
     *
     * @param json the file contents
     * @return the config
     * @throws IllegalArgumentException if it is not valid JSON or a field is out of range
     */
    public static OnnxModelConfig parse(String json) {
        return of(JsonFields.parse("config.json", json), false);
    }

    private static OnnxModelConfig of(JsonFields top, boolean textConfig) {
        JsonFields f = top;
        if (textConfig) {
            f = top.object("text_config").orElseThrow(() -> new IllegalArgumentException(top.file()
                    + ": text_config was asked for but the file has no \"text_config\" object"));
        }
        Optional<String> type = f.string("model_type");
        OptionalInt heads = f.integer(List.of("num_attention_heads", "n_head"), 1, INT_MAX);
        OptionalInt hidden = f.integer(List.of("hidden_size", "n_embd", "n_embed"), 1, INT_MAX);
        OptionalInt headDim = f.integer("head_dim", 1, INT_MAX);
        if (headDim.isEmpty() && hidden.isPresent() && heads.isPresent() && hidden.getAsInt() % heads.getAsInt() == 0) {
            headDim = OptionalInt.of(hidden.getAsInt() / heads.getAsInt());
        }
        Optional<RopeScaling> rope = Optional.empty();
        Optional<JsonFields> rs = f.object("rope_scaling");
        if (rs.isPresent()) {
            JsonFields r = rs.get();
            String kind = r.string("rope_type").or(() -> r.string("type")).orElse("");
            double factor = r.number("factor", 0, Double.MAX_VALUE, true).orElse(1.0);
            r.number("low_freq_factor", 0, Double.MAX_VALUE, true);
            r.number("high_freq_factor", 0, Double.MAX_VALUE, true);
            rope = Optional.of(new RopeScaling(kind, factor,
                    r.integer("original_max_position_embeddings", 1, INT_MAX)));
        }
        f.number("rope_theta", 0, Double.MAX_VALUE, true);
        return new OnnxModelConfig(top.file(), type, f.integer("vocab_size", 1, INT_MAX),
                f.integer(List.of("max_position_embeddings", "n_positions"), 1, INT_MAX), hidden, heads,
                kvHeads(f, type, heads), f.integer(List.of("num_hidden_layers", "n_layer"), 1, INT_MAX), headDim,
                f.integer("bos_token_id", 0, INT_MAX), f.integers("eos_token_id", 0, INT_MAX),
                f.integer("pad_token_id", 0, INT_MAX), rope, f.map());
    }

    private static OptionalInt kvHeads(JsonFields f, Optional<String> type, OptionalInt heads) {
        OptionalInt kv = f.integer("num_key_value_heads", 1, INT_MAX);
        if (kv.isPresent()) {
            return kv;
        }
        if (type.filter(t -> t.equals("falcon") || t.startsWith("RefinedWeb")).isPresent()) {
            if (f.bool("new_decoder_architecture").orElse(false)) {
                OptionalInt n = f.integer(List.of("num_kv_heads", "n_head_kv"), 1, INT_MAX);
                return n.isPresent() ? n : heads;
            }
            return f.bool("multi_query").orElse(true) ? OptionalInt.of(1) : heads;
        }
        OptionalInt n = f.integer(List.of("num_kv_heads", "n_head_kv"), 1, INT_MAX);
        return n.isPresent() ? n : heads; // HF's default: one KV head per attention head
    }
}
