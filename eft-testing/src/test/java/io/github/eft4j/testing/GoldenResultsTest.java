package io.github.eft4j.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.combine.CoefficientSchedule;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.Prompt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A golden file passes on the same results and fails, naming the case, on changed ones. */
class GoldenResultsTest {
    @TempDir
    Path dir;

    private static GoldenResults record() {
        EFTSpec spec = EFTSpec.upscale();
        EFTDecoder.Builder b = EFTDecoder.builder(spec);
        for (int i = 0; i < 3; i++) {
            b.source(spec.names().get(i), SyntheticLogitSource.builder("s" + i, 40).familySeed(5).ownSeed(10 + i)
                    .ownWeight(0.4).build());
        }
        EFTDecoder d = b.build();
        Prompt p = Prompt.of(3, 1, 4);
        GenerationResult r = d.generate(p, GenerationConfig.builder().maxNewTokens(12).trace(true).build());
        GoldenResults g = new GoldenResults();
        g.add("greedy", r);
        g.add("score", d.score(p, r.tokens(), (CoefficientSchedule) null));
        return g;
    }

    private Path write(String header, List<String> lines) throws IOException {
        List<String> all = new ArrayList<>();
        all.add(header);
        all.addAll(lines);
        Path f = dir.resolve("golden.txt");
        Files.write(f, all);
        return f;
    }

    @Test
    void theSameResultsPassBitForBitUnderTheirSignature() throws IOException {
        List<String> lines = record().lines();
        Path f = write("# kernels sig-a", lines);
        assertDoesNotThrow(() -> record().check(f, "sig-a"));
    }

    @Test
    void aChangedIdFailsAndNamesTheCase() throws IOException {
        List<String> lines = new ArrayList<>(record().lines());
        String[] fields = lines.get(0).split("\\|", -1);
        String ids = fields[2];
        int comma = ids.indexOf(',');
        fields[2] = (Integer.parseInt(ids.substring(0, comma)) + 1) + ids.substring(comma);
        lines.set(0, String.join("|", fields));
        Path f = write("# kernels sig-a", lines);
        AssertionError bitExact = assertThrows(AssertionError.class, () -> record().check(f, "sig-a"));
        assertTrue(bitExact.getMessage().contains("golden line 1"), bitExact.getMessage());
        AssertionError tolerant = assertThrows(AssertionError.class, () -> record().check(f, "sig-b"));
        assertTrue(tolerant.getMessage().startsWith("golden case greedy: field 2"), tolerant.getMessage());
    }

    @Test
    void underAnotherSignatureFloatsMayMoveWithinTheTolerance() throws IOException {
        List<String> lines = record().lines();
        Path near = write("# kernels sig-a", shiftFirstFloat(lines, 1e-6f));
        assertDoesNotThrow(() -> record().check(near, "sig-b"));
        assertThrows(AssertionError.class, () -> record().check(near, "sig-a"), "bit-exact under the same signature");
        Path far = write("# kernels sig-a", shiftFirstFloat(lines, 1e-2f));
        AssertionError e = assertThrows(AssertionError.class, () -> record().check(far, "sig-b"));
        assertTrue(e.getMessage().contains("vs recorded"), e.getMessage());
    }

    @Test
    void aMissingFileOrAMissingCaseFails() throws IOException {
        Path missing = dir.resolve("none.txt");
        AssertionError e = assertThrows(AssertionError.class, () -> record().check(missing, "sig-a"));
        assertTrue(e.getMessage().contains("EFT4J_WRITE_GOLDENS=1"), e.getMessage());
        Path shorter = write("# kernels sig-a", record().lines().subList(0, 1));
        AssertionError count = assertThrows(AssertionError.class, () -> record().check(shorter, "sig-a"));
        assertTrue(count.getMessage().startsWith("number of golden cases"), count.getMessage());
    }

    /** Moves the first float of the first line's trace (the first hex field ending in f) by rel × max(1, |x|). */
    private static List<String> shiftFirstFloat(List<String> lines, float rel) {
        List<String> out = new ArrayList<>(lines);
        String line = out.get(0);
        String trace = line.substring(line.lastIndexOf('|') + 1);
        String[] parts = trace.split(":", -1);
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (p.endsWith("f") && p.length() > 1 && p.substring(0, p.length() - 1).matches("[0-9a-f]+")) {
                float x = Float.intBitsToFloat((int) Long.parseLong(p.substring(0, p.length() - 1), 16));
                float y = x + rel * Math.max(1, Math.abs(x));
                assertTrue(y != x, "the shift must change the float");
                parts[i] = Integer.toHexString(Float.floatToRawIntBits(y)) + "f";
                break;
            }
        }
        out.set(0, line.substring(0, line.lastIndexOf('|') + 1) + String.join(":", parts));
        return out;
    }
}
