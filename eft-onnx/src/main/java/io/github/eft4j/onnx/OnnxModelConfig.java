package io.github.eft4j.onnx;

import io.github.eft4j.model.EFTException;

import io.github.eft4j.model.EFTException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The few fields of a Hugging Face {@code config.json} that decoding needs. Every field is
 * optional; a missing file gives {@link #EMPTY}.
 *
 * @param bosTokenId {@code bos_token_id}
 * @param eosTokenId {@code eos_token_id} (the first one when the file lists several)
 * @param vocabSize {@code vocab_size}
 * @param maxPositions {@code max_position_embeddings} (or {@code n_positions})
 */
public record OnnxModelConfig(OptionalInt bosTokenId, OptionalInt eosTokenId, OptionalInt vocabSize,
        OptionalInt maxPositions) {

    /** A config with no fields. */
    public static final OnnxModelConfig EMPTY = new OnnxModelConfig(OptionalInt.empty(), OptionalInt.empty(),
            OptionalInt.empty(), OptionalInt.empty());

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException if a size is not positive
     */
    public OnnxModelConfig {
        if (vocabSize.isPresent() && vocabSize.getAsInt() <= 0) {
            throw new IllegalArgumentException("vocab_size: expected > 0, got " + vocabSize.getAsInt());
        }
        if (maxPositions.isPresent() && maxPositions.getAsInt() <= 0) {
            throw new IllegalArgumentException("max_position_embeddings: expected > 0, got " + maxPositions.getAsInt());
        }
    }

    /**
     * Reads {@code config.json} from a directory.
     *
     * @param dir the model directory
     * @return the config, or {@link #EMPTY} if there is no {@code config.json}
     * @throws EFTException if the file exists but cannot be read
     */
    public static OnnxModelConfig readBeside(Path dir) {
        Path f = dir.resolve("config.json");
        if (!Files.isRegularFile(f)) {
            return EMPTY;
        }
        try {
            return parse(Files.readString(f));
        } catch (IOException | IllegalArgumentException e) {
            throw new EFTException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses the top-level integer fields of a {@code config.json} text. A deliberately small
     * reader: it looks for {@code "key": int} or {@code "key": [int, ...]}.
     *
     * @param json the file contents
     * @return the config
     */
    public static OnnxModelConfig parse(String json) {
        OptionalInt max = field(json, "max_position_embeddings");
        if (max.isEmpty()) {
            max = field(json, "n_positions");
        }
        return new OnnxModelConfig(field(json, "bos_token_id"), field(json, "eos_token_id"),
                field(json, "vocab_size"), max);
    }

    private static OptionalInt field(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*\\[?\\s*(-?\\d+)").matcher(json);
        return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }
}
