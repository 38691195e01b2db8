package io.github.eft4j.onnx;

import io.github.eft4j.BatchDecodingState;
import io.github.eft4j.EftException;
import io.github.eft4j.LogitSource;
import io.github.eft4j.onnx.internal.OrtApi;
import io.github.eft4j.onnx.internal.OrtEnv;
import io.github.eft4j.onnx.internal.OrtLog;
import io.github.eft4j.onnx.internal.OrtMemoryInfo;
import io.github.eft4j.onnx.internal.OrtSession;
import io.github.eft4j.onnx.internal.OrtSessionOptions;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link LogitSource} backed by an ONNX Runtime session on an exported decoder graph (HF optimum
 * layout, see {@link OnnxGraphLayout}), driven through ORT's C API with IoBinding so the KV cache
 * stays in the execution provider's memory between steps.
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
    record Names(long inputIds, long attentionMask, long positionIds, long useCacheBranch, long numLogitsToKeep,
            long logits, long[] pastNames, long[] presentNames) {
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
    private final Arena arena = Arena.ofShared();
    private final Names names;
    private static final java.util.concurrent.atomic.AtomicInteger LIVE_SOURCES =
            new java.util.concurrent.atomic.AtomicInteger();
    private static volatile boolean sharedPoolMissing;
    private static final AtomicBoolean CUDA_WARNED = new AtomicBoolean();

    private final AtomicBoolean placementChecked = new AtomicBoolean();
    private volatile String placementError;
    private int openStates;
    private boolean closed;

    private OnnxLogitSource(OnnxOptions options, boolean kvInCudaMemory) {
        this.options = options;
        Path model = options.model();
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("model file not found: " + model.toAbsolutePath()
                    + " (expected an .onnx file)");
        }
        Path dir = model.toAbsolutePath().getParent();
        this.config = configFor(dir);
        boolean cuda = options.provider() == ExecutionProvider.CUDA;
        OrtSession s = null;
        if (cuda) {
            StringBuilder ortLog = new StringBuilder();
            try {
                // ORT's own error lines (the library that failed to load) are folded into one message
                s = OrtLog.capturing(ortLog, () -> createSession(true));
            } catch (RuntimeException e) {
                String reason = cudaFailure(e, ortLog);
                if (options.strict()) {
                    arena.close();
                    throw new EftException("CUDA was requested strictly (device " + options.deviceId()
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
                s = createSession(false);
            }
            OnnxGraphLayout l = OnnxGraphLayout.discover(s.inputs(), s.outputs(), config);
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
        int n = 2 * layout.layers();
        long[] past = new long[n], present = new long[n];
        for (int i = 0; i < n; i++) {
            past[i] = name(layout.pastName(i));
            present[i] = name(layout.presentName(i));
        }
        this.names = new Names(name("input_ids"), name("attention_mask"), name("position_ids"),
                name("use_cache_branch"), name("num_logits_to_keep"), name("logits"), past, present);
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

    /**
     * Opens a source on a model file with default options (CPU, shared thread pool).
     *
     * @param model the {@code .onnx} file
     * @return the source
     * @throws IllegalArgumentException if the file does not exist
     * @throws EftException if ORT cannot load it or the graph layout is not supported
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
     * @throws EftException if ORT cannot load it, the graph layout is not supported, or CUDA was
     *     requested strictly and cannot be used ({@link OrtStatusException} carries ORT's code)
     */
    public static OnnxLogitSource open(OnnxOptions options) {
        return new OnnxLogitSource(options, false);
    }

    /**
     * Test hook: binds the KV outputs to "Cuda" memory on a CPU session, which ORT accepts and
     * silently places on CPU; the placement check must notice.
     */
    static OnnxLogitSource openWithKvBoundToCuda(OnnxOptions options) {
        return new OnnxLogitSource(options, true);
    }

    private long name(String s) {
        return arena.allocateFrom(s).address();
    }

    private OrtSession createSession(boolean cuda) {
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
                return createSession(cuda);
            }
            throw e;
        }
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

    @Override
    public OnnxDecodingState open(int[] promptTokens) {
        validate(promptTokens, "prompt");
        register();
        try {
            return new OnnxDecodingState(this, promptTokens);
        } catch (RuntimeException e) {
            unregister();
            throw e;
        }
    }

    @Override
    public BatchDecodingState openBatch(int[][] prompts) {
        if (prompts == null || prompts.length == 0) {
            throw new IllegalArgumentException("prompts: expected at least one prompt, got " + (prompts == null ? "null" : "0"));
        }
        for (int i = 0; i < prompts.length; i++) {
            validate(prompts[i], "prompt " + i);
        }
        register();
        try {
            return new OnnxBatchDecodingState(this, prompts);
        } catch (RuntimeException e) {
            unregister();
            throw e;
        }
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
            throw new EftException(error + " (strict)");
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
}
