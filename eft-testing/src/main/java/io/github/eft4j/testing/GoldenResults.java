package io.github.eft4j.testing;

import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.ScoreResult;
import io.github.eft4j.decoder.SpeculativeStats;
import io.github.eft4j.decoder.TokenTrace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A golden file of decoder results, for tests that pin what a decoding setup produces across
 * changes: one line per case with the token ids, finish reason, forward passes and speculative
 * counts exact and every float of the trace as its raw bits (hex). Lines are compared bit for bit
 * when the file was recorded with the same kernels (the header's signature, for example the
 * kernels' name and the ONNX Runtime version); with other kernels (another vector width sums in
 * another order) everything but the floats must still match exactly and the floats within
 * {@link #TOLERANCE}. With the environment variable {@code EFT4J_WRITE_GOLDENS=1},
 * {@link #check} writes the file instead of comparing (then review the diff).
 *
 * <pre>{@code
 * GoldenResults g = new GoldenResults();
 * g.add("greedy", decoder.generate(prompt, config));
 * g.check(Path.of("src/test/resources/golden.txt"), "ort 1.29.0 amd64 avx512f"); // what decides the last bits
 * }</pre>
 *
 * Failures are {@link AssertionError}s, which every test framework reports as failures.
 */
public final class GoldenResults {
    /** Relative tolerance of the float comparison across kernel signatures. */
    public static final double TOLERANCE = 1e-4;

    private final List<String> lines = new ArrayList<>();

    /** An empty record. */
    public GoldenResults() {
    }

    /**
     * Adds a generation as one case. Record traces ({@code GenerationConfig} with traces on) to
     * pin the probabilities as well as the ids.
     *
     * @param name the case's name, unique in the file, without {@code |}
     * @param r the result
     */
    public void add(String name, GenerationResult r) {
        StringBuilder sb = new StringBuilder(name).append('|').append(r.finishReason()).append('|');
        ids(sb, r.tokens());
        sb.append('|');
        for (Map.Entry<String, Long> e : r.forwardPasses().entrySet()) {
            sb.append(e.getKey()).append('=').append(e.getValue()).append(',');
        }
        sb.append('|');
        SpeculativeStats st = r.speculative();
        sb.append(st == null ? "-" : st.blocks() + "," + st.draftsProposed() + "," + st.draftsAccepted());
        sb.append('|');
        trace(sb, r.trace());
        lines.add(sb.toString());
    }

    /** The lines recorded so far (for tests of this class). */
    List<String> lines() {
        return List.copyOf(lines);
    }

    /**
     * Adds a scoring result as one case.
     *
     * @param name the case's name, unique in the file, without {@code |}
     * @param r the result
     */
    public void add(String name, ScoreResult r) {
        StringBuilder sb = new StringBuilder(name).append("|SCORE|");
        sb.append(Long.toHexString(Double.doubleToRawLongBits(r.totalLogProb()))).append("d|-|-|");
        trace(sb, r.tokens());
        lines.add(sb.toString());
    }

    private static void ids(StringBuilder sb, int[] ids) {
        for (int i = 0; i < ids.length; i++) {
            sb.append(i == 0 ? "" : ",").append(ids[i]);
        }
    }

    private static void trace(StringBuilder sb, List<TokenTrace> trace) {
        for (TokenTrace t : trace) {
            sb.append(t.position()).append(':').append(t.token()).append(':').append(t.origin()).append(':')
                    .append(t.rejectedDraft());
            sb.append(':').append(bits(t.combinedLogProb())).append(':').append(bits(t.sampledLogProb()))
                    .append(':').append(bits(t.implicitReward()));
            for (float c : t.componentLogProbs()) {
                sb.append(':').append(bits(c));
            }
            sb.append(';');
        }
    }

    private static String bits(float f) {
        return Integer.toHexString(Float.floatToRawIntBits(f)) + "f";
    }

    /**
     * Compares the cases added so far with the file, in order; with {@code EFT4J_WRITE_GOLDENS=1}
     * writes them to it instead.
     *
     * @param file the golden file
     * @param signature what decides bit-exactness, written in the file's header: the same
     *     signature compares bit for bit, another one within {@link #TOLERANCE}
     * @throws IOException if the file cannot be read or written
     * @throws AssertionError if the file is missing or a case differs
     */
    public void check(Path file, String signature) throws IOException {
        String header = "# kernels " + signature;
        if ("1".equals(System.getenv("EFT4J_WRITE_GOLDENS"))) {
            List<String> out = new ArrayList<>();
            out.add(header);
            out.addAll(lines);
            Files.createDirectories(file.getParent());
            Files.write(file, out);
            return;
        }
        check(Files.isRegularFile(file), "golden file missing: " + file.toAbsolutePath()
                + " (record it with EFT4J_WRITE_GOLDENS=1 on the code it should pin)");
        List<String> want = Files.readAllLines(file);
        boolean exact = want.get(0).equals(header);
        same(want.size() - 1, lines.size(), "number of golden cases");
        for (int i = 0; i < lines.size(); i++) {
            String w = want.get(i + 1);
            String g = lines.get(i);
            if (exact) {
                same(w, g, "golden line " + (i + 1) + " (bit-exact: same kernels as recorded)");
            } else {
                compareTolerant(w, g);
            }
        }
    }

    /** Everything but floats exact; floats (hex bits ending in f or d) within the tolerance. */
    private static void compareTolerant(String want, String got) {
        String[] a = want.split("[|,;:=]", -1);
        String[] b = got.split("[|,;:=]", -1);
        same(a.length, b.length, "shape of golden line " + a[0]);
        for (int i = 0; i < a.length; i++) {
            if (a[i].endsWith("f") && b[i].endsWith("f") && a[i].length() > 1 && isHex(a[i]) && isHex(b[i])) {
                near(Float.intBitsToFloat((int) Long.parseLong(a[i].substring(0, a[i].length() - 1), 16)),
                        Float.intBitsToFloat((int) Long.parseLong(b[i].substring(0, b[i].length() - 1), 16)), a[0]);
            } else if (a[i].endsWith("d") && b[i].endsWith("d") && a[i].length() > 1 && isHex(a[i]) && isHex(b[i])) {
                near(Double.longBitsToDouble(Long.parseUnsignedLong(a[i].substring(0, a[i].length() - 1), 16)),
                        Double.longBitsToDouble(Long.parseUnsignedLong(b[i].substring(0, b[i].length() - 1), 16)), a[0]);
            } else if (!a[i].equals(b[i])) {
                throw new AssertionError("golden case " + a[0] + ": field " + i + " is " + b[i] + ", recorded " + a[i]);
            }
        }
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length() - 1; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static void near(double want, double got, String name) {
        if (Double.compare(want, got) == 0) {
            return;
        }
        check(Math.abs(want - got) <= TOLERANCE * Math.max(1, Math.abs(want)),
                "golden case " + name + ": " + got + " vs recorded " + want);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }

    private static void same(Object want, Object got, String message) {
        if (!want.equals(got)) {
            throw new AssertionError(message + " ==> expected: <" + want + "> but was: <" + got + ">");
        }
    }
}
