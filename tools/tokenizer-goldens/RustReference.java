// Second pass of the golden generation: runs Hugging Face's Rust `tokenizers` (through the DJL
// binding, whose jar carries the native library) over the JS goldens and writes the final
// goldens. Lines where Rust and JS agree get "ref":"js+rust"; where they disagree, or where JS
// does not support the tokenizer (a Split behavior it lacks), Rust's result is kept
// ("ref":"rust") together with JS's ("js_ids", "js_decoded"; null if none) for the record.
//
// Not part of the build, not a dependency of eft4j. Run from this folder after make-goldens.mjs:
//
//   mvn -q -f rust-pom.xml dependency:copy-dependencies -DoutputDirectory=build/lib
//   OPT_OUT_TRACKING=true java -Dai.djl.offline=true -cp 'build/lib/*' RustReference.java
//
// -Dai.djl.offline=true and OPT_OUT_TRACKING=true keep DJL from any network access (without
// them it contacts a link-local metadata address when it loads).
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

public class RustReference {
    public static void main(String[] args) throws Exception {
        if (!"true".equals(System.getProperty("ai.djl.offline")) || !"true".equals(System.getenv("OPT_OUT_TRACKING"))) {
            throw new IllegalStateException("run with -Dai.djl.offline=true and OPT_OUT_TRACKING=true");
        }
        Path build = Path.of("build");
        Path out = Path.of("../../eft-core/src/test/resources/tokenizer/goldens.jsonl.gz");
        Gson gson = new GsonBuilder().disableHtmlEscaping().create();
        Map<String, HuggingFaceTokenizer> toks = new HashMap<>();
        List<String> lines = Files.readAllLines(build.resolve("goldens-js.jsonl"), StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder();
        int differ = 0;
        for (String line : lines) {
            if (line.isBlank()) continue;
            JsonObject g = JsonParser.parseString(line).getAsJsonObject();
            String name = g.get("tokenizer").getAsString();
            HuggingFaceTokenizer tok = toks.computeIfAbsent(name, n -> {
                try {
                    return HuggingFaceTokenizer.builder().optTokenizerPath(build.resolve(n + ".json"))
                            .optTruncation(false).optPadding(false).optAddSpecialTokens(true).build();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            String text = g.get("text").getAsString();
            long[] ids = tok.encode(text, true, false).getIds();
            long[] plain = tok.encode(text, false, false).getIds();
            String decoded = tok.decode(ids, false);
            String decodedSkip = tok.decode(ids, true);
            JsonObject r = new JsonObject();
            r.addProperty("tokenizer", name);
            r.addProperty("text", text);
            r.add("ids", arr(ids));
            r.add("ids_plain", arr(plain));
            r.addProperty("decoded", decoded);
            r.addProperty("decoded_skip", decodedSkip);
            // "ref":"none": the JS reference does not support this tokenizer or text.
            boolean same = !g.get("ref").getAsString().equals("none")
                    && r.get("ids").equals(g.get("ids")) && r.get("ids_plain").equals(g.get("ids_plain"))
                    && r.get("decoded").equals(g.get("decoded")) && r.get("decoded_skip").equals(g.get("decoded_skip"));
            r.addProperty("ref", same ? "js+rust" : "rust");
            if (!same) {
                differ++;
                r.add("js_ids", g.get("ids"));
                r.add("js_ids_plain", g.get("ids_plain"));
                r.add("js_decoded", g.get("decoded"));
                r.add("js_decoded_skip", g.get("decoded_skip"));
            }
            sb.append(gson.toJson(r)).append('\n');
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        Files.write(out, bytes.toByteArray());
        toks.values().forEach(HuggingFaceTokenizer::close);
        System.err.println("goldens: " + lines.size() + ", Rust differs from JS on " + differ + " -> " + out);
    }

    private static JsonArray arr(long[] ids) {
        JsonArray a = new JsonArray();
        for (long id : ids) a.add(id);
        return a;
    }
}
