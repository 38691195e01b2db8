package io.github.eft4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
 * (A copy of eft-core's test helper of the same name: test classes do not cross modules.)
 * A golden file of decoder outputs: one line per case, token ids and finish reason exact, every
 * float as its raw bits (hex). Lines are compared bit for bit when the file was recorded with
 * the same kernels (the header's signature); with other kernels (another vector width sums in
 * another order) ids must still match exactly and floats within {@link #TOLERANCE}.
 * {@code EFT4J_WRITE_GOLDENS=1} rewrites the file instead of comparing (then review the diff).
 */
final class GoldenRecord {
    /** Relative tolerance of the float comparison across kernel signatures. */
    static final double TOLERANCE = 1e-4;

    private final List<String> lines = new ArrayList<>();

    void add(String name, GenerationResult r) {
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

    void add(String name, ScoreResult r) {
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

    /** Compares with (or, with EFT4J_WRITE_GOLDENS=1, writes) the file. */
    void check(Path file, String signature) throws IOException {
        String header = "# kernels " + signature;
        if ("1".equals(System.getenv("EFT4J_WRITE_GOLDENS"))) {
            List<String> out = new ArrayList<>();
            out.add(header);
            out.addAll(lines);
            Files.createDirectories(file.getParent());
            Files.write(file, out);
            return;
        }
        assertTrue(Files.isRegularFile(file), "golden file missing: " + file.toAbsolutePath()
                + " (record it with EFT4J_WRITE_GOLDENS=1 on the code it should pin)");
        List<String> want = Files.readAllLines(file);
        boolean exact = want.get(0).equals(header);
        assertEquals(want.size() - 1, lines.size(), "number of golden cases");
        for (int i = 0; i < lines.size(); i++) {
            String w = want.get(i + 1);
            String g = lines.get(i);
            if (exact) {
                assertEquals(w, g, "golden line " + (i + 1) + " (bit-exact: same kernels as recorded)");
            } else {
                compareTolerant(w, g);
            }
        }
    }

    /** Everything but floats exact; floats (hex bits ending in f or d) within the tolerance. */
    private static void compareTolerant(String want, String got) {
        String[] a = want.split("[|,;:=]", -1);
        String[] b = got.split("[|,;:=]", -1);
        assertEquals(a.length, b.length, "shape of golden line " + a[0]);
        for (int i = 0; i < a.length; i++) {
            if (a[i].endsWith("f") && b[i].endsWith("f") && a[i].length() > 1 && isHex(a[i]) && isHex(b[i])) {
                near(Float.intBitsToFloat((int) Long.parseLong(a[i].substring(0, a[i].length() - 1), 16)),
                        Float.intBitsToFloat((int) Long.parseLong(b[i].substring(0, b[i].length() - 1), 16)), a[0]);
            } else if (a[i].endsWith("d") && b[i].endsWith("d") && a[i].length() > 1 && isHex(a[i]) && isHex(b[i])) {
                near(Double.longBitsToDouble(Long.parseUnsignedLong(a[i].substring(0, a[i].length() - 1), 16)),
                        Double.longBitsToDouble(Long.parseUnsignedLong(b[i].substring(0, b[i].length() - 1), 16)), a[0]);
            } else if (!a[i].equals(b[i])) {
                fail("golden case " + a[0] + ": field " + i + " is " + b[i] + ", recorded " + a[i]);
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
        assertTrue(Math.abs(want - got) <= TOLERANCE * Math.max(1, Math.abs(want)),
                "golden case " + name + ": " + got + " vs recorded " + want);
    }
}
