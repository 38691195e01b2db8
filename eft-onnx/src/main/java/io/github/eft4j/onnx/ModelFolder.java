package io.github.eft4j.onnx;

import io.github.eft4j.chat.ChatFormat;
import io.github.eft4j.chat.ChatTemplateException;
import io.github.eft4j.chat.HfChatTemplate;
import io.github.eft4j.model.EFTException;
import io.github.eft4j.tokenizer.Tokenizer;
import io.github.eft4j.tokenizer.TokenizerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A Hugging Face-style model folder loaded in one call: the graph ({@code model.onnx} at the root,
 * or in {@code onnx/} as Hugging Face onnx-community folders have it, with any external data
 * beside it), {@code config.json}, {@code tokenizer.json} and an optional
 * {@code generation_config.json}, plus {@code tokenizer_config.json} when present (its
 * {@code chat_template}, special tokens and {@code add_bos_token}; a {@code chat_template.jinja}
 * beside it, as newer transformers versions save it, takes the default template's place).
 *
 * <p><b>Variants.</b> A folder may hold several exports of one model side by side:
 * {@code model.onnx} (variant {@code fp32}) and {@code model_<v>.onnx} (variant {@code <v>}:
 * {@code fp16}, {@code q4}, {@code q4f16}, {@code int8}, ...); {@link #variants(Path)} lists them.
 * {@code loader(dir).variant("q4")} picks one (an unknown name fails, listing those present).
 * Without a choice the first present of {@link #VARIANT_PREFERENCE} is taken (closest to the
 * original weights first), then any other in name order, and the choice is logged.
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
    private static final System.Logger LOG = System.getLogger(ModelFolder.class.getName());
    private static final long INT_MAX = Integer.MAX_VALUE;

    /**
     * The variant order used when none is asked for: full precision first, then half precision,
     * 8-bit, 4-bit.
     */
    public static final List<String> VARIANT_PREFERENCE = List.of("fp32", "fp16", "bf16", "int8", "uint8", "quantized",
            "q8", "q4", "q4f16", "bnb4");

    private final Path dir;
    private final Path model;
    private final OnnxLogitSource source;
    private final Tokenizer tokenizer;
    private final GenerationDefaults generation;
    private final OnnxModelConfig config;
    private final TokenizerConfig tokenizerConfig;  // null when the folder has no tokenizer_config.json
    private volatile HfChatTemplate chatTemplate;   // parsed on first use

    private ModelFolder(Path dir, Path model, OnnxLogitSource source, Tokenizer tokenizer,
            GenerationDefaults generation, OnnxModelConfig config, TokenizerConfig tokenizerConfig) {
        this.dir = dir;
        this.model = model;
        this.source = source;
        this.tokenizer = tokenizer;
        this.generation = generation;
        this.config = config;
        this.tokenizerConfig = tokenizerConfig;
    }

    /**
     * Defaults read from {@code generation_config.json} (all optional).
     *
     * @param eosTokenIds end-of-sequence ids ({@code eos_token_id}, a number or a list), else the
     *     config's or the tokenizer's EOS
     * @param bosTokenId {@code bos_token_id} (else config.json's)
     * @param padTokenId {@code pad_token_id} (else config.json's)
     * @param doSample {@code do_sample}
     * @param temperature {@code temperature}
     * @param topP {@code top_p}
     * @param topK {@code top_k}
     * @param repetitionPenalty {@code repetition_penalty}
     * @param maxNewTokens {@code max_new_tokens}
     */
    public record GenerationDefaults(List<Integer> eosTokenIds, OptionalInt bosTokenId, OptionalInt padTokenId,
            Optional<Boolean> doSample,
            Optional<Double> temperature, Optional<Double> topP, OptionalInt topK, Optional<Double> repetitionPenalty,
            OptionalInt maxNewTokens) {
        /** Copies the list. */
        public GenerationDefaults {
            eosTokenIds = List.copyOf(eosTokenIds);
        }
    }

    /**
     * Loads a folder on the CPU with default options and the default variant.
     *
     * @param dir the folder
     * @return the loaded folder; close it
     * @throws IllegalArgumentException if the folder or a required file is missing, a config
     *     value is out of range, or the tokenizer does not fit the model
     * @throws EFTException if a file cannot be read or ONNX Runtime cannot load the model
     */
    public static ModelFolder load(Path dir) {
        return loader(dir).load();
    }

    /**
     * Loads a folder with the default variant.
     *
     * @param dir the folder
     * @param options builds the ONNX options for the model file found in the folder
     * @return the loaded folder; close it
     * @throws IllegalArgumentException if the folder or a required file is missing, a config
     *     value is out of range, or the tokenizer does not fit the model
     * @throws EFTException if a file cannot be read or ONNX Runtime cannot load the model
     */
    public static ModelFolder load(Path dir, Function<Path, OnnxOptions> options) {
        return loader(dir).options(options).load();
    }

    /**
     * Starts loading a folder with choices: variant, ONNX options, {@code text_config}.
     *
     * <pre>{@code
     * try (ModelFolder m = ModelFolder.loader(dir).variant("q4").options(p -> OnnxOptions.builder(p).threads(1).build()).load()) {
     *     ...
     * }
     * }</pre>
     *
     * @param dir the folder
     * @return a loader
     */
    public static Loader loader(Path dir) {
        return new Loader(dir);
    }

    /** Loads a {@link ModelFolder} with choices; see {@link ModelFolder#loader(Path)}. */
    public static final class Loader {
        private final Path dir;
        private String variant;
        private Function<Path, OnnxOptions> options = model -> OnnxOptions.builder(model).build();
        private boolean textConfig;

        private Loader(Path dir) {
            this.dir = dir;
        }

        /**
         * Picks a variant by name ({@code fp32} for {@code model.onnx}, {@code q4} for
         * {@code model_q4.onnx}, ...; the file name is accepted too).
         *
         * @param variant the variant, or null for the default rule
         * @return this loader
         */
        public Loader variant(String variant) {
            this.variant = variant;
            return this;
        }

        /**
         * Sets how the ONNX options are built for the chosen model file.
         *
         * @param options from the model file to options
         * @return this loader
         */
        public Loader options(Function<Path, OnnxOptions> options) {
            this.options = java.util.Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Reads the language model's keys from {@code config.json}'s {@code text_config} object
         * (multimodal models) instead of the top level.
         *
         * @param textConfig true to read {@code text_config}
         * @return this loader
         */
        public Loader textConfig(boolean textConfig) {
            this.textConfig = textConfig;
            return this;
        }

        /**
         * Loads the folder.
         *
         * @return the loaded folder; close it
         * @throws IllegalArgumentException if the folder or a required file is missing, the variant
         *     is unknown, a config value is out of range, or the tokenizer does not fit the model
         * @throws EFTException if a file cannot be read or ONNX Runtime cannot load the model
         */
        public ModelFolder load() {
            return ModelFolder.load(dir, variant, options, textConfig);
        }
    }

    /**
     * Lists the variants a folder holds, in the order of the default rule.
     *
     * @param dir the folder
     * @return variant name to model file, e.g. {@code fp32 -> dir/onnx/model.onnx}
     * @throws IllegalArgumentException if the folder does not exist
     */
    public static Map<String, Path> variants(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model folder not found: " + dir);
        }
        Map<String, Path> found = variantsIn(dir);
        if (found.isEmpty() && Files.isDirectory(dir.resolve("onnx"))) {
            found = variantsIn(dir.resolve("onnx"));
        }
        Map<String, Path> ordered = new LinkedHashMap<>();
        for (String v : VARIANT_PREFERENCE) {
            if (found.containsKey(v)) {
                ordered.put(v, found.get(v));
            }
        }
        new TreeMap<>(found).forEach(ordered::putIfAbsent);
        return ordered;
    }

    private static Map<String, Path> variantsIn(Path d) {
        Map<String, Path> out = new HashMap<>();
        try (Stream<Path> files = Files.list(d)) {
            files.filter(Files::isRegularFile).forEach(f -> {
                String n = f.getFileName().toString();
                if (n.equals("model.onnx")) {
                    out.put("fp32", f);
                } else if (n.startsWith("model_") && n.endsWith(".onnx") && n.length() > 11) {
                    out.put(n.substring(6, n.length() - 5), f);
                }
            });
        } catch (IOException e) {
            throw new EFTException("cannot list " + d + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static Path pick(Path dir, String variant) {
        Map<String, Path> all = variants(dir);
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no model.onnx in " + dir + " (expected model.onnx or onnx/model.onnx, "
                    + "or model_<variant>.onnx beside them)");
        }
        if (variant != null) {
            String v = variant.endsWith(".onnx") ? variant.equals("model.onnx") ? "fp32"
                    : variant.substring(variant.startsWith("model_") ? 6 : 0, variant.length() - 5) : variant;
            Path p = all.get(v);
            if (p == null) {
                throw new IllegalArgumentException("variant '" + variant + "' not found in " + dir + ": found "
                        + describe(all));
            }
            return p;
        }
        Map.Entry<String, Path> first = all.entrySet().iterator().next();
        if (all.size() > 1) {
            LOG.log(System.Logger.Level.INFO, "{0}: loading variant {1} ({2}) of {3}", dir, first.getKey(),
                    first.getValue().getFileName(), describe(all));
        }
        return first.getValue();
    }

    private static String describe(Map<String, Path> all) {
        StringBuilder sb = new StringBuilder();
        all.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ").append(k).append(" (").append(v.getFileName()).append(')'));
        return sb.toString();
    }

    private static ModelFolder load(Path dir, String variant, Function<Path, OnnxOptions> options, boolean textConfig) {
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model folder not found: " + dir);
        }
        Path model = pick(dir, variant);
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new IllegalArgumentException("no config.json in " + dir);
        }
        OnnxModelConfig config = OnnxModelConfig.read(configFile, textConfig);
        Path tokFile = dir.resolve("tokenizer.json");
        Tokenizer tokenizer;
        try {
            tokenizer = Tokenizer.fromFile(tokFile);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no tokenizer.json in " + dir, e);
        } catch (IOException e) {
            throw new EFTException("cannot read " + tokFile + ": " + e.getMessage(), e);
        }
        TokenizerConfig tokConfig = readTokenizerConfig(dir);
        Path genFile = dir.resolve("generation_config.json");
        JsonFields gen = Files.isRegularFile(genFile) ? JsonFields.read(genFile) : null;
        GenerationDefaults defaults = defaults(gen, config, tokenizer);
        OnnxLogitSource source = OnnxLogitSource.open(options.apply(model), config);
        try {
            if (tokenizer.vocabSize() > source.vocabSize()) {
                throw new IllegalArgumentException("tokenizer of " + dir + " has " + tokenizer.vocabSize()
                        + " ids but the model has only " + source.vocabSize() + " logits per row");
            }
            checkIds(gen != null ? genFile : configFile, defaults, source.vocabSize());
            return new ModelFolder(dir, model, source, tokenizer, defaults, config, tokConfig);
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
    }

    /**
     * {@code tokenizer_config.json}, with the default template replaced by {@code chat_template.jinja}
     * when that file exists; null when neither exists.
     */
    private static TokenizerConfig readTokenizerConfig(Path dir) {
        Path file = dir.resolve("tokenizer_config.json");
        Path jinja = dir.resolve("chat_template.jinja");
        try {
            TokenizerConfig c = Files.isRegularFile(file) ? TokenizerConfig.read(file) : null;
            if (!Files.isRegularFile(jinja)) {
                return c;
            }
            Map<String, String> templates = new LinkedHashMap<>();
            templates.put(TokenizerConfig.DEFAULT_TEMPLATE, Files.readString(jinja));
            if (c == null) {
                return new TokenizerConfig(templates, null, null, null, null, null, null);
            }
            c.chatTemplates().forEach(templates::putIfAbsent);
            return new TokenizerConfig(templates, c.addBosToken(), c.addEosToken(), c.bosToken(), c.eosToken(),
                    c.padToken(), c.unkToken());
        } catch (IOException e) {
            throw new EFTException("cannot read " + (Files.isRegularFile(jinja) ? jinja : file) + ": " + e.getMessage(), e);
        }
    }

    /** Special token ids must be rows of the model's logits. */
    private static void checkIds(Path file, GenerationDefaults d, int vocab) {
        List<String> bad = new ArrayList<>();
        for (int id : d.eosTokenIds()) {
            if (id >= vocab) {
                bad.add("eos_token_id " + id);
            }
        }
        if (d.bosTokenId().isPresent() && d.bosTokenId().getAsInt() >= vocab) {
            bad.add("bos_token_id " + d.bosTokenId().getAsInt());
        }
        if (d.padTokenId().isPresent() && d.padTokenId().getAsInt() >= vocab) {
            bad.add("pad_token_id " + d.padTokenId().getAsInt());
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException(file + " (or config.json): " + String.join(", ", bad)
                    + " outside the model's vocabulary [0, " + vocab + ")");
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
        return config.fields().get(key) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /**
     * Returns what {@code config.json} says, read once when the folder was loaded.
     *
     * @return the config
     */
    public OnnxModelConfig config() {
        return config;
    }

    /**
     * Returns what {@code tokenizer_config.json} says (chat templates, special tokens,
     * {@code add_bos_token}), if the folder has one.
     *
     * @return the tokenizer config, or empty
     */
    public Optional<TokenizerConfig> tokenizerConfig() {
        return Optional.ofNullable(tokenizerConfig);
    }

    /**
     * Returns the model's own chat format: the default {@code chat_template} of
     * {@code tokenizer_config.json} (or {@code chat_template.jinja}), parsed once. Fine-tuned (chat)
     * models ship one; base models usually do not. Use it as the fine-tuned source's format with
     * {@code io.github.eft4j.decoder.SourcePrompts}.
     *
     * @return the template, or empty when the folder has none
     * @throws io.github.eft4j.chat.ChatTemplateException if the template cannot be parsed; the
     *     message names this folder
     */
    public Optional<HfChatTemplate> chatTemplate() {
        if (tokenizerConfig == null || !tokenizerConfig.hasChatTemplate()) {
            return Optional.empty();
        }
        HfChatTemplate t = chatTemplate;
        if (t == null) {
            try {
                chatTemplate = t = tokenizerConfig.chatTemplate();
            } catch (IllegalStateException e) { // several templates, none named default
                throw new IllegalArgumentException(dir.resolve("tokenizer_config.json") + ": " + e.getMessage(), e);
            } catch (ChatTemplateException e) {
                Path origin = Files.isRegularFile(dir.resolve("chat_template.jinja")) ? dir.resolve("chat_template.jinja")
                        : dir.resolve("tokenizer_config.json");
                throw e.withOrigin(origin.toString());
            }
        }
        return Optional.of(t);
    }

    /**
     * Returns the model's own chat format ({@link #chatTemplate()}) or, for a folder without a
     * template, the given one.
     *
     * @param fallback the format to use when the folder has no chat template
     * @return the folder's template, else {@code fallback}
     * @throws io.github.eft4j.chat.ChatTemplateException if the folder's template cannot be parsed
     */
    public ChatFormat chatFormat(ChatFormat fallback) {
        Optional<HfChatTemplate> t = chatTemplate();
        return t.isPresent() ? t.get() : java.util.Objects.requireNonNull(fallback, "fallback");
    }

    /**
     * Returns the graph file that was loaded (the chosen variant).
     *
     * @return e.g. {@code dir/onnx/model_q4.onnx}
     */
    public Path modelFile() {
        return model;
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

    private static GenerationDefaults defaults(JsonFields gen, OnnxModelConfig config, Tokenizer tok) {
        List<Integer> eos = gen != null ? gen.integers("eos_token_id", 0, INT_MAX) : List.of();
        if (eos.isEmpty()) {
            eos = config.eosTokenIds();
        }
        if (eos.isEmpty() && tok.eosId().isPresent()) {
            eos = List.of(tok.eosId().getAsInt());
        }
        OptionalInt bos = gen != null && gen.has("bos_token_id") ? gen.integer("bos_token_id", 0, INT_MAX)
                : config.bosTokenId();
        OptionalInt pad = gen != null && gen.has("pad_token_id") ? gen.integer("pad_token_id", 0, INT_MAX)
                : config.padTokenId();
        if (gen == null) {
            return new GenerationDefaults(eos, bos, pad, Optional.empty(), Optional.empty(), Optional.empty(),
                    OptionalInt.empty(), Optional.empty(), OptionalInt.empty());
        }
        return new GenerationDefaults(eos, bos, pad, gen.bool("do_sample"),
                gen.number("temperature", 0, Double.MAX_VALUE, false), gen.number("top_p", 0, 1, false),
                gen.integer("top_k", 0, INT_MAX), gen.number("repetition_penalty", 0, Double.MAX_VALUE, true),
                gen.integer("max_new_tokens", 0, INT_MAX));
    }
}
