package io.github.eft4j.onnx;

import io.github.eft4j.model.DecodingState;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Run in a child JVM by {@link StartupTest} (and {@code bench/startup-stress.sh}): start-up
 * scenarios that used to take the whole JVM down, so the parent sees an exit code instead of
 * dying with it. Prints {@code key=value} lines the parent checks.
 *
 * <pre>
 * ChildMain generate MODEL TOKENS       greedy decode TOKENS tokens after a 3-token prompt
 * ChildMain prefill MODEL LENGTH STACK  open a LENGTH-token prompt on a thread with a STACK-byte stack
 * ChildMain cuda MODEL SOURCES          open SOURCES sources asking for CUDA (non-strict)
 * </pre>
 *
 * Every mode then prints how many libraries are in ORT's own extraction directories under
 * {@code java.io.tmpdir} ({@code onnxruntime-java*}; none when the library cache is used) and
 * whether {@code onnxruntime.native.path} is still set.
 */
public final class ChildMain {
    private ChildMain() {
    }

    /**
     * Runs one scenario.
     *
     * @param args the mode and its arguments, see the class comment
     * @throws Exception on failure (non-zero exit)
     */
    public static void main(String[] args) throws Exception {
        System.out.println("pid=" + ProcessHandle.current().pid());
        Path model = Path.of(args[1]);
        switch (args[0]) {
            case "generate" -> generate(model, Integer.parseInt(args[2]));
            case "prefill" -> {
                int n = Integer.parseInt(args[2]);
                Throwable[] failure = new Throwable[1];
                Thread t = new Thread(null, () -> {
                    try {
                        prefill(model, n);
                    } catch (Throwable e) {
                        failure[0] = e;
                    }
                }, "small-stack", Long.parseLong(args[3]));
                t.start();
                t.join();
                if (failure[0] != null) {
                    throw new IllegalStateException(failure[0]);
                }
            }
            case "cuda" -> {
                for (int i = 0; i < Integer.parseInt(args[2]); i++) {
                    try (OnnxLogitSource src = OnnxLogitSource.open(OnnxOptions.builder(model).threads(1).cuda(0).build())) {
                        System.out.println("provider=" + src.provider());
                    }
                }
            }
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        System.out.println("nativePathProperty=" + System.getProperty("onnxruntime.native.path"));
        System.out.println("tmpLibraries=" + libraries(Path.of(System.getProperty("java.io.tmpdir"))));
        System.out.println("ok");
    }

    private static void generate(Path model, int n) {
        try (OnnxLogitSource src = OnnxLogitSource.open(OnnxOptions.builder(model).threads(1).build());
                DecodingState s = src.open(new int[] {1, 2, 3})) {
            float[] row = new float[src.vocabSize()];
            for (int i = 0; i < n; i++) {
                s.copyLogits(row);
                int best = 0;
                for (int v = 1; v < row.length; v++) {
                    best = row[v] > row[best] ? v : best;
                }
                s.append(best);
            }
            System.out.println("length=" + s.length());
        }
    }

    private static void prefill(Path model, int n) {
        int[] prompt = new java.util.Random(1).ints(n, 0, 64).toArray();
        try (OnnxLogitSource src = OnnxLogitSource.open(OnnxOptions.builder(model).threads(1).build());
                DecodingState s = src.open(prompt)) {
            s.append(5);
            System.out.println("length=" + s.length());
            System.out.println("finite=" + Float.isFinite(s.logits().getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 0)));
        }
    }

    /** Shared libraries in ORT's extraction directories ({@code onnxruntime-java*}) under {@code dir}. */
    static long libraries(Path dir) throws IOException {
        long n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "onnxruntime-java*")) {
            for (Path d : ds) {
                try (Stream<Path> s = Files.list(d)) {
                    n += s.filter(p -> {
                        String f = p.getFileName().toString();
                        return f.endsWith(".so") || f.endsWith(".dylib") || f.endsWith(".dll");
                    }).count();
                } catch (java.nio.file.NoSuchFileException | java.nio.file.AccessDeniedException e) {
                    // another process's directory in a shared temporary directory, gone or not ours
                }
            }
        }
        return n;
    }
}
