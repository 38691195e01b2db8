package io.github.eft4j.onnx;

import io.github.eft4j.model.BatchDecodingState;
import io.github.eft4j.model.Cancellation;
import io.github.eft4j.model.EFTException;
import io.github.eft4j.model.LogitSource;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link LogitSource} backed by an ONNX Runtime session on an exported decoder graph (HF optimum
 * or ONNX Runtime GenAI layout, see {@link OnnxGraphLayout}; weights may live in external data
 * files beside the model), driven through ORT's C API with IoBinding so the KV cache stays in the
 * execution provider's memory between steps.
 *
 * <pre>{@code
 * try (OnnxLogitSource model = OnnxLogitSource.open(OnnxOptions.builder(Path.of("model.onnx")).threads(1).build());
 *      DecodingState s = model.open(promptIds)) {
 *     MemorySegment next = s.logits();   // vocabSize floats, read in place
 *     s.append(token);
 * }
 * }</pre>
 *
 * <p>Thread-safe: states may be opened and stepped from several threads at once (ORT sessions
 * run concurrently). Closing the source while states are open throws {@link IllegalStateException}.
 */
public final class OnnxLogitSource implements LogitSource {
    private static final System.Logger LOG = System.getLogger(OnnxLogitSource.class.getName());

    /** Addresses of the NUL-terminated input and output names, allocated once per source. */
    record Names(long inputIds, long attentionMask, long positionIds, long useCacheBranch, long logitsToKeep,
            long seqlensK, long totalSequenceLength, long logits, long[] pastNames, long[] presentNames) {
        long past(int i) {
            return pastNames[i];
        }

        long present(int i) {
            return presentNames[i];
        }
    }

    private final OnnxOptions options;
    private final OnnxModelConfig config;
    private final OrtSession session;
    private final OnnxGraphLayout layout;
    private final OrtMemoryInfo cpuInfo;
    private final OrtMemoryInfo kvInfo;
    private final ExecutionProvider activeProvider;
    private final List<String> configDifferences = new java.util.ArrayList<>();
    private final boolean kvInPlace;
    private final Arena arena = Arena.ofShared();
    private final Names names;
    private static final java.util.concurrent.atomic.AtomicInteger LIVE_SOURCES =
            new java.util.concurrent.atomic.AtomicInteger();
    private static volatile boolean sharedPoolMissing;
    private static final AtomicBoolean CUDA_WARNED = new AtomicBoolean();

    private final AtomicBoolean placementChecked = new AtomicBoolean();
    private volatile boolean lastRowOnlyObserved;
    private volatile String placementError;
    private int openStates;
    private boolean closed;

