package io.github.eft4j.onnx;

import io.github.eft4j.model.EFTException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The decoder layout discovered from a session's inputs and outputs and the file's operators (not
 * from a model family).
 *
 * <p>Supported: Hugging Face optimum's decoder layout, {@code input_ids [b, s]},
 * {@code attention_mask [b, past+s]}, optional {@code position_ids [b, s]},
 * {@code past_key_values.{i}.key|value [b, kv_heads, past, head_dim]} to {@code logits [b, s, vocab]}
 * and {@code present.{i}.key|value [b, kv_heads, past+s, head_dim]}; optional
 * {@code use_cache_branch} (merged decoders) and {@code num_logits_to_keep} or {@code logits_to_keep}.
 * The same names with {@code GroupQueryAttention} nodes (ONNX Runtime GenAI's builder) are
 * {@link Attention#GROUP_QUERY}: lengths come from the mask's row sums (or from
 * {@code seqlens_k}/{@code total_sequence_length} inputs), rows are right-padded, and past and
 * present may share one buffer. Logits may hold every position or only the last
 * ({@code [b, 1, vocab]}). Element types of logits and KV: float32, float16 or bfloat16.
 *
 * @param attention how the graph reads the KV cache
 * @param hasAttentionMask whether {@code attention_mask} is an input (GQA graphs fed
 *     {@code seqlens_k} may have none)
 * @param hasPositionIds whether {@code position_ids} is an input
 * @param hasSeqlensInputs whether {@code seqlens_k} and {@code total_sequence_length} are inputs
 * @param hasUseCacheBranch whether {@code use_cache_branch} is an input (merged decoder)
 * @param logitsToKeepInput the name of the input that says how many last rows of logits to compute
 *     ({@code num_logits_to_keep} or {@code logits_to_keep}), if any
 * @param lastRowOnly whether logits hold only the last position ({@code [b, 1, vocab]})
 * @param layers number of layers (past/present pairs)
 * @param kvHeads KV heads (fixed dimension 1 of every past tensor)
 * @param headDim head dimension (fixed dimension 3 of every past tensor)
 * @param kvElementType ONNX element type of the KV tensors
 * @param logitsElementType ONNX element type of {@code logits}
 * @param vocabSize the logits row length
 */
public record OnnxGraphLayout(Attention attention, boolean hasAttentionMask, boolean hasPositionIds,
        boolean hasSeqlensInputs, boolean hasUseCacheBranch, Optional<String> logitsToKeepInput, boolean lastRowOnly,
        int layers, int kvHeads, int headDim, int kvElementType, int logitsElementType, int vocabSize) {

    /** How a graph reads its KV cache. */
    public enum Attention {
        /**
         * HF optimum: {@code present = concat(past, new)} and the mask is read per key column, so a
         * column can be hidden (rollback without copying) and batches are left-padded.
         */
        MASKED,
        /**
         * {@code com.microsoft:GroupQueryAttention}: each row attends to its first
         * {@code seqlens_k + 1} key positions, so rows are right-padded, the mask is only counted,
         * rollback rewinds the length, and past and present can be one buffer written in place.
         */
        GROUP_QUERY
    }

    private static final Pattern PAST = Pattern.compile("past_key_values\\.(\\d+)\\.(key|value)");
    private static final Pattern PRESENT = Pattern.compile("present\\.(\\d+)\\.(key|value)");
    private static final String EXPECTED = "expected inputs input_ids, attention_mask, [position_ids], "
            + "past_key_values.{i}.key|value, [use_cache_branch], [num_logits_to_keep | logits_to_keep] "
            + "([seqlens_k, total_sequence_length] with GroupQueryAttention) and outputs logits, "
            + "present.{i}.key|value (HF optimum or ONNX Runtime GenAI decoder layout)";

    /**
     * Validates the layout.
     *
     * @throws IllegalArgumentException if a size is not positive
     * @throws NullPointerException if {@code attention} or {@code logitsToKeepInput} is null
     */
    public OnnxGraphLayout {
        java.util.Objects.requireNonNull(attention, "attention");
        java.util.Objects.requireNonNull(logitsToKeepInput, "logitsToKeepInput");
        if (layers <= 0 || kvHeads <= 0 || headDim <= 0 || vocabSize <= 0) {
            throw new IllegalArgumentException("layers " + layers + ", kvHeads " + kvHeads + ", headDim " + headDim
                    + ", vocabSize " + vocabSize + ": expected all > 0");
        }
    }

    /**
     * Returns the name of past input {@code i} in the order key0, value0, key1, ...
     *
     * @param i in {@code [0, 2 * layers)}
     * @return e.g. {@code past_key_values.3.value}
     */
    public String pastName(int i) {
        return "past_key_values." + (i / 2) + (i % 2 == 0 ? ".key" : ".value");
    }

    /**
     * Returns the name of present output {@code i} in the order key0, value0, key1, ...
     *
     * @param i in {@code [0, 2 * layers)}
     * @return e.g. {@code present.3.value}
     */
    public String presentName(int i) {
        return "present." + (i / 2) + (i % 2 == 0 ? ".key" : ".value");
    }

    /**
     * Discovers the layout of an optimum-style graph (no GroupQueryAttention).
     *
     * @param inputs the session inputs
     * @param outputs the session outputs
     * @param config the optional {@code config.json} fields (vocabulary size if logits are dynamic)
     * @return the layout
     * @throws EFTException naming what was found and what was expected, if the graph does not fit
     */
    static OnnxGraphLayout discover(List<TensorInfo> inputs, List<TensorInfo> outputs, OnnxModelConfig config) {
        return discover(inputs, outputs, config, false);
    }

    /**
     * Discovers the layout from a session's inputs and outputs.
     *
     * @param inputs the session inputs
     * @param outputs the session outputs
     * @param config the optional {@code config.json} fields (vocabulary size if logits are dynamic)
     * @param groupQueryAttention whether the graph's attention is {@code GroupQueryAttention}
     *     (read from the file: ONNX Runtime does not list nodes)
     * @return the layout
     * @throws EFTException naming what was found and what was expected, if the graph does not fit
     */
    static OnnxGraphLayout discover(List<TensorInfo> inputs, List<TensorInfo> outputs, OnnxModelConfig config,
            boolean groupQueryAttention) {
        String found = "found inputs " + inputs + " and outputs " + outputs;
        TensorInfo ids = null, mask = null, pos = null, branch = null, keep = null, seqlens = null, total = null;
        Map<Integer, TensorInfo[]> past = new TreeMap<>();
        for (TensorInfo t : inputs) {
            Matcher m = PAST.matcher(t.name());
            if (m.matches()) {
                past.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new TensorInfo[2])[m.group(2).equals("key") ? 0 : 1] = t;
                continue;
            }
            switch (t.name()) {
                case "input_ids" -> ids = t;
                case "attention_mask" -> mask = t;
                case "position_ids" -> pos = t;
                case "use_cache_branch" -> branch = t;
                case "num_logits_to_keep", "logits_to_keep" -> {
                    if (keep != null) {
                        throw new EFTException("graph has both num_logits_to_keep and logits_to_keep inputs; " + found);
                    }
                    keep = t;
                }
                case "seqlens_k" -> seqlens = t;
                case "total_sequence_length" -> total = t;
                default -> throw new EFTException("unsupported graph input '" + t.name() + "': " + EXPECTED + "; " + found);
            }
        }
        if (!groupQueryAttention && (seqlens != null || total != null)) {
            throw new EFTException("graph input '" + (seqlens != null ? seqlens : total).name() + "' belongs to "
                    + "GroupQueryAttention, but the graph has no GroupQueryAttention node; " + found);
        }
        if ((seqlens == null) != (total == null)) {
            throw new EFTException("graph has " + (seqlens != null ? "seqlens_k without total_sequence_length"
                    : "total_sequence_length without seqlens_k") + ": GroupQueryAttention needs both; " + found);
        }
        if (groupQueryAttention && branch != null) {
            throw new EFTException("a GroupQueryAttention graph with use_cache_branch (merged decoder) is not supported; "
                    + found);
        }
        TensorInfo logits = null;
        Map<Integer, TensorInfo[]> present = new TreeMap<>();
        for (TensorInfo t : outputs) {
            Matcher m = PRESENT.matcher(t.name());
            if (m.matches()) {
                present.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new TensorInfo[2])[m.group(2).equals("key") ? 0 : 1] = t;
            } else if (t.name().equals("logits")) {
                logits = t;
            }
        }
        if (ids == null || logits == null || mask == null && seqlens == null) {
            throw new EFTException("graph lacks " + (ids == null ? "input input_ids" : logits == null
                    ? "output logits" : "input attention_mask") + ": " + EXPECTED + "; " + found);
        }
        requireType(ids, OrtApi.INT64, found);
        if (mask != null) {
            requireType(mask, OrtApi.INT64, found);
        }
        if (pos != null) {
            requireType(pos, OrtApi.INT64, found);
        }
        if (branch != null) {
            requireType(branch, OrtApi.BOOL, found);
        }
        if (keep != null) {
            requireType(keep, OrtApi.INT64, found);
        }
        if (seqlens != null) {
            requireType(seqlens, OrtApi.INT32, found);
            requireType(total, OrtApi.INT32, found);
        }
        if (past.isEmpty()) {
            throw new EFTException("graph has no past_key_values.{i}.key|value inputs (a decoder without KV cache "
                    + "is not supported): " + EXPECTED + "; " + found);
        }
        int layers = past.size();
        List<TensorInfo> kv = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            TensorInfo[] p = past.get(i);
            TensorInfo[] q = present.get(i);
            for (int j = 0; j < 2; j++) {
                String kind = j == 0 ? "key" : "value";
                if (p == null || p[j] == null) {
                    throw new EFTException("past/present do not pair up: past_key_values." + i + "." + kind
                            + " is missing (past layers found: " + past.keySet() + "); " + found);
                }
                if (q == null || q[j] == null) {
                    throw new EFTException("past/present do not pair up: past_key_values." + i + "." + kind
                            + " has no output present." + i + "." + kind + " (present layers found: "
                            + present.keySet() + "); " + found);
                }
                kv.add(p[j]);
                kv.add(q[j]);
            }
        }
        if (present.size() != layers) {
            throw new EFTException("past/present do not pair up: " + layers + " past layers " + past.keySet()
                    + " but present layers " + present.keySet() + "; " + found);
        }
        int kvType = kv.get(0).elementType();
        long kvHeads = -1, headDim = -1;
        for (TensorInfo t : kv) {
            requireFloat(t, found);
            if (t.elementType() != kvType) {
                throw new EFTException("KV element types differ: " + t + " is " + TensorInfo.typeName(t.elementType())
                        + ", expected " + TensorInfo.typeName(kvType) + " like " + kv.get(0));
            }
            if (t.rank() != 4) {
                throw new EFTException("KV tensor " + t + " has rank " + t.rank() + ", expected 4 [batch, kv_heads, seq, head_dim]");
            }
            kvHeads = agree(kvHeads, t.dim(1), "kv_heads", t);
            headDim = agree(headDim, t.dim(3), "head_dim", t);
        }
        if (kvHeads <= 0 || headDim <= 0) {
            throw new EFTException("KV tensors need fixed kv_heads and head_dim (dims 1 and 3), found " + kv.get(0));
        }
        requireFloat(logits, found);
        if (logits.rank() != 3) {
            throw new EFTException("logits " + logits + " has rank " + logits.rank() + ", expected 3 [batch, seq, vocab]");
        }
        int vocab = (int) logits.dim(2);
        if (vocab <= 0) {
            if (config.vocabSize().isEmpty()) {
                throw new EFTException("logits " + logits + " has a dynamic vocabulary dimension and there is no "
                        + "config.json with vocab_size beside the model");
            }
            vocab = config.vocabSize().getAsInt();
        } else if (config.vocabSize().isPresent() && config.vocabSize().getAsInt() != vocab) {
            throw new EFTException("vocab sizes differ: logits " + vocab + " != config.json vocab_size "
                    + config.vocabSize().getAsInt() + (config.source().isEmpty() ? "" : " (" + config.source() + ")"));
        }
        boolean lastRowOnly = logits.dim(1) == 1 && keep == null;
        return new OnnxGraphLayout(groupQueryAttention ? Attention.GROUP_QUERY : Attention.MASKED, mask != null,
                pos != null, seqlens != null, branch != null, Optional.ofNullable(keep).map(TensorInfo::name),
                lastRowOnly, layers, (int) kvHeads, (int) headDim, kvType, logits.elementType(), vocab);
    }

    private static long agree(long seen, long dim, String what, TensorInfo t) {
        if (seen != -1 && dim != seen) {
            throw new EFTException(what + " differs between KV tensors: " + t + " has " + dim + ", expected " + seen);
        }
        return dim;
    }

    private static void requireType(TensorInfo t, int type, String found) {
        if (t.elementType() != type) {
            throw new EFTException("unsupported element type of " + t.name() + ": " + TensorInfo.typeName(t.elementType())
                    + ", expected " + TensorInfo.typeName(type) + "; " + found);
        }
    }

    private static void requireFloat(TensorInfo t, String found) {
        int e = t.elementType();
        if (e != OrtApi.FLOAT && e != OrtApi.FLOAT16 && e != OrtApi.BFLOAT16) {
            throw new EFTException("unsupported element type of " + t.name() + ": " + TensorInfo.typeName(e)
                    + ", expected float32, float16 or bfloat16; " + found);
        }
    }
}
