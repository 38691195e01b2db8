package io.github.eft4j.onnx;

import io.github.eft4j.model.EFTException;

import io.github.eft4j.model.EFTException;
import io.github.eft4j.internal.json.Json;
import io.github.eft4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * A Hugging Face-style model folder loaded in one call: {@code model.onnx} (or
 * {@code onnx/model.onnx}), {@code config.json}, {@code tokenizer.json} and an optional
 * {@code generation_config.json}.
 *
 * <pre>{@code
 * try (ModelFolder large = ModelFolder.load(Path.of("models/mini/large-base"));
 *      ModelFolder ft = ModelFolder.load(Path.of("models/mini/small-ft"));
 *      ModelFolder small = ModelFolder.load(Path.of("models/mini/small-base"))) {
 *     ModelFolder.requireSameTokenizer(List.of(large, ft, small));
 *     int[] ids = ft.tokenizer().encode("Q: What does \"harbor\" mean?\nA:");
 *     ...
 * }
 * }</pre>
 *
 * Loading checks that the tokenizer fits the model: the tokenizer may have fewer ids than the
 * model has logits (padding rows), never more. Closing the folder closes its source.
 *
 * @see #requireSameTokenizer(List)
 */
public final class ModelFolder implements AutoCloseable {
    private final Path dir;
    private final OnnxLogitSource source;
    private final Tokenizer tokenizer;
    private final GenerationDefaults generation;
    private final Map<String, Object> config;

    private ModelFolder(Path dir, OnnxLogitSource source, Tokenizer tokenizer, GenerationDefaults generation,
            Map<String, Object> config) {
        this.dir = dir;
        this.source = source;
        this.tokenizer = tokenizer;
        this.generation = generation;
        this.config = config;
    }

    /**
     * Defaults read from {@code generation_config.json} (all optional).
     *
     * @param eosTokenIds end-of-sequence ids ({@code eos_token_id}, a number or a list), else the
     *     config's or the tokenizer's EOS
     * @param bosTokenId {@code bos_token_id}
     * @param doSample {@code do_sample}
     * @param temperature {@code temperature}
     * @param topP {@code top_p}
     * @param topK {@code top_k}
     * @param repetitionPenalty {@code repetition_penalty}
     * @param maxNewTokens {@code max_new_tokens}
     */
    public record GenerationDefaults(List<Integer> eosTokenIds, OptionalInt bosTokenId, Optional<Boolean> doSample,
            Optional<Double> temperature, Optional<Double> topP, OptionalInt topK, Optional<Double> repetitionPenalty,
            OptionalInt maxNewTokens) {
        /** Copies the list. */
        public GenerationDefaults {
            eosTokenIds = List.copyOf(eosTokenIds);
        }
    }

    /**
     * Loads a folder on the CPU with default options.
     *
     * @param dir the folder
     * @return the loaded folder; close it
     * @throws IllegalArgumentException if the folder or a required file is missing, or the
     *     tokenizer does not fit the model
     * @throws EFTException if a file cannot be parsed or ONNX Runtime cannot load the model
     */
    public static ModelFolder load(Path dir) {
        return load(dir, model -> OnnxOptions.builder(model).build());
    }

