package io.github.eft4j.onnx;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Brings ONNX Runtime up once per JVM without the two ways its start-up can take the process down
 * or phone home.
 *
 * <p><b>Telemetry.</b> ONNX Runtime 1.29 on Linux starts a telemetry client when its first
 * environment is created: it reads {@code /proc/self/cmdline} onto the creating thread's stack
 * (about 256 stack bytes per command-line byte, so a JVM with a long class path or a long
 * {@code -D} option overflows a normal thread stack: SIGSEGV, no {@code hs_err} file), reads
 * {@code /etc/machine-id} and writes {@code /tmp/mat-debug-<pid>.log}. Before the library is
 * loaded, eft-onnx therefore sets {@code ORT_DISABLE_TELEMETRY=1} in the process environment
 * through the C library's {@code setenv} (only when the variable is not set at all: a user's
 * explicit value wins). This is the one process-wide change eft-onnx makes. The library is
 * loaded, and the environment created ({@link OrtEnv}), on a thread of their own whose stack is
 * sized from the command line ({@link #stackBytes()}), so the start-up survives even where the
 * user set {@code ORT_DISABLE_TELEMETRY=0}; {@code DisableTelemetryEvents} is called on the new
 * environment as well.
 *
 * <p><b>Native libraries.</b> See {@link NativeLibraryCache}: extracted once per user and version
 * instead of once per JVM.
 */
final class OrtStartup {
    private static final System.Logger LOG = System.getLogger("io.github.eft4j.onnx");
    private static final long MIN_STACK = 64L << 20;
    /** Generous: ORT needs about 256 stack bytes per command-line byte. */
    private static final long STACK_PER_CMDLINE_BYTE = 1024;
    private static final long MAX_STACK = 4L << 30;
    private static final String TELEMETRY_VARIABLE = "ORT_DISABLE_TELEMETRY";
    // not CSTR: this class runs while OrtApi's initialiser waits for it
    private static final java.lang.foreign.AddressLayout CSTR = ValueLayout.ADDRESS.withTargetLayout(
            java.lang.foreign.MemoryLayout.sequenceLayout(Long.MAX_VALUE, ValueLayout.JAVA_BYTE));

    /** What loading found: the {@code OrtApi*} table and the library's version string. */
    record Loaded(MemorySegment api, String version) {
    }

    private static Loaded loaded;

    private OrtStartup() {
    }

    /**
     * Loads the library (once) on a large-stack thread and returns the {@code OrtApi*} table of
     * {@code apiVersion}.
     */
    static synchronized Loaded load(int apiVersion) {
        if (loaded == null) {
            loaded = onLargeStack("eft4j-onnxruntime-load", () -> {
                try {
                    return loadHere(apiVersion);
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Throwable t) {
                    throw new IllegalStateException("cannot initialise the onnxruntime C API", t);
                }
            });
        }
        return loaded;
    }

    private static Loaded loadHere(int apiVersion) throws Throwable {
        disableTelemetryInEnvironment();
        ClassLoader cl = OrtStartup.class.getClassLoader();
        if (SymbolLookup.loaderLookup().find("OrtGetApiBase").isEmpty()) {
            Optional<Path> dir = NativeLibraryCache.prepare(cl);
            loadOfficial(cl, dir);
        }
        MemorySegment getApiBase = SymbolLookup.loaderLookup().find("OrtGetApiBase").orElseThrow(
                () -> new IllegalStateException("OrtGetApiBase not found in the loaded onnxruntime library"));
        Linker linker = Linker.nativeLinker();
        MemorySegment base = ((MemorySegment) linker.downcallHandle(getApiBase,
                FunctionDescriptor.of(ValueLayout.ADDRESS)).invokeExact()).reinterpret(16);
        MethodHandle getVersion = linker.downcallHandle(base.get(ValueLayout.ADDRESS, 8),
                FunctionDescriptor.of(CSTR));
        String version = ((MemorySegment) getVersion.invokeExact()).getString(0);
        MethodHandle getApi = linker.downcallHandle(base.get(ValueLayout.ADDRESS, 0),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        MemorySegment api = (MemorySegment) getApi.invokeExact(apiVersion);
        if (api.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("onnxruntime " + version + " does not provide C API version " + apiVersion
                    + "; eft-onnx needs onnxruntime 1.29.0 or newer");
        }
        return new Loaded(api, version);
    }

    /**
     * Runs the official package's loader ({@code ai.onnxruntime.OrtEnvironment}'s static
     * initialiser: extract, {@code System.load}, no environment). With a cache directory, the
     * loader's only switch, the system property {@code onnxruntime.native.path}, is set for the
     * duration of that initialiser and removed afterwards (the loader keeps the value it read).
     */
    private static void loadOfficial(ClassLoader cl, Optional<Path> dir) {
        String previous = null;
        boolean set = false;
        if (dir.isPresent()) {
            synchronized (System.getProperties()) {
                previous = System.getProperty(NativeLibraryCache.NATIVE_PATH);
                if (previous == null) {
                    System.setProperty(NativeLibraryCache.NATIVE_PATH, dir.get().toString());
                    set = true;
                }
            }
        }
        try {
            Class.forName("ai.onnxruntime.OrtEnvironment", true, cl);
        } catch (ClassNotFoundException | ExceptionInInitializerError | NoClassDefFoundError e) {
            throw new IllegalStateException("onnxruntime is not on the class path or cannot be loaded: add "
                    + "com.microsoft.onnxruntime:onnxruntime_gpu (or onnxruntime) 1.29.0 or newer", e);
        } finally {
            if (set) {
                System.clearProperty(NativeLibraryCache.NATIVE_PATH);
            }
        }
    }

    /**
     * Copies a provider library (e.g. {@code onnxruntime_providers_cuda}) into the per-user
     * library cache in use, if any, so the official loader finds it there instead of extracting
     * it into a temporary directory again.
     *
     * @param name the library's short name
     */
    public static void cacheProvider(String name) {
        OrtApi.version(); // loaded first: the cache directory is chosen then
        NativeLibraryCache.addProvider(name);
    }

    /**
     * Sets {@code ORT_DISABLE_TELEMETRY=1} in the C environment unless the variable exists
     * ({@code setenv(name, "1", 0)} leaves an existing value alone). Platforms without
     * {@code setenv} (Windows) are skipped: ORT's telemetry there is ETW and is turned off by
     * {@code DisableTelemetryEvents}.
     */
    static void disableTelemetryInEnvironment() {
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> setenv = linker.defaultLookup().find("setenv");
        Optional<MemorySegment> getenv = linker.defaultLookup().find("getenv");
        if (setenv.isEmpty() || getenv.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, "no setenv in the C library; ORT_DISABLE_TELEMETRY not set");
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment name = a.allocateFrom(TELEMETRY_VARIABLE);
            MethodHandle get = linker.downcallHandle(getenv.get(), FunctionDescriptor.of(CSTR, ValueLayout.ADDRESS));
            MemorySegment current = (MemorySegment) get.invokeExact(name);
            if (current.address() != 0) {
                LOG.log(System.Logger.Level.DEBUG, "{0} is set by the user to \"{1}\"; left alone", TELEMETRY_VARIABLE,
                        current.getString(0));
                return;
            }
            MethodHandle set = linker.downcallHandle(setenv.get(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            int rc = (int) set.invokeExact(name, a.allocateFrom("1"), 0);
            LOG.log(System.Logger.Level.DEBUG, "setenv {0}=1: {1}", TELEMETRY_VARIABLE, rc == 0 ? "done" : "failed");
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.DEBUG, "cannot set " + TELEMETRY_VARIABLE, t);
        }
    }

    /**
     * Returns the stack size for ORT's start-up thread: at least 64 MiB, and 1 KiB per byte of
     * this process's command line (four times what ORT's telemetry start-up was measured to
     * need), at most 4 GiB. Only address space is reserved; pages are touched as used.
     *
     * @return the stack size in bytes
     */
    public static long stackBytes() {
        long cmdline = 0;
        try {
            Path p = Path.of("/proc/self/cmdline");
            if (Files.isReadable(p)) {
                cmdline = Files.readAllBytes(p).length; // procfs reports size 0: read it
            }
        } catch (IOException | RuntimeException e) {
            cmdline = 0;
        }
        return Math.min(MAX_STACK, Math.max(MIN_STACK, cmdline * STACK_PER_CMDLINE_BYTE));
    }

    /**
     * Runs {@code task} on a new platform thread with a {@link #stackBytes() large stack} and
     * waits for it; its exception, if any, is rethrown here.
     *
     * @param <T> the result type
     * @param name the thread's name
     * @param task what to run
     * @return the task's result
     */
    static <T> T onLargeStack(String name, Callable<T> task) {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                result[0] = task.call();
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, name, stackBytes());
        t.setDaemon(true);
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // ORT's start-up cannot be abandoned half-way: finish, then re-assert
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable e = failure[0];
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e instanceof Error err) {
            throw err;
        }
        if (e != null) {
            throw new IllegalStateException("onnxruntime start-up failed", e);
        }
        @SuppressWarnings("unchecked")
        T r = (T) result[0];
        return r;
    }
}
