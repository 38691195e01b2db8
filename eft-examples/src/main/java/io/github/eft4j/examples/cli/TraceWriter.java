package io.github.eft4j.examples.cli;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.GenerationResult;
import io.github.eft4j.decoder.SourcePrompts;
import io.github.eft4j.decoder.TokenOrigin;
import io.github.eft4j.decoder.TokenTrace;
import io.github.eft4j.sampling.SamplingConfig;
import io.github.eft4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * Writes {@code --trace} files: JSON lines, a {@code header} record, one {@code token} record per
 * generated token and an {@code end} record. The format is documented in {@code docs/trace.md}
 * and {@code docs/trace.schema.json} ({@link #FORMAT} is its version).
 */
final class TraceWriter {
    /** The trace format's version, written in the header; bump it when a field changes meaning. */
    static final int FORMAT = 1;

    private TraceWriter() {
    }

    /** What the header records about one model folder. */
    record Folder(String component, Path dir, Path model) {
    }

    static String version() {
        try (InputStream in = TraceWriter.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    static void write(Path file, String command, EFTSpec spec, SourcePrompts.Rendered prompts, GenerationConfig cfg,
            GenerationResult r, List<Folder> folders, Tokenizer tok) {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(JsonText.write(header(command, spec, prompts, cfg, r, folders)));
            w.write('\n');
            boolean greedy = cfg.sampling().greedy();
            for (TokenTrace t : r.trace()) {
                w.write(JsonText.write(token(spec, t, greedy, tok)));
                w.write('\n');
            }
            Map<String, Object> end = new LinkedHashMap<>();
            end.put("record", "end");
            end.put("finish_reason", r.finishReason().name().toLowerCase(Locale.ROOT));
            end.put("tokens", r.length());
            end.put("text", tok.decode(r.tokens(), true));
            if (r.speculative() != null) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("blocks", r.speculative().blocks());
                s.put("drafts_proposed", r.speculative().draftsProposed());
                s.put("drafts_accepted", r.speculative().draftsAccepted());
                end.put("speculative", s);
            }
            Map<String, Object> passes = new LinkedHashMap<>();
            r.forwardPasses().forEach(passes::put);
            end.put("forward_passes", passes);
            w.write(JsonText.write(end));
            w.write('\n');
        } catch (IOException e) {
            throw new UsageException("--trace: cannot write " + file + ": " + OptionSpec.reason(e));
        }
    }

    static Map<String, Object> header(String command, EFTSpec spec, SourcePrompts.Rendered prompts, GenerationConfig cfg,
            GenerationResult r, List<Folder> folders) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("record", "header");
        h.put("format", FORMAT);
        h.put("eft4j_version", version());
        h.put("command", command);
        h.put("spec", spec(spec));
        List<Object> ps = new ArrayList<>();
        for (SourcePrompts.SourceText s : prompts.sources()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("component", s.component());
            p.put("fine_tuned", s.fineTuned());
            p.put("format", s.format());
            p.put("text", s.text());
            p.put("ids", s.ids());
            p.put("bos_added", s.bosAdded());
            ps.add(p);
        }
        h.put("prompts", ps);
        h.put("sampling", sampling(cfg.sampling()));
        // the seed that was used: given, or drawn; meaningless (null) for greedy decoding
        h.put("seed", cfg.sampling().greedy() ? null : (Object) r.seed());
        h.put("max_new_tokens", cfg.maxNewTokens());
        h.put("stop_tokens", new ArrayList<>(new TreeSet<>(cfg.stopTokens())));
        if (cfg.speculative() != null) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("draft_component", cfg.speculative().draftComponent());
            s.put("max_draft_length", cfg.speculative().maxDraftLength());
            s.put("adaptive", cfg.speculative().adaptive());
            h.put("speculative", s);
        } else {
            h.put("speculative", null);
        }
        List<Object> ms = new ArrayList<>();
        for (Folder f : folders) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("component", f.component());
            m.put("folder", f.dir().toAbsolutePath().normalize().toString());
            m.put("files", files(f));
            ms.add(m);
        }
        h.put("models", ms);
        return h;
    }

    static Map<String, Object> spec(EFTSpec spec) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("form", spec.form().id());
        s.put("formula", spec.form().formula());
        s.put("combination", spec.formula());
        if (spec.parameter().isPresent()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("name", spec.form().parameter());
            p.put("value", spec.parameter().getAsDouble());
            s.put("parameter", p);
        } else {
            s.put("parameter", null);
        }
        List<Object> cs = new ArrayList<>();
        for (EFTSpec.Component c : spec.components()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", c.name());
            m.put("coefficient", c.coefficient());
            m.put("in_delta", spec.delta().contains(c.name()));
            cs.add(m);
        }
        s.put("components", cs);
        if (spec.conservative() != null) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("anchor", spec.conservative().anchor());
            f.put("top_p", spec.conservative().topP());
            f.put("mode", spec.conservative().mode().name().toLowerCase(Locale.ROOT));
            s.put("conservative", f);
        } else {
            s.put("conservative", null);
        }
        return s;
    }

    static Map<String, Object> sampling(SamplingConfig c) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("mode", c.greedy() ? "greedy" : "sample");
        s.put("temperature", c.greedy() ? null : (Object) (double) c.temperature());
        s.put("top_k", c.greedy() ? null : (Object) c.topK());
        s.put("top_p", c.greedy() ? null : (Object) (double) c.topP());
        s.put("min_p", c.greedy() ? null : (Object) (double) c.minP());
        s.put("repetition_penalty", (double) c.repetitionPenalty());
        return s;
    }

    static Map<String, Object> token(EFTSpec spec, TokenTrace t, boolean greedy, Tokenizer tok) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("record", "token");
        line.put("position", t.position());
        line.put("token", t.token());
        line.put("text", tok.decode(new int[] {t.token()}, false));
        line.put("origin", origin(t.origin(), greedy));
        Map<String, Object> comps = new LinkedHashMap<>();
        for (int i = 0; i < spec.size(); i++) {
            comps.put(spec.components().get(i).name(), t.componentLogProb(i));
        }
        line.put("component_logprobs", comps);
        line.put("combined_logprob", t.combinedLogProb());
        line.put("sampled_logprob", t.sampledLogProb());
        // a single model has no delta: no reward to report (0 would read as "no preference")
        line.put("implicit_reward", spec.delta().isEmpty() ? null : (Object) t.implicitReward());
        if (t.rejectedDraft() >= 0) {
            line.put("rejected_draft", t.rejectedDraft());
        }
        return line;
    }

    /** A plain step's token is "greedy" (argmax) or "sampled" (drawn); the decoder calls both SAMPLED. */
    static String origin(TokenOrigin o, boolean greedy) {
        if (o == TokenOrigin.SAMPLED && greedy) {
            return "greedy";
        }
        return o.name().toLowerCase(Locale.ROOT);
    }

    /**
     * The files that decide a folder's output: the graph that was loaded, its external data
     * ({@code <graph>_data}, {@code <graph>.data}), tokenizer and configs.
     */
    static List<Object> files(Folder f) {
        List<Path> paths = new ArrayList<>();
        paths.add(f.model());
        String modelName = f.model().getFileName().toString();
        try (var s = Files.list(f.model().getParent())) {
            s.filter(p -> {
                String n = p.getFileName().toString();
                // external data by the exporters' naming: model.onnx_data, model.onnx.data
                return !n.equals(modelName) && (n.startsWith(modelName + ".") || n.startsWith(modelName + "_"));
            }).sorted().forEach(paths::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + f.model().getParent() + ": " + OptionSpec.reason(e), e);
        }
        for (String n : List.of("tokenizer.json", "config.json", "generation_config.json")) {
            Path p = f.dir().resolve(n);
            if (Files.isRegularFile(p)) {
                paths.add(p);
            }
        }
        List<Object> out = new ArrayList<>();
        for (Path p : paths) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", f.dir().toAbsolutePath().normalize().relativize(p.toAbsolutePath().normalize()).toString());
            try {
                m.put("bytes", Files.size(p));
                m.put("sha256", sha256(p));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + p + ": " + OptionSpec.reason(e), e);
            }
            out.add(m);
        }
        return out;
    }

    static String sha256(Path p) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(p)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