    /**
     * Loads a folder.
     *
     * @param dir the folder
     * @param options builds the ONNX options for the model file found in the folder
     * @return the loaded folder; close it
     * @throws IllegalArgumentException if the folder or a required file is missing, or the
     *     tokenizer does not fit the model
     * @throws EFTException if a file cannot be parsed or ONNX Runtime cannot load the model
     */
    public static ModelFolder load(Path dir, Function<Path, OnnxOptions> options) {
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model folder not found: " + dir);
        }
        Path model = dir.resolve("model.onnx");
        if (!Files.isRegularFile(model)) {
            model = dir.resolve("onnx").resolve("model.onnx");
        }
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("no model.onnx in " + dir + " (expected model.onnx or onnx/model.onnx)");
        }
        Map<String, Object> config = readObject(dir.resolve("config.json"), true);
        Path tokFile = dir.resolve("tokenizer.json");
        Tokenizer tokenizer;
        try {
            tokenizer = Tokenizer.fromFile(tokFile);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no tokenizer.json in " + dir, e);
        } catch (IOException e) {
            throw new EFTException("cannot read " + tokFile + ": " + e.getMessage(), e);
        }
        Map<String, Object> gen = readObject(dir.resolve("generation_config.json"), false);
        GenerationDefaults defaults = defaults(gen, config, tokenizer);
        OnnxLogitSource source = OnnxLogitSource.open(options.apply(model));
        try {
            if (tokenizer.vocabSize() > source.vocabSize()) {
                throw new IllegalArgumentException("tokenizer of " + dir + " has " + tokenizer.vocabSize()
                        + " ids but the model has only " + source.vocabSize() + " logits per row");
            }
            if (config.get("vocab_size") instanceof Long v && v != source.vocabSize()) {
                throw new IllegalArgumentException("config.json of " + dir + " says vocab_size " + v
                        + " but the model has " + source.vocabSize() + " logits per row");
            }
            return new ModelFolder(dir, source, tokenizer, defaults, config);
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
    }

    /**
     * Checks that models share one tokenizer by comparing every token string, not only sizes.
     *
     * @param folders the folders, in the order used in messages
     * @throws IllegalArgumentException naming the first id that differs (or the sizes)
     */
    public static void requireSameTokenizer(List<ModelFolder> folders) {
        if (folders.size() < 2) {
            return;
        }
        ModelFolder first = folders.get(0);
        for (ModelFolder other : folders.subList(1, folders.size())) {
            int id = first.tokenizer.firstDifferentId(other.tokenizer);
            if (id >= 0) {
                throw new IllegalArgumentException("tokenizers differ at id " + id + ": " + first.dir + " has "
                        + describe(first.tokenizer, id) + ", " + other.dir + " has " + describe(other.tokenizer, id));
            }
        }
    }

    private static String describe(Tokenizer t, int id) {
        if (id >= t.vocabSize()) {
            return "no such id (" + t.vocabSize() + " tokens)";
        }
        return "'" + t.idToToken(id) + "'" + (t.isSpecial(id) ? " (special)" : "");
    }

    /**
     * Returns the folder.
     *
     * @return the folder this was loaded from
     */
    public Path dir() {
        return dir;
    }

    /**
     * Returns the model.
     *
     * @return the ONNX source; closed with this folder
     */
    public OnnxLogitSource source() {
        return source;
    }

    /**
     * Returns the tokenizer.
     *
     * @return the tokenizer read from {@code tokenizer.json}
     */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * Returns the generation defaults.
     *
     * @return what {@code generation_config.json} (and the configs' EOS ids) say
     */
    public GenerationDefaults generation() {
        return generation;
    }

    /**
     * Returns a string field of {@code config.json}.
     *
     * @param key the field name, e.g. {@code model_type}
     * @return its value, if present and a string
     */
    public Optional<String> configString(String key) {
        return config.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** Closes the model. Idempotent. */
    @Override
    public void close() {
        source.close();
    }

    @Override
    public String toString() {
        return "ModelFolder[" + dir + "]";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readObject(Path file, boolean required) {
        if (!Files.isRegularFile(file)) {
            if (required) {
                throw new IllegalArgumentException("no " + file.getFileName() + " in " + file.getParent());
            }
            return Map.of();
        }
        try {
            Object v = Json.parse(Files.readString(file));
            if (!(v instanceof Map<?, ?> m)) {
                throw new EFTException(file + ": expected a JSON object");
            }
            return (Map<String, Object>) m;
        } catch (IOException | IllegalArgumentException e) {
            throw new EFTException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static GenerationDefaults defaults(Map<String, Object> gen, Map<String, Object> config, Tokenizer tok) {
        List<Integer> eos = ids(gen.get("eos_token_id"));
        if (eos.isEmpty()) {
            eos = ids(config.get("eos_token_id"));
        }
        if (eos.isEmpty() && tok.eosId().isPresent()) {
            eos = List.of(tok.eosId().getAsInt());
        }
        Object bos = gen.containsKey("bos_token_id") ? gen.get("bos_token_id") : config.get("bos_token_id");
        return new GenerationDefaults(eos,
                bos instanceof Long l ? OptionalInt.of(l.intValue()) : OptionalInt.empty(),
                gen.get("do_sample") instanceof Boolean b ? Optional.of(b) : Optional.empty(),
                number(gen.get("temperature")), number(gen.get("top_p")),
                gen.get("top_k") instanceof Long k ? OptionalInt.of(k.intValue()) : OptionalInt.empty(),
                number(gen.get("repetition_penalty")),
                gen.get("max_new_tokens") instanceof Long n ? OptionalInt.of(n.intValue()) : OptionalInt.empty());
    }

    private static Optional<Double> number(Object o) {
        return o instanceof Number n ? Optional.of(n.doubleValue()) : Optional.empty();
    }

    private static List<Integer> ids(Object o) {
        List<Integer> out = new ArrayList<>();
        if (o instanceof Long l) {
            out.add(l.intValue());
        } else if (o instanceof List<?> list) {
            for (Object e : list) {
                if (e instanceof Long l) {
                    out.add(l.intValue());
                }
            }
        }
        return out;
    }
}
