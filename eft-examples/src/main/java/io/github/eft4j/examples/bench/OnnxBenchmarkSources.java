package io.github.eft4j.examples.bench;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.model.LogitSource;
import io.github.eft4j.onnx.OnnxLogitSource;
import io.github.eft4j.onnx.OnnxOptions;
import io.github.eft4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * {@link SpeculativeBenchmark} models from ONNX graphs ({@code --factory
 * io.github.eft4j.examples.bench.OnnxBenchmarkSources}), EFT up-scaling with small-ft drafting.
 * Scenarios ({@code --scenarios}, comma separated, default all that can be built):
 * <ul>
 *   <li>{@code tiny-same}: the committed test graph {@code llama_gqa} (vocabulary 64, 2 layers,
 *       hidden 32) as all three models. The target equals the draft (acceptance 1) and every model
 *       costs the same: only the one-pass verification of a block can save time.</li>
 *   <li>{@code tiny-mixed}: committed graphs with independent random weights: {@code llama_gqa}
 *       large-base, {@code falcon_mqa} small-ft, {@code llama_nopos} small-base. Arbitrary
 *       acceptance, equal costs: an exactness run, not a speed-up case.</li>
 *   <li>{@code pad}, {@code near}, {@code rand}: graphs written at start-up into a temporary
 *       directory (deleted once the sessions are loaded) by
 *       {@code eft-examples/src/main/python/make_spec_graphs.py} with {@code /usr/bin/python3}
 *       (Debian torch 1.13, opset 17); vocabulary 64. small-ft = small-base = {@code small} (the
 *       shape of llama_gqa), so the EFT target is the large base's distribution. Large base:
 *       {@code pad} = small's weights plus {@code --pad-layers} (30) layers with zero output
 *       projections (the same function as the draft at a real cost ratio: the acceptance
 *       ceiling); {@code near} = the same with those projections random times {@code --near-eps}
 *       (0.3) (a target near the draft); {@code rand} = an independent 8-layer, hidden-256 Llama
 *       (a real cost ratio, arbitrary acceptance).</li>
 *   <li>{@code family}: the trained miniature family {@code --family DIR} (default
 *       {@code models/mini}) with its {@code {large-base,small-ft,small-base}/model.onnx}; base
 *       models get {@code The word "X" means}, small-ft gets {@code Q: What does "X" mean?\nA:},
 *       tokenized with {@code small-ft/tokenizer.json}; words from {@code --words}, else the
 *       held-out words of the family's {@code words.tsv} (never seen in Q/A format), else a fixed
 *       handful. Only in the report when the family is there, unless asked for.</li>
 * </ul>
 * Options: {@code --graphs DIR} (committed graphs, default {@code eft-onnx/src/test/resources/graphs}),
 * {@code --gen DIR} (use generated graphs already there instead of writing them), {@code --python},
 * {@code --threads N} (intra-op threads per source, default 1: ORT computes on the decoding
 * thread, so its CPU time is the whole cost), {@code --prompts} (4), {@code --prompt-len} (8).
 * The committed graphs allow 64 positions, so their scenarios cap the new tokens at
 * {@code 64 - prompt - 1}. The report header gives each graph's measured cost per forward pass.
 */
public final class OnnxBenchmarkSources implements BenchmarkSources {
    private static final List<String> ALL = List.of("tiny-same", "tiny-mixed", "pad", "near", "rand", "family");
    private static final List<String> DEFAULT_WORDS = List.of("river", "bread", "window", "garden", "letter", "winter");
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    private final List<String> costLines = new ArrayList<>();

    /** Creates the factory. */
    public OnnxBenchmarkSources() {
    }

