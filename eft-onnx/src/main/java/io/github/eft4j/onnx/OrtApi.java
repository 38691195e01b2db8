package io.github.eft4j.onnx;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The slice of ONNX Runtime's C API ({@code OrtApi}, {@code onnxruntime_c_api.h}) that a decode
 * loop needs, reached through FFM downcalls into the {@code libonnxruntime.so} that the official
 * Java package loads. The library is loaded once per JVM by {@link OrtStartup}: the official
 * package's own loader ({@code ai.onnxruntime.OrtEnvironment}'s static initialiser, which
 * {@code System.load}s the library without creating an environment), pointed at the
 * {@link NativeLibraryCache}, run on a large-stack thread with ORT's telemetry turned off; then
 * {@code OrtGetApiBase} is found with {@link java.lang.foreign.SymbolLookup#loaderLookup()}.
 *
 * <p>The {@code OrtApi} struct is a table of function pointers that only ever grows; each handle
 * below is read from its slot index, counted in the header of ORT 1.13 (API 13, where every slot
 * used here already existed, except 151, counted in the 1.29 header) and checked against slots
 * measured in 1.29.0 (51, 68, 133, 134, 136, 137, 138, 140, 194, 204; 5, 6 and 121 from the
 * official JNI library's calls). Every function that returns an {@code OrtStatus*} goes through
 * {@link #check}, which turns a non-null status into an {@link OrtStatusException} with ORT's code
 * and message and releases the status.
 */
final class OrtApi {
    /** The C API version this code was written against (onnxruntime 1.29.0). */
    public static final int API_VERSION = 29;

    /** {@code ONNXTensorElementDataType} values used here. */
    public static final int FLOAT = 1, INT32 = 6, INT64 = 7, BOOL = 9, FLOAT16 = 10, DOUBLE = 11, BFLOAT16 = 16;
    /** {@code ONNXType} tensor. */
    public static final int ONNX_TYPE_TENSOR = 1;
    /** {@code OrtAllocatorType}. */
    public static final int DEVICE_ALLOCATOR = 0, ARENA_ALLOCATOR = 1;
    /** {@code OrtMemType} default. */
    public static final int MEM_TYPE_DEFAULT = 0;

    static final AddressLayout A = ValueLayout.ADDRESS;
    static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong J = ValueLayout.JAVA_LONG;
    /** A pointer that may be dereferenced as a C string or an array: unbounded. */
    public static final AddressLayout PTR = ValueLayout.ADDRESS.withTargetLayout(
            java.lang.foreign.MemoryLayout.sequenceLayout(Long.MAX_VALUE, ValueLayout.JAVA_BYTE));

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemorySegment API;
    private static final String VERSION;

    // OrtStatus
    static final MethodHandle CREATE_STATUS, GET_ERROR_CODE, GET_ERROR_MESSAGE, RELEASE_STATUS;
    // environment, session options, CUDA provider options
    static final MethodHandle CREATE_ENV_WITH_GLOBAL_THREAD_POOLS, CREATE_ENV_WITH_CUSTOM_LOGGER_AND_GLOBAL_THREAD_POOLS,
            DISABLE_TELEMETRY_EVENTS, CREATE_THREADING_OPTIONS,
            RELEASE_THREADING_OPTIONS, SET_GLOBAL_INTRA_OP_NUM_THREADS, SET_GLOBAL_INTER_OP_NUM_THREADS,
            SET_GLOBAL_SPIN_CONTROL, CREATE_SESSION_OPTIONS, RELEASE_SESSION_OPTIONS, SET_GRAPH_OPTIMIZATION_LEVEL,
            SET_INTRA_OP_NUM_THREADS, SET_INTER_OP_NUM_THREADS, DISABLE_PER_SESSION_THREADS, ADD_SESSION_CONFIG_ENTRY,
            APPEND_CUDA_V2, CREATE_CUDA_PROVIDER_OPTIONS, UPDATE_CUDA_PROVIDER_OPTIONS, RELEASE_CUDA_PROVIDER_OPTIONS,
            GET_AVAILABLE_PROVIDERS, RELEASE_AVAILABLE_PROVIDERS;
    // session and introspection
    static final MethodHandle CREATE_SESSION, RELEASE_SESSION, SESSION_GET_INPUT_COUNT, SESSION_GET_OUTPUT_COUNT,
            SESSION_GET_INPUT_NAME, SESSION_GET_OUTPUT_NAME, SESSION_GET_INPUT_TYPE_INFO, SESSION_GET_OUTPUT_TYPE_INFO,
            GET_ONNX_TYPE_FROM_TYPE_INFO, CAST_TYPE_INFO_TO_TENSOR_INFO, GET_TENSOR_ELEMENT_TYPE, GET_DIMENSIONS_COUNT,
            GET_DIMENSIONS, GET_SYMBOLIC_DIMENSIONS, RELEASE_TYPE_INFO;
    // memory, allocator, values
    static final MethodHandle CREATE_MEMORY_INFO, CREATE_CPU_MEMORY_INFO, MEMORY_INFO_GET_NAME, MEMORY_INFO_GET_ID,
            RELEASE_MEMORY_INFO, GET_ALLOCATOR_WITH_DEFAULT_OPTIONS, ALLOCATOR_FREE, GET_TENSOR_MEMORY_INFO;
    // run, run options, IoBinding
    static final MethodHandle RUN, CREATE_RUN_OPTIONS, RELEASE_RUN_OPTIONS, RUN_OPTIONS_SET_TERMINATE,
            RUN_OPTIONS_UNSET_TERMINATE, CREATE_IO_BINDING, RELEASE_IO_BINDING;

    // Hot-path functions: pointers passed as 64-bit integers (on the 64-bit platforms ORT ships for,
    // x86-64 and AArch64, both go in the same integer registers), so a decode step creates no
    // MemorySegment objects.
    static final MethodHandle J_RUN_WITH_BINDING, J_BIND_INPUT, J_BIND_OUTPUT, J_BIND_OUTPUT_TO_DEVICE, J_GET_BOUND_OUTPUT_VALUES,
            J_CLEAR_BOUND_INPUTS, J_CLEAR_BOUND_OUTPUTS, J_CREATE_TENSOR_WITH_DATA, J_GET_TENSOR_MUTABLE_DATA,
            J_RELEASE_VALUE, J_ALLOCATOR_FREE, J_GET_TENSOR_TYPE_AND_SHAPE, J_GET_TENSOR_SHAPE_ELEMENT_COUNT,
            J_RELEASE_TENSOR_TYPE_AND_SHAPE_INFO;

    private static final MemorySegment DEFAULT_ALLOCATOR;

    static {
        // loads the library on a large-stack thread with telemetry off (see OrtStartup)
        OrtStartup.Loaded loaded = OrtStartup.load(API_VERSION);
        VERSION = loaded.version();
        API = loaded.api().reinterpret(8L * 512);
        CREATE_STATUS = fn(0, FunctionDescriptor.of(A, I, A));
        GET_ERROR_CODE = fn(1, FunctionDescriptor.of(I, A));
        GET_ERROR_MESSAGE = fn(2, FunctionDescriptor.of(PTR, A));
        DISABLE_TELEMETRY_EVENTS = status(6, A);
        CREATE_SESSION = status(7, A, A, A, A);
        RUN = status(9, A, A, A, A, J, A, J, A);
        CREATE_SESSION_OPTIONS = status(10, A);
        SET_GRAPH_OPTIMIZATION_LEVEL = status(23, A, I);
        SET_INTRA_OP_NUM_THREADS = status(24, A, I);
        SET_INTER_OP_NUM_THREADS = status(25, A, I);
        SESSION_GET_INPUT_COUNT = status(30, A, A);
        SESSION_GET_OUTPUT_COUNT = status(31, A, A);
        SESSION_GET_INPUT_TYPE_INFO = status(33, A, J, A);
        SESSION_GET_OUTPUT_TYPE_INFO = status(34, A, J, A);
        SESSION_GET_INPUT_NAME = status(36, A, J, A, A);
        SESSION_GET_OUTPUT_NAME = status(37, A, J, A, A);
        CREATE_RUN_OPTIONS = status(39, A);
        RUN_OPTIONS_SET_TERMINATE = status(46, A);
        RUN_OPTIONS_UNSET_TERMINATE = status(47, A);
        CAST_TYPE_INFO_TO_TENSOR_INFO = status(55, A, A);
        GET_ONNX_TYPE_FROM_TYPE_INFO = status(56, A, A);
        GET_TENSOR_ELEMENT_TYPE = status(60, A, A);
        GET_DIMENSIONS_COUNT = status(61, A, A);
        GET_DIMENSIONS = status(62, A, A, J);
        GET_SYMBOLIC_DIMENSIONS = status(63, A, A, J);
        CREATE_MEMORY_INFO = status(68, A, I, I, I, A);
        CREATE_CPU_MEMORY_INFO = status(69, I, I, A);
        MEMORY_INFO_GET_NAME = status(71, A, A);
        MEMORY_INFO_GET_ID = status(72, A, A);
        ALLOCATOR_FREE = status(76, A, A);
        GET_ALLOCATOR_WITH_DEFAULT_OPTIONS = status(78, A);
        RELEASE_STATUS = release(93);
        RELEASE_MEMORY_INFO = release(94);
        RELEASE_SESSION = release(95);
        RELEASE_RUN_OPTIONS = release(97);
        RELEASE_TYPE_INFO = release(98);
        RELEASE_SESSION_OPTIONS = release(100);
        CREATE_ENV_WITH_GLOBAL_THREAD_POOLS = status(119, I, A, A, A);
        DISABLE_PER_SESSION_THREADS = status(120, A);
        CREATE_THREADING_OPTIONS = status(121, A);
        RELEASE_THREADING_OPTIONS = release(122);
        GET_AVAILABLE_PROVIDERS = status(125, A, A);
        RELEASE_AVAILABLE_PROVIDERS = status(126, A, I);
        ADD_SESSION_CONFIG_ENTRY = status(130, A, A, A);
        CREATE_IO_BINDING = status(134, A, A);
        RELEASE_IO_BINDING = release(135);
        SET_GLOBAL_INTRA_OP_NUM_THREADS = status(147, A, I);
        SET_GLOBAL_INTER_OP_NUM_THREADS = status(148, A, I);
        SET_GLOBAL_SPIN_CONTROL = status(149, A, I);
        CREATE_ENV_WITH_CUSTOM_LOGGER_AND_GLOBAL_THREAD_POOLS = status(151, A, A, I, A, A, A);
        GET_TENSOR_MEMORY_INFO = status(194, A, A);
        APPEND_CUDA_V2 = status(204, A, A);
        CREATE_CUDA_PROVIDER_OPTIONS = status(205, A);
        UPDATE_CUDA_PROVIDER_OPTIONS = status(206, A, A, A, J);
        RELEASE_CUDA_PROVIDER_OPTIONS = release(208);
        J_RUN_WITH_BINDING = fn(133, FunctionDescriptor.of(J, J, J, J));
        J_BIND_INPUT = fn(136, FunctionDescriptor.of(J, J, J, J));
        J_BIND_OUTPUT = fn(137, FunctionDescriptor.of(J, J, J, J));
        J_BIND_OUTPUT_TO_DEVICE = fn(138, FunctionDescriptor.of(J, J, J, J));
        J_GET_BOUND_OUTPUT_VALUES = fn(140, FunctionDescriptor.of(J, J, J, J, J));
        J_CLEAR_BOUND_INPUTS = fn(141, FunctionDescriptor.ofVoid(J));
        J_CLEAR_BOUND_OUTPUTS = fn(142, FunctionDescriptor.ofVoid(J));
        J_CREATE_TENSOR_WITH_DATA = fn(49, FunctionDescriptor.of(J, J, J, J, J, J, I, J));
        J_GET_TENSOR_MUTABLE_DATA = fn(51, FunctionDescriptor.of(J, J, J));
        J_RELEASE_VALUE = fn(96, FunctionDescriptor.ofVoid(J));
        J_ALLOCATOR_FREE = fn(76, FunctionDescriptor.of(J, J, J));
        J_GET_TENSOR_SHAPE_ELEMENT_COUNT = fn(64, FunctionDescriptor.of(J, J, J));
        J_GET_TENSOR_TYPE_AND_SHAPE = fn(65, FunctionDescriptor.of(J, J, J));
        J_RELEASE_TENSOR_TYPE_AND_SHAPE_INFO = fn(99, FunctionDescriptor.ofVoid(J));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(A);
            check("GetAllocatorWithDefaultOptions", (MemorySegment) GET_ALLOCATOR_WITH_DEFAULT_OPTIONS.invokeExact(out));
            DEFAULT_ALLOCATOR = out.get(A, 0);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private OrtApi() {
    }

    private static MethodHandle fn(int slot, FunctionDescriptor fd) {
        return LINKER.downcallHandle(API.getAtIndex(A, slot), fd);
    }

    private static MethodHandle status(int slot, java.lang.foreign.MemoryLayout... args) {
        return fn(slot, FunctionDescriptor.of(A, args));
    }

    private static MethodHandle release(int slot) {
        return fn(slot, FunctionDescriptor.ofVoid(A));
    }

    /**
     * Returns the version string of the loaded library ({@code OrtApiBase::GetVersionString}).
     *
     * @return for example {@code "1.29.0"}
     */
    public static String version() {
        return VERSION;
    }

    /**
     * Returns ORT's default CPU allocator, used to free arrays and names ORT allocates for us.
     *
     * @return the allocator; never released
     */
    public static MemorySegment defaultAllocator() {
        return DEFAULT_ALLOCATOR;
    }

    /**
     * Throws if {@code status} is not null, after reading its code and message and releasing it.
     *
     * @param op the C function that returned the status, for the message
     * @param status the returned {@code OrtStatus*}
     * @throws OrtStatusException if the status is not null
     */
    public static void check(String op, MemorySegment status) {
        if (status.address() != 0) {
            throw toException(op, status);
        }
    }

    /**
     * Hot-path variant of {@link #check(String, MemorySegment)} for a status returned as an address.
     *
     * @param op the C function, for the message
     * @param status the {@code OrtStatus*} as a 64-bit address
     * @throws OrtStatusException if the status is not null
     */
    public static void check(String op, long status) {
        if (status != 0) {
            throw toException(op, MemorySegment.ofAddress(status));
        }
    }

    private static OrtStatusException toException(String op, MemorySegment status) {
        try {
            int code = (int) GET_ERROR_CODE.invokeExact(status);
            String msg = ((MemorySegment) GET_ERROR_MESSAGE.invokeExact(status)).getString(0);
            RELEASE_STATUS.invokeExact(status);
            return new OrtStatusException(op, code, msg);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot read OrtStatus of " + op, t);
        }
    }

    /**
     * Calls a status-returning C function that is not on a hot path.
     *
     * @param op the function name, for errors
     * @param mh its downcall handle
     * @param args its arguments
     * @throws OrtStatusException if ORT reports an error
     */
    static void call(String op, MethodHandle mh, Object... args) {
        MemorySegment st;
        try {
            st = (MemorySegment) mh.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(op + " failed", t);
        }
        check(op, st);
    }

    /**
     * Calls a {@code void Release*(ptr)} function; a null pointer is ignored.
     *
     * @param mh the release handle
     * @param ptr the object to release
     */
    static void release(MethodHandle mh, MemorySegment ptr) {
        if (ptr.address() == 0) {
            return;
        }
        try {
            mh.invokeExact(ptr);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Frees memory that ORT allocated with its default allocator (names, output arrays).
     *
     * @param p the pointer; null is ignored
     */
    public static void free(MemorySegment p) {
        if (p.address() == 0) {
            return;
        }
        MemorySegment st;
        try {
            st = (MemorySegment) ALLOCATOR_FREE.invokeExact(DEFAULT_ALLOCATOR, p);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        check("AllocatorFree", st);
    }

    /**
     * Round-trips an {@code OrtStatus} through {@code CreateStatus}/{@code GetErrorCode}/
     * {@code GetErrorMessage}/{@code ReleaseStatus}; used by tests to prove slots 0, 1, 2 and 93.
     *
     * @param code the error code
     * @param message the message
     * @return the exception {@link #check} builds from that status
     */
    public static OrtStatusException statusRoundTrip(int code, String message) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = (MemorySegment) CREATE_STATUS.invokeExact(code, a.allocateFrom(message));
            return toException("CreateStatus", st);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Returns the execution providers compiled into the loaded library
     * ({@code GetAvailableProviders}). A listed provider may still fail to load (CUDA without its
     * libraries).
     *
     * @return provider names such as {@code CUDAExecutionProvider}, {@code CPUExecutionProvider}
     */
    public static java.util.List<String> availableProviders() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(A);
            MemorySegment n = a.allocate(I);
            call("GetAvailableProviders", GET_AVAILABLE_PROVIDERS, out, n);
            int count = n.get(I, 0);
            MemorySegment arr = out.get(A, 0).reinterpret(8L * count);
            java.util.List<String> names = new java.util.ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                names.add(arr.getAtIndex(PTR, i).getString(0));
            }
            call("ReleaseAvailableProviders", RELEASE_AVAILABLE_PROVIDERS, out.get(A, 0), count);
            return java.util.List.copyOf(names);
        }
    }
}