    private OnnxLogitSource(OnnxOptions options, OnnxModelConfig givenConfig, boolean kvInCudaMemory) {
        this.options = options;
        Path model = options.model();
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("model file not found: " + model.toAbsolutePath()
                    + " (expected an .onnx file)");
        }
        Path dir = model.toAbsolutePath().getParent();
        this.config = givenConfig != null ? givenConfig : configFor(dir);
        OnnxModelFile file = scan(model);
        if (file != null) {
            checkExternalData(model, file);
        }
        boolean cuda = options.provider() == ExecutionProvider.CUDA;
        OrtSession s = null;
        if (cuda) {
            StringBuilder ortLog = new StringBuilder();
            try {
                // ORT's own error lines (the library that failed to load) are folded into one message
                s = OrtLog.capturing(ortLog, () -> createSession(true, file));
            } catch (RuntimeException e) {
                String reason = cudaFailure(e, ortLog);
                if (options.strict()) {
                    arena.close();
                    throw new EFTException("CUDA was requested strictly (device " + options.deviceId()
                            + ") but cannot be used: " + reason, e);
                }
                // one warning per process, not per model: every later source would say the same
                LOG.log(CUDA_WARNED.compareAndSet(false, true) ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
                        "CUDA execution provider unavailable, running on CPU (first model: {0}): {1}", model, reason);
                cuda = false;
            }
        }
        OrtMemoryInfo cpu = null, kv = null;
        try {
            if (s == null) {
                s = createSession(false, file);
            }
            boolean gqa = file != null && !file.nodes("GroupQueryAttention").isEmpty();
            OnnxGraphLayout l = OnnxGraphLayout.discover(s.inputs(), s.outputs(), config, gqa);
            reportDifferences(l);
            cpu = OrtMemoryInfo.cpu();
            // CUDA-only: KV bound to device memory (the test hook binds it so on a CPU session)
            kv = cuda || kvInCudaMemory ? OrtMemoryInfo.device("Cuda", options.deviceId()) : cpu;
            this.layout = l;
        } catch (RuntimeException e) {
            if (kv != null && kv != cpu) {
                kv.close();
            }
            if (cpu != null) {
                cpu.close();
            }
            if (s != null) {
                s.close();
            }
            arena.close();
            throw e;
        }
        this.session = s;
        this.cpuInfo = cpu;
        this.kvInfo = kv;
        this.activeProvider = cuda ? ExecutionProvider.CUDA : ExecutionProvider.CPU;
        // in place needs KV memory we allocate ourselves: host memory only
        this.kvInPlace = layout.attention() == OnnxGraphLayout.Attention.GROUP_QUERY && kv == cpu
                && options.inPlaceKv();
        int n = 2 * layout.layers();
        long[] past = new long[n], present = new long[n];
        for (int i = 0; i < n; i++) {
            past[i] = name(layout.pastName(i));
            present[i] = name(layout.presentName(i));
        }
        this.names = new Names(name("input_ids"), name("attention_mask"), name("position_ids"),
                name("use_cache_branch"), name(layout.logitsToKeepInput().orElse("logits_to_keep")), name("seqlens_k"),
                name("total_sequence_length"), name("logits"), past, present);
        LIVE_SOURCES.incrementAndGet();
    }

    /** The exception's message plus ORT's first logged error, which names what failed to load. */
    private static String cudaFailure(RuntimeException e, StringBuilder ortLog) {
        String msg = e.getMessage();
        String first = ortLog.toString().lines().filter(l -> !l.isBlank()).findFirst().orElse("");
        int i = first.indexOf("[ONNXRuntimeError] : ");
        if (i >= 0) {
            first = first.substring(i + "[ONNXRuntimeError] : ".length());
        }
        return first.isEmpty() || (msg != null && msg.contains(first)) ? msg : msg + " (onnxruntime: " + first.strip() + ")";
    }

    /**
     * config.json beside the model, or at the folder root for {@code <folder>/onnx/model.onnx}
     * (the layout ModelFolder also accepts), so maximum positions are known either way.
     */
    private static OnnxModelConfig configFor(Path dir) {
        if (dir == null) {
            return OnnxModelConfig.EMPTY;
        }
        Path parent = dir.getParent();
        if (!Files.isRegularFile(dir.resolve("config.json")) && parent != null && dir.getFileName() != null
                && dir.getFileName().toString().equals("onnx")) {
            return OnnxModelConfig.readBeside(parent);
        }
        return OnnxModelConfig.readBeside(dir);
    }

    /** The file's nodes and external data, or null if it cannot be walked (ORT then reports the problem). */
    private static OnnxModelFile scan(Path model) {
        try {
            return OnnxModelFile.scan(model);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot scan {0}: {1}", model, e.getMessage());
            return null;
        }
    }

    /**
     * Fails with one message naming the file when external data ORT would need is missing or
     * short (ORT resolves {@code location} relative to the model's folder).
     */
    private static void checkExternalData(Path model, OnnxModelFile file) {
        Path dir = model.toAbsolutePath().getParent();
        java.util.Map<String, Long> sizes = new java.util.HashMap<>();
        for (OnnxModelFile.ExternalTensor t : file.externalData()) {
            Path data = dir.resolve(t.location()).normalize();
            Long size = sizes.computeIfAbsent(t.location(), k -> {
                try {
                    return Files.isRegularFile(data) ? Files.size(data) : -1L;
                } catch (IOException e) {
                    return -1L;
                }
            });
            if (size < 0) {
                throw new IllegalArgumentException("model " + model.getFileName() + " keeps its weights in the external "
                        + "data file '" + t.location() + "' (tensor " + t.tensor() + "), expected at " + data
                        + ", which does not exist: copy it beside the model");
            }
            if (t.length() >= 0 && t.offset() + t.length() > size) {
                throw new IllegalArgumentException("external data file " + data + " of model " + model.getFileName()
                        + " is too short: tensor " + t.tensor() + " needs bytes [" + t.offset() + ", "
                        + (t.offset() + t.length()) + ") but the file has " + size + " bytes (truncated download?)");
            }
        }
    }

    /** Logs where config.json and the graph disagree on things the graph decides. */
    private void reportDifferences(OnnxGraphLayout l) {
        String where = config.source().isEmpty() ? "config.json" : config.source();
        differs(where, "num_key_value_heads", config.numKvHeads(), l.kvHeads(), "KV heads");
        differs(where, "head_dim", config.headDim(), l.headDim(), "head size");
        differs(where, "num_hidden_layers", config.numLayers(), l.layers(), "layers");
    }

    private void differs(String where, String key, java.util.OptionalInt said, int graph, String what) {
        if (said.isPresent() && said.getAsInt() != graph) {
            String note = where + " says " + key + " " + said.getAsInt() + " but the graph " + options.model().getFileName()
                    + " has " + graph + " " + what + "; using the graph";
            configDifferences.add(note);
            LOG.log(System.Logger.Level.INFO, note);
        }
    }

    /** What config.json said that the graph overrode (also logged at INFO); for tests. */
    List<String> configDifferences() {
        return List.copyOf(configDifferences);
    }

    /**
     * Opens a source on a model file with default options (CPU, shared thread pool).
     *
     * @param model the {@code .onnx} file
     * @return the source
     * @throws IllegalArgumentException if the file does not exist
     * @throws EFTException if ORT cannot load it or the graph layout is not supported
     */
    public static OnnxLogitSource open(Path model) {
        return open(OnnxOptions.builder(model).build());
    }

    /**
     * Opens a source.
     *
     * @param options what to open and how
     * @return the source
     * @throws IllegalArgumentException if the model file does not exist
     * @throws EFTException if ORT cannot load it, the graph layout is not supported, or CUDA was
     *     requested strictly and cannot be used ({@link OrtStatusException} carries ORT's code)
     */
    public static OnnxLogitSource open(OnnxOptions options) {
        return new OnnxLogitSource(options, null, false);
    }

    /** Opens a source with a config already read (by {@link ModelFolder}): config.json is read once. */
    static OnnxLogitSource open(OnnxOptions options, OnnxModelConfig config) {
        return new OnnxLogitSource(options, config, false);
    }

    /**
     * Test hook: binds the KV outputs to "Cuda" memory on a CPU session, which ORT accepts and
     * silently places on CPU; the placement check must notice.
     */
    static OnnxLogitSource openWithKvBoundToCuda(OnnxOptions options) {
        return new OnnxLogitSource(options, null, true);
    }

    private long name(String s) {
        return arena.allocateFrom(s).address();
    }

    private OrtSession createSession(boolean cuda, OnnxModelFile file) {
        OrtEnv.get(); // ours first: it owns the shared thread pool, and ORT keeps one env per process
        boolean shared = options.threads() == 0 && !sharedPoolMissing;
        try (OrtSessionOptions so = OrtSessionOptions.create()) {
            if (options.threads() > 0) {
                so.intraOpThreads(options.threads());
            } else if (shared) {
                so.useSharedThreadPool();
            } else {
                so.intraOpThreads(fairShare());
            }
            if (cuda) {
                CudaLibraries.extract(options.deviceId());
                so.appendCuda(options.deviceId(), options.memoryLimitBytes());
            }
            return OrtSession.create(options.model(), so);
        } catch (OrtStatusException e) {
            if (shared && e.ortMessage().contains("GlobalThreadPools")) {
                // the process's OrtEnv was created first by someone else (the official API)
                sharedPoolMissing = true;
                LOG.log(System.Logger.Level.WARNING, "ONNX Runtime environment has no global thread pool (it was "
                        + "created outside eft-onnx); sources without threads(n) get cores / live sources threads each");
                return createSession(cuda, file);
            }
            throw unknownOperator(e, file).orElse(e);
        }
    }

    /**
     * Names the operator when ORT cannot load a graph because an operator (typically a
     * {@code com.microsoft} contrib op newer than this ORT build) is not implemented.
     */
    private java.util.Optional<EFTException> unknownOperator(OrtStatusException e, OnnxModelFile file) {
        String msg = e.ortMessage();
        if (file == null || !(msg.contains("not a registered function/op") || msg.contains("Could not find an "
                + "implementation") || msg.contains("No Op registered") || msg.contains("No opset import"))) {
            return java.util.Optional.empty();
        }
        for (OnnxModelFile.Node n : file.nodes()) {
            if (msg.contains(n.opType())) {
                return java.util.Optional.of(new EFTException("cannot load " + options.model() + ": operator "
                        + n.qualifiedOp() + (n.name().isEmpty() ? "" : " (node '" + n.name() + "')")
                        + " is not implemented by ONNX Runtime " + OrtApi.version() + (cuda() ? "" : " on CPU")
                        + "; re-export the model for this runtime or use a build that has it. ORT said: " + msg, e));
            }
        }
        return java.util.Optional.empty();
    }

    private boolean cuda() {
        return options.provider() == ExecutionProvider.CUDA;
    }

    /** Threads for a source when the shared pool is missing: the cores divided among live sources. */
    private static int fairShare() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / (LIVE_SOURCES.get() + 1));
    }

    /**
     * Returns the execution provider the session actually runs on (CPU after a fallback).
     *
     * @return the active provider
     */
    public ExecutionProvider provider() {
        return activeProvider;
    }

    /**
     * Returns the discovered graph layout.
     *
     * @return the layout
     */
    public OnnxGraphLayout layout() {
        return layout;
    }

    /**
     * Returns the fields read from {@code config.json} beside the model (or, for
     * {@code onnx/model.onnx}, in the folder above).
     *
     * @return the config, possibly empty
     */
    public OnnxModelConfig config() {
        return config;
    }

    @Override
    public int vocabSize() {
        return layout.vocabSize();
    }

    @Override
    public String name() {
        return options.model().getFileName().toString();
    }

    /** The model file, for messages. */
    Path path() {
        return options.model();
    }

    @Override
    public OnnxDecodingState open(int[] promptTokens) {
        return openState(promptTokens, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A cancel during the prefill sets ONNX Runtime's terminate flag, so the run stops between
     * two operators instead of finishing the whole prompt.
     */
    @Override
    public OnnxDecodingState open(int[] promptTokens, Cancellation cancellation) {
        Objects.requireNonNull(cancellation, "cancellation");
        cancellation.throwIfCancelled();
        return openState(promptTokens, cancellation);
    }

    private OnnxDecodingState openState(int[] promptTokens, Cancellation cancellation) {
        validate(promptTokens, "prompt");
        register();
        try {
            return new OnnxDecodingState(this, promptTokens, cancellation);
        } catch (RuntimeException e) {
            unregister();
            throw e;
        }
    }

    @Override
    public BatchDecodingState openBatch(int[][] prompts) {
        return openBatchState(prompts, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A cancel during the batched prefill sets ONNX Runtime's terminate flag.
     */
    @Override
    public BatchDecodingState openBatch(int[][] prompts, Cancellation cancellation) {
        Objects.requireNonNull(cancellation, "cancellation");
        cancellation.throwIfCancelled();
        return openBatchState(prompts, cancellation);
    }

    private BatchDecodingState openBatchState(int[][] prompts, Cancellation cancellation) {
        if (prompts == null || prompts.length == 0) {
            throw new IllegalArgumentException("prompts: expected at least one prompt, got " + (prompts == null ? "null" : "0"));
        }
        for (int i = 0; i < prompts.length; i++) {
            validate(prompts[i], "prompt " + i);
        }
        register();
        try {
            return new OnnxBatchDecodingState(this, prompts, cancellation);
        } catch (RuntimeException e) {
            unregister();
            throw e;
        }
    }

    /**
     * {@inheritDoc}
     *
     * @return {@code max_position_embeddings} (or {@code n_positions}) from config.json, or
     *     {@link Integer#MAX_VALUE} when the config does not say
     */
    @Override
    public int maxPositions() {
        return config.maxPositions().orElse(Integer.MAX_VALUE);
    }

    void validate(int[] tokens, String what) {
        if (tokens == null || tokens.length == 0) {
            throw new IllegalArgumentException(what + ": expected at least one token, got " + (tokens == null ? "null" : "0"));
        }
        checkIds(tokens, what);
        checkLength(tokens.length);
    }

    void checkIds(int[] tokens, String what) {
        int v = vocabSize();
        for (int t : tokens) {
            if (t < 0 || t >= v) {
                throw new IllegalArgumentException(what + ": token id " + t + " is out of range [0, " + v + ")");
            }
        }
    }

    void checkLength(int length) {
        if (config.maxPositions().isPresent() && length > config.maxPositions().getAsInt()) {
            throw new IllegalArgumentException("sequence of " + length + " tokens exceeds the model's maximum of "
                    + config.maxPositions().getAsInt() + " positions (config.json max_position_embeddings)");
        }
    }

    /** Physical KV columns allowed before a state compacts by recomputation, or MAX_VALUE. */
    int maxColumns() {
        return config.maxPositions().orElse(Integer.MAX_VALUE);
    }

    private synchronized void register() {
        if (closed) {
            throw new IllegalStateException("source " + name() + " is closed");
        }
        openStates++;
    }

    synchronized void unregister() {
        openStates--;
    }

    OrtSession session() {
        return session;
    }

    OrtMemoryInfo cpuInfo() {
        return cpuInfo;
    }

    OrtMemoryInfo kvInfo() {
        return kvInfo;
    }

    Names names() {
        return names;
    }

    /** Whether a run showed that the graph returns only the last position's logits (not declared so). */
    boolean lastRowOnlyObserved() {
        return lastRowOnlyObserved;
    }

    void observeLastRowOnly() {
        if (!lastRowOnlyObserved) {
            lastRowOnlyObserved = true;
            LOG.log(System.Logger.Level.DEBUG, "{0} returns only the last position''s logits; multi-token appends "
                    + "run one token at a time", name());
        }
    }

    /** Whether states write the KV cache in place (GroupQueryAttention, host memory). */
    boolean kvInPlace() {
        return kvInPlace;
    }

    /**
     * Checks, on the first run of this source, that ORT put the KV cache where it was asked to:
     * binding "Cuda" memory on a session without the CUDA provider succeeds and silently lands on
     * CPU. A mismatch logs one warning, or (strict) fails this and every later run.
     */
    void checkPlacementOnce(long presentValue) {
        String error = placementError;
        if (error == null) {
            synchronized (placementChecked) {
                if (!placementChecked.get()) {
                    String want = kvInfo.name();
                    String got = OrtMemoryInfo.placementOf(MemorySegment.ofAddress(presentValue));
                    if (!want.equals(got)) {
                        placementError = "KV cache was bound to " + want + " memory but ORT placed it in " + got
                                + " memory";
                        if (!options.strict()) {
                            LOG.log(System.Logger.Level.WARNING, placementError + "; decoding continues there");
                        }
                    }
                    placementChecked.set(true);
                }
            }
            error = placementError;
        }
        if (error != null && options.strict()) {
            throw new EFTException(error + " (strict)");
        }
    }

    /**
     * Returns the number of states opened from this source and not yet closed.
     *
     * @return the open state count
     */
    public synchronized int openStates() {
        return openStates;
    }

    /**
     * Releases the session. Idempotent.
     *
     * @throws IllegalStateException if states opened from this source are still open
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        if (openStates > 0) {
            throw new IllegalStateException("source " + name() + " still has " + openStates
                    + " open decoding state(s); close them first");
        }
        closed = true;
        LIVE_SOURCES.decrementAndGet();
        if (kvInfo != cpuInfo) {
            kvInfo.close();
        }
        cpuInfo.close();
        session.close();
        arena.close();
    }

    /**
     * Returns the version of the loaded ONNX Runtime library.
     *
     * @return for example {@code "1.29.0"}
     */
    public static String runtimeVersion() {
        return OrtApi.version();
    }

    /**
     * Returns how many ONNX Runtime objects eft-onnx owns right now in this JVM (sessions, values,
     * bindings, run options, ...). It is 0 once every source and state is closed: soak tests and
     * applications that check for leaks read it.
     *
     * @return the number of live native objects
     */
    public static long liveNativeObjects() {
        return io.github.eft4j.onnx.NativeHandle.liveCount();
    }
}