    @Override
    public List<Scenario> scenarios(Map<String, String> o) {
        List<String> wanted = o.containsKey("scenarios") ? Arrays.asList(o.get("scenarios").split(",")) : ALL;
        for (String w : wanted) {
            if (!ALL.contains(w)) {
                throw new IllegalArgumentException("unknown scenario '" + w + "', expected one of " + ALL);
            }
        }
        Path graphs = Path.of(o.getOrDefault("graphs", "eft-onnx/src/test/resources/graphs"));
        Path family = Path.of(o.getOrDefault("family", "models/mini"));
        int threads = Integer.parseInt(o.getOrDefault("threads", "1"));
        int nPrompts = Integer.parseInt(o.getOrDefault("prompts", "4"));
        int promptLen = Integer.parseInt(o.getOrDefault("prompt-len", "8"));
        boolean familyPresent = Files.isRegularFile(family.resolve(EFTSpec.LARGE_BASE).resolve("model.onnx"));
        Map<String, OnnxLogitSource> open = new LinkedHashMap<>(); // one session per graph file, shared by scenarios
        List<Scenario> out = new ArrayList<>();
        Path tmp = null;
        try {
            Function<Path, OnnxLogitSource> source = p -> open.computeIfAbsent(p.toString(),
                    k -> OnnxLogitSource.open(OnnxOptions.builder(p).threads(threads).build()));
            if (wanted.contains("tiny-same") || wanted.contains("tiny-mixed")) {
                int tiny = Math.max(1, 64 - promptLen - 3 - 1); // 64 positions; small-ft sees 3 more prompt tokens
                List<Prompt> ps = randomPrompts(nPrompts, promptLen, 64);
                Path gqa = graphs.resolve("llama_gqa/model.onnx");
                if (wanted.contains("tiny-same")) {
                    out.add(scenario("tiny-same", source.apply(gqa), source.apply(gqa), source.apply(gqa), ps, tiny));
                }
                if (wanted.contains("tiny-mixed")) {
                    out.add(scenario("tiny-mixed", source.apply(gqa), source.apply(graphs.resolve("falcon_mqa/model.onnx")),
                            source.apply(graphs.resolve("llama_nopos/model.onnx")), ps, tiny));
                }
            }
            List<String> generated = wanted.stream().filter(List.of("pad", "near", "rand")::contains).toList();
            if (!generated.isEmpty()) {
                Path gen = o.containsKey("gen") ? Path.of(o.get("gen")) : (tmp = Files.createTempDirectory("eft4j-spec-graphs"));
                if (tmp != null) {
                    generate(gen, o);
                }
                List<Prompt> ps = randomPrompts(nPrompts, promptLen, 64);
                OnnxLogitSource small = source.apply(gen.resolve("small/model.onnx"));
                for (String g : generated) {
                    out.add(scenario(g, source.apply(gen.resolve("large_" + g + "/model.onnx")), small, small, ps, 0));
                }
            }
            boolean familyAsked = o.containsKey("family") || o.containsKey("scenarios") && wanted.contains("family");
            if (wanted.contains("family") && (familyPresent || familyAsked)) {
                out.addAll(familyScenario(family, source, o)); // a missing model fails here, naming the file
            } else if (wanted.contains("family")) {
                System.err.println("no family at " + family.toAbsolutePath() + ": family scenario skipped (--family DIR)");
            }
            measureCosts(open, promptLen);
        } catch (IOException e) {
            open.values().forEach(OnnxLogitSource::close);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            open.values().forEach(OnnxLogitSource::close);
            throw e;
        } finally {
            if (tmp != null) {
                deleteTree(tmp); // ORT has read the graphs into the sessions
            }
        }
        // Sessions are shared between scenarios: the last scenario's onClose closes them all.
        if (!out.isEmpty()) {
            Scenario last = out.removeLast();
            out.add(new Scenario(last.name(), last.spec(), last.sources(), last.vocabSize(), last.prompts(),
                    last.draftComponent(), () -> open.values().forEach(OnnxLogitSource::close), last.maxNewTokens()));
        }
        return out;
    }

    private static Scenario scenario(String name, LogitSource large, LogitSource ft, LogitSource base, List<Prompt> prompts,
            int maxNewTokens) {
        Map<String, LogitSource> m = new LinkedHashMap<>();
        m.put(EFTSpec.LARGE_BASE, large);
        m.put(EFTSpec.SMALL_FT, ft);
        m.put(EFTSpec.SMALL_BASE, base);
        return new Scenario(name, EFTSpec.upscale(), m, -1, prompts, EFTSpec.SMALL_FT, () -> { }, maxNewTokens);
    }

