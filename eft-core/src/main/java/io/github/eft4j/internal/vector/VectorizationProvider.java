package io.github.eft4j.internal.vector;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Optional;

/**
 * Chooses the {@link VectorKernels} once per JVM, the way Lucene's {@code VectorizationProvider}
 * does. Panama is used only when the module {@code jdk.incubator.vector} is in the boot layer,
 * the C2 compiler is on (the Vector API is slower than scalar code without it), and the preferred
 * vector is at least 128 bits wide. Otherwise one WARNING names the reason (and, when the module
 * is missing, the flag {@value #FLAG}) and the scalar kernels are used.
 *
 * <p>The system property {@value #PROPERTY} = {@code scalar} or {@code panama} forces a choice;
 * {@code panama} when Panama is unavailable logs a WARNING with the reason and falls back to
 * scalar rather than failing the application.
 *
 * <pre>{@code
 * VectorKernels k = VectorizationProvider.kernels();
 * float lse = k.logSumExp(row, vocabSize);
 * }</pre>
 */
public final class VectorizationProvider {

    /** The system property that forces {@code scalar} or {@code panama}. */
    public static final String PROPERTY = "eft4j.vectorization";
    /** The JVM flag that enables the Panama kernels. */
    public static final String FLAG = "--add-modules jdk.incubator.vector";

    private static final System.Logger LOG = System.getLogger(VectorizationProvider.class.getName());
    private static final String PANAMA_CLASS = "io.github.eft4j.internal.vector.PanamaKernels";

    private VectorizationProvider() {
    }

    /**
     * Returns the kernels chosen for this JVM.
     *
     * @return the Panama kernels when usable, else the scalar ones
     */
    public static VectorKernels kernels() {
        return Holder.INSTANCE;
    }

    /**
     * Returns the scalar kernels regardless of the choice (tests, benchmarks).
     *
     * @return the scalar kernels
     */
    public static VectorKernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    /**
     * Returns the Panama kernels if this JVM can run them, without logging (tests, benchmarks).
     *
     * @return the Panama kernels, or empty with {@link #panamaUnavailableReason()} non-empty
     */
    public static Optional<VectorKernels> panama() {
        return Optional.ofNullable(PanamaHolder.INSTANCE);
    }

    /**
     * Says why Panama cannot be used in this JVM.
     *
     * @return the reason, or empty when Panama is usable
     */
    public static Optional<String> panamaUnavailableReason() {
        return Optional.ofNullable(PanamaHolder.REASON);
    }

    private static final class PanamaHolder {
        static final String REASON;
        static final VectorKernels INSTANCE;

        static {
            String reason = probe();
            VectorKernels k = null;
            if (reason == null) {
                try {
                    // By name, so that the scalar path never links against jdk.incubator.vector.
                    Class<?> cls = MethodHandles.lookup().findClass(PANAMA_CLASS);
                    k = (VectorKernels) MethodHandles.lookup()
                            .findConstructor(cls, MethodType.methodType(void.class)).invoke();
                    int bits = (int) MethodHandles.lookup()
                            .findStatic(cls, "vectorBitSize", MethodType.methodType(int.class)).invoke();
                    if (bits < 128) {
                        reason = "the preferred vector size is " + bits + " bits; Panama needs at least 128";
                        k = null;
                    }
                } catch (Throwable t) {
                    reason = "loading " + PANAMA_CLASS + " failed: " + t;
                    k = null;
                }
            }
            REASON = reason;
            INSTANCE = k;
        }

        /** Returns why Panama is unusable, or null. */
        private static String probe() {
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                return "the module jdk.incubator.vector is not in the boot layer";
            }
            String vmName = System.getProperty("java.vm.name", "");
            if (!vmName.contains("HotSpot") && !vmName.contains("OpenJDK")) {
                return "the JVM '" + vmName + "' is not HotSpot";
            }
            String vmInfo = System.getProperty("java.vm.info", "");
            if (vmInfo.contains("interpreted mode") || vmInfo.contains("emulated-client")) {
                return "the C2 compiler is off (java.vm.info: " + vmInfo + ")";
            }
            for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (arg.startsWith("-XX:TieredStopAtLevel=") && !arg.endsWith("=4")) {
                    return "the C2 compiler is off (" + arg + ")";
                }
                if (arg.equals("-XX:-UseCompiler") || arg.equals("-Xint")) {
                    return "the JIT compiler is off (" + arg + ")";
                }
            }
            return null;
        }
    }

    private static final class Holder {
        static final VectorKernels INSTANCE = choose(System.getProperty(PROPERTY, ""));
    }

    /**
     * Applies the selection rule for a property value.
     *
     * @param forced the value of {@value #PROPERTY}: empty, {@code scalar} or {@code panama}
     * @return the kernels to use
     */
    static VectorKernels choose(String forced) {
        String f = forced.trim().toLowerCase(Locale.ROOT);
        switch (f) {
            case "scalar" -> {
                LOG.log(System.Logger.Level.DEBUG, "eft4j: scalar kernels forced by -D" + PROPERTY + "=scalar");
                return ScalarKernels.INSTANCE;
            }
            case "", "panama" -> {
                if (PanamaHolder.INSTANCE != null) {
                    LOG.log(System.Logger.Level.DEBUG, "eft4j: using " + PanamaHolder.INSTANCE.name() + " kernels");
                    return PanamaHolder.INSTANCE;
                }
                LOG.log(System.Logger.Level.WARNING, "eft4j: Vector API kernels unavailable ("
                        + PanamaHolder.REASON + ")" + (f.isEmpty() ? "" : " although -D" + PROPERTY + "=panama was given")
                        + "; using the slower scalar kernels. Pass " + FLAG + " to the JVM for the fast path.");
                return ScalarKernels.INSTANCE;
            }
            default -> {
                LOG.log(System.Logger.Level.WARNING, "eft4j: ignoring -D" + PROPERTY + "=" + forced
                        + " (expected scalar or panama)");
                return choose("");
            }
        }
    }
}