    /** Random base prompts; small-ft sees three more tokens in front (a stand-in for a chat template). */
    private static List<Prompt> randomPrompts(int n, int len, int vocab) {
        SplittableRandom r = new SplittableRandom(42);
        List<Prompt> ps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] base = r.ints(len, 3, vocab).toArray();
            int[] chat = new int[len + 3];
            chat[0] = 1;
            chat[1] = vocab - 1;
            chat[2] = vocab - 2;
            System.arraycopy(base, 0, chat, 3, len);
            ps.add(Prompt.of(base).with(EFTSpec.SMALL_FT, chat));
        }
        return ps;
    }

    private static List<Scenario> familyScenario(Path dir, Function<Path, OnnxLogitSource> source, Map<String, String> o)
            throws IOException {
        Tokenizer tok = Tokenizer.fromFile(dir.resolve(EFTSpec.SMALL_FT).resolve("tokenizer.json"));
        List<String> words = o.containsKey("words") ? Arrays.asList(o.get("words").split(",")) : familyWords(dir);
        int n = Integer.parseInt(o.getOrDefault("prompts", "4"));
        List<Prompt> ps = new ArrayList<>();
        for (String w : words.subList(0, Math.min(n, words.size()))) {
            ps.add(Prompt.of(tok.encode("The word \"" + w + "\" means"))
                    .with(EFTSpec.SMALL_FT, tok.encode("Q: What does \"" + w + "\" mean?\nA:")));
        }
        return List.of(scenario("family", source.apply(dir.resolve(EFTSpec.LARGE_BASE).resolve("model.onnx")),
                source.apply(dir.resolve(EFTSpec.SMALL_FT).resolve("model.onnx")),
                source.apply(dir.resolve(EFTSpec.SMALL_BASE).resolve("model.onnx")), ps, 0));
    }

    private static List<String> familyWords(Path dir) throws IOException {
        Path tsv = dir.resolve("words.tsv");
        if (!Files.isRegularFile(tsv)) {
            return DEFAULT_WORDS;
        }
        try (Stream<String> lines = Files.lines(tsv)) { // split <TAB> word <TAB> gloss; held-out words only
            return lines.map(l -> l.split("\t", -1)).filter(f -> f.length >= 2 && f[0].equals("heldout"))
                    .map(f -> f[1].strip()).toList();
        }
    }

    private static void generate(Path dir, Map<String, String> o) throws IOException {
        Path script = Path.of("eft-examples/src/main/python/make_spec_graphs.py");
        if (!Files.isRegularFile(script)) {
            throw new IOException("run from the repository root (" + script + " not found) or pass --gen DIR");
        }
        System.err.println("writing benchmark graphs to " + dir + " (about a minute) ...");
        Process p = new ProcessBuilder(o.getOrDefault("python", "/usr/bin/python3"), script.toString(), dir.toString(),
                "--pad-layers", o.getOrDefault("pad-layers", "30"), "--near-eps", o.getOrDefault("near-eps", "0.3"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            if (p.waitFor() != 0) {
                throw new IOException("graph generator failed with exit code " + p.exitValue());
            }
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing graphs", e);
        }
    }

    /**
     * CPU time of the calling thread per forward pass of each graph: a one-token append and a
     * nine-token append (a verification block), at a context of about {@code promptLen + 20}.
     */
    private void measureCosts(Map<String, OnnxLogitSource> open, int promptLen) {
        costLines.clear();
        for (Map.Entry<String, OnnxLogitSource> e : open.entrySet()) {
            OnnxLogitSource s = e.getValue();
            int[] prompt = new int[promptLen];
            Arrays.fill(prompt, 5);
            int[] nine = new int[9];
            Arrays.fill(nine, 7);
            double one = Double.MAX_VALUE;
            double block = Double.MAX_VALUE;
            for (int round = 0; round < 5; round++) { // best of 5: the box is shared
                try (DecodingState st = s.open(prompt)) {
                    long c0 = MX.getCurrentThreadCpuTime();
                    for (int i = 0; i < 20; i++) {
                        st.append(7);
                    }
                    long c1 = MX.getCurrentThreadCpuTime();
                    st.append(nine);
                    long c2 = MX.getCurrentThreadCpuTime();
                    one = Math.min(one, (c1 - c0) / 20e3);
                    block = Math.min(block, (c2 - c1) / 1e3);
                }
            }
            costLines.add(String.format(Locale.ROOT, "  %s: %.0f us CPU per 1-token pass, %.0f us per 9-token pass",
                    Path.of(e.getKey()).getParent().getFileName(), one, block));
        }
    }

    @Override
    public String describe(Map<String, String> o) {
        StringBuilder sb = new StringBuilder("ONNX graphs, eft-onnx CPU provider, ")
                .append(o.getOrDefault("threads", "1")).append(" intra-op thread(s) per source; tiny-*: committed test graphs "
                        + "(vocab 64), pad/near/rand: generated random-weight graphs (vocab 64), family: trained miniature family");
        if (!costLines.isEmpty()) {
            sb.append("\ncost per forward pass (best of 5, CPU time of the decoding thread):");
            costLines.forEach(l -> sb.append('\n').append(l));
        }
        return sb.toString();
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }
}
