package io.github.eft4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.chat.ChatFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API behaviour, bad input and round trips (parity itself is in {@link TokenizerParityTest}). */
class TokenizerTest {
    private static final String TINY = """
            {"version":"1.0","added_tokens":[{"id":0,"content":"<unk>","special":true,"normalized":false}],
             "normalizer":null,"pre_tokenizer":{"type":"Whitespace"},"post_processor":null,"decoder":null,
             "model":{"type":"BPE","unk_token":"<unk>","vocab":{"<unk>":0,"a":1,"b":2,"ab":3},"merges":["a b"]}}""";

    @Test
    void vocabularyLookupsAndBosEos() {
        Tokenizer llama = TestTokenizers.get("llama2");
        assertEquals(32000, llama.vocabSize());
        assertEquals(OptionalInt.of(1), llama.bosId());
        assertEquals(OptionalInt.of(2), llama.eosId());
        assertEquals(OptionalInt.of(15043), llama.tokenToId("▁Hello"));
        assertEquals("▁Hello", llama.idToToken(15043));
        assertEquals(OptionalInt.empty(), llama.tokenToId("no such token"));
        assertEquals(null, llama.idToToken(32000));
        assertTrue(llama.isSpecial(1));
        assertEquals("Tokenizer[BPE, vocab 32000, 3 added tokens, bos 1, eos 2]", llama.toString());
        assertFalse(llama.isSpecial(15043));
        Tokenizer gpt2 = TestTokenizers.get("gpt2");
        assertEquals(50257, gpt2.vocabSize());
        assertEquals(OptionalInt.of(50256), gpt2.bosId());
        assertEquals(OptionalInt.of(50256), gpt2.eosId());
    }

    @Test
    void vocabulariesAreComparedByTokenStrings() {
        Tokenizer llama = TestTokenizers.get("llama2");
        Tokenizer mistral = TestTokenizers.get("mistral");
        assertEquals(32000, mistral.vocabSize(), "same size...");
        int id = llama.firstDifferentId(mistral);
        assertTrue(id >= 3, "...same special tokens, different strings from id " + id);
        assertTrue(!llama.idToToken(id).equals(mistral.idToToken(id)));
        assertEquals(-1, llama.firstDifferentId(Tokenizer.fromJson(TestTokenizers.json("llama2"))));
        assertEquals(50257, TestTokenizers.get("gpt2").firstDifferentId(TestTokenizers.get("falcon")), "Falcon's extra added tokens");
    }

    @Test
    void llamaTestVectorsFromLlamaTokenizerJs() {
        Tokenizer t = TestTokenizers.get("llama2");
        assertArrayEquals(new int[] {1, 15043, 3186, 29991}, t.encode("Hello world!"));
        assertArrayEquals(new int[] {1, 9651, 2646, 1327, 287}, t.encode("           grabbed"));
        assertArrayEquals(new int[] {1, 29871, 243, 162, 169, 156}, t.encode("🦙"));
        assertEquals("Hello world!", t.decode(new int[] {1, 15043, 3186, 29991}, true));
    }

    @Test
    void encodeOptions() {
        Tokenizer t = TestTokenizers.get("mistral");
        int[] parsed = t.encode("<s>hi", new EncodeOptions(false, true));
        int[] asText = t.encode("<s>hi", EncodeOptions.TEXT_ONLY);
        assertEquals(1, parsed[0]);
        assertTrue(asText.length > parsed.length, "special-token text is ordinary text when not parsed");
        assertFalse(java.util.Arrays.stream(asText).anyMatch(id -> id == 1));
        assertEquals("<s>hi", t.decode(asText, true));
        assertArrayEquals(t.encode("hi"), concat(new int[] {1}, t.encode("hi", new EncodeOptions(false, true))));
    }

    @Test
    void chatPromptsEncodeWithTheirOwnBos() {
        Tokenizer t = TestTokenizers.get("llama2");
        String prompt = ChatFormat.LLAMA_2.prompt("Be brief.", "What is EFT?");
        int[] ids = t.encode(prompt, new EncodeOptions(!ChatFormat.LLAMA_2.writesBos(), true));
        assertEquals(1, ids[0]);
        assertTrue(ids[1] != 1, "one BOS only");
        assertEquals(prompt, t.decode(ids, false));
    }

    @Test
    void loneSurrogatesBecomeReplacementCharacters() {
        for (String name : new String[] {"gpt2", "llama2"}) {
            Tokenizer t = TestTokenizers.get(name);
            assertArrayEquals(t.encode("a\uFFFDb\uFFFD"), t.encode("a\uD800b\uDC00"), name);
            assertArrayEquals(t.encode("x😀"), t.encode("x\uD83D\uDE00"), name);
        }
    }

    @Test
    void utf8BytesAreDecodedStrictly() {
        Tokenizer t = TestTokenizers.get("gpt2");
        assertArrayEquals(t.encode("héllo 😀"), t.encode("héllo 😀".getBytes(StandardCharsets.UTF_8)));
        byte[] bad = {'a', 'b', (byte) 0xC3, 'c'};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.encode(bad));
        assertTrue(e.getMessage().contains("invalid UTF-8 at byte offset 2"), e.getMessage());
        byte[] truncated = {'a', (byte) 0xF0, (byte) 0x9F};
        e = assertThrows(IllegalArgumentException.class, () -> t.encode(truncated));
        assertTrue(e.getMessage().contains("offset 1"), e.getMessage());
    }

    @Test
    void randomTextRoundTrips() {
        // Byte-level and byte-fallback tokenizers are lossless on any valid text.
        SplittableRandom r = new SplittableRandom(42);
        int[] pool = {'a', 'Z', ' ', ' ', '\n', '\t', '0', '.', '\'', 'é', 'ß', '中', 0x1F600, 0x200D, 0x0301, 0x3000, 0x1F1EB};
        for (String name : new String[] {"gpt2", "mistral", "falcon"}) {
            Tokenizer t = TestTokenizers.get(name);
            for (int k = 0; k < 300; k++) {
                StringBuilder sb = new StringBuilder();
                int n = r.nextInt(40);
                for (int i = 0; i < n; i++) {
                    sb.appendCodePoint(pool[r.nextInt(pool.length)]);
                }
                String s = sb.toString();
                // Mistral's normalizer prepends one ▁ and its decoder strips one space: lossless too.
                assertEquals(s, t.decode(t.encode(s), true), name + " " + s);
            }
        }
    }

    @Test
    void longWordsCutWhereNoMergeCanCrossGiveTheWholeWordMerge() {
        // Llama and Mistral have no pre-tokenizer: a whole text is one BPE word, cut for speed.
        SplittableRandom r = new SplittableRandom(3);
        String[] pool = {"▁", "▁▁", "the", "▁of", "a", "ing", "\n", "é", "中文", "😀", "<", "0", "1", "2", "ZWJ\u200d", "ab▁cd"};
        for (String name : new String[] {"llama2", "mistral"}) {
            Bpe bpe = TestTokenizers.get(name).model();
            for (int k = 0; k < 40; k++) {
                StringBuilder sb = new StringBuilder();
                while (sb.length() < 300 + r.nextInt(2000)) {
                    sb.append(pool[r.nextInt(pool.length)]);
                }
                IntList chunked = new IntList(16);
                bpe.tokenize(sb.toString(), chunked);
                assertArrayEquals(bpe.mergeWhole(sb.toString()), chunked.toArray(), name + " " + sb);
            }
        }
    }

    @Test
    void streamingDecoderHoldsBackIncompleteCharacters() {
        Tokenizer t = TestTokenizers.get("llama2");
        int[] ids = t.encode("🦙!", new EncodeOptions(false, true)); // ▁ then 4 byte tokens, then !
        StreamingDetokenizer s = t.streamingDecoder(true);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String d = s.next(id);
            assertFalse(d.contains("\uFFFD"), "no partial byte sequence is emitted");
            sb.append(d);
        }
        assertEquals("🦙!", sb.append(s.finish()).toString());
        // An unfinished sequence at the end is flushed as U+FFFD, as the full decode does.
        StreamingDetokenizer cut = t.streamingDecoder(true);
        StringBuilder c = new StringBuilder();
        for (int i = 0; i < ids.length - 2; i++) {
            c.append(cut.next(ids[i]));
        }
        assertEquals("", c.toString());
        assertEquals(t.decode(java.util.Arrays.copyOf(ids, ids.length - 2), true), cut.finish());
    }

    @Test
    void missingFileNamesThePath(@TempDir Path dir) {
        Path p = dir.resolve("nope/tokenizer.json");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Tokenizer.fromFile(p));
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("tokenizer file not found"), e.getMessage());
    }

    @Test
    void malformedFileNamesPathAndOffset(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, "{\"model\": {\"type\": \"BPE\",}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromFile(p));
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("malformed JSON at offset 25"), e.getMessage());
    }

    @Test
    void loadsFromFileAndGzip(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, "\uFEFF" + TINY);
        Tokenizer t = Tokenizer.fromFile(p);
        Path gz = dir.resolve("tokenizer.json.gz");
        try (java.io.OutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(TINY.getBytes(StandardCharsets.UTF_8));
        }
        assertArrayEquals(t.encode("ab a c"), Tokenizer.fromFile(gz).encode("ab a c"));
        assertArrayEquals(new int[] {3, 1, 0}, t.encode("ab a c"));
        assertEquals("ab a <unk>", t.decode(new int[] {3, 1, 0}));
        assertEquals("ab a", t.decode(new int[] {3, 1, 0, 99}, true));
    }

    /** Ids in the file are checked against the entry count before anything is sized by them. */
    @Test
    void hostileVocabularyIdsAreRejectedWithoutHugeAllocations(@TempDir Path dir) throws Exception {
        for (String id : new String[] {"2147483647", "2000000000", "4", "-1"}) {
            Path p = dir.resolve("tokenizer-" + id + ".json");
            Files.writeString(p, TINY.replace("\"ab\":3", "\"ab\":" + id));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromFile(p));
            assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("id " + id)
                    && e.getMessage().contains("expected 0 to 3"), e.getMessage());
        }
        Path dup = dir.resolve("duplicate.json");
        Files.writeString(dup, TINY.replace("\"ab\":3", "\"ab\":2"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromFile(dup));
        assertTrue(e.getMessage().contains(dup.toString()) && e.getMessage().contains("id 2 is given to both"), e.getMessage());
        Path notInt = dir.resolve("float.json");
        Files.writeString(notInt, TINY.replace("\"ab\":3", "\"ab\":2e9"));
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromFile(notInt));
        assertTrue(e.getMessage().contains("expected a 32-bit integer"), e.getMessage());
    }

    /** A gzip that inflates past the limit (a gzip bomb) fails after reading the limit, not the heap. */
    @Test
    void decompressionIsBounded(@TempDir Path dir) throws Exception {
        Path gz = dir.resolve("tokenizer.json.gz");
        try (java.io.OutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(TINY.getBytes(StandardCharsets.UTF_8));
            out.write(new byte[4 << 20]); // 4 MiB of zeros: a 4 KB file
        }
        assertTrue(Files.size(gz) < 64 << 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromFile(gz, 1 << 20));
        assertTrue(e.getMessage().contains(gz.toString()) && e.getMessage().contains("decompresses to more than 1048576 bytes"),
                e.getMessage());
        Path plain = dir.resolve("tokenizer.json");
        Files.writeString(plain, TINY + " ".repeat(2 << 20));
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromFile(plain, 1 << 20));
        assertTrue(e.getMessage().contains("is more than 1048576 bytes"), e.getMessage());
        assertEquals(4, Tokenizer.fromFile(plain, 4 << 20).vocabSize(), "under the limit it loads");
    }

    @Test
    void unknownComponentTypesAreNamedWithTheSupportedOnes() {
        String[][] cases = {
            {"\"model\":{\"type\":\"BPE\"", "\"model\":{\"type\":\"Unigram\"", "unsupported model type \"Unigram\"; supported: BPE"},
            {"\"pre_tokenizer\":{\"type\":\"Whitespace\"}", "\"pre_tokenizer\":{\"type\":\"BertPreTokenizer\"}",
                "unsupported pre-tokenizer type \"BertPreTokenizer\"; supported: Sequence, Split"},
            {"\"normalizer\":null", "\"normalizer\":{\"type\":\"Precompiled\"}", "unsupported normalizer type \"Precompiled\"; supported: Sequence"},
            {"\"decoder\":null", "\"decoder\":{\"type\":\"WordPiece\"}", "unsupported decoder type \"WordPiece\"; supported: Sequence"},
            {"\"post_processor\":null", "\"post_processor\":{\"type\":\"BertProcessing\"}", "unsupported post-processor type \"BertProcessing\""},
        };
        for (String[] c : cases) {
            assertTrue(TINY.contains(c[0]), c[0]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromJson(TINY.replace(c[0], c[1])));
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
        }
    }

    @Test
    void templateIdsOutsideTheVocabularyAreNamed() {
        String bad = TINY.replace("\"post_processor\":null", """
                "post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<s>","type_id":0}},
                 {"Sequence":{"id":"A","type_id":0}}],"special_tokens":{"<s>":{"id":"<s>","ids":[70000],"tokens":["<s>"]}}}""");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromJson(bad));
        assertEquals("post_processor: special token id 70000 is outside the vocabulary [0, 4)", e.getMessage());
    }

    @Test
    void badFieldsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tokenizer.fromJson(TINY.replace("\"merges\":[\"a b\"]", "\"merges\":[\"a c\"]")));
        assertTrue(e.getMessage().contains("merges[0]") && e.getMessage().contains("\"c\""), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Tokenizer.fromJson(TINY.replace("{\"type\":\"Whitespace\"}", "{\"type\":\"Split\",\"pattern\":{\"String\":\" \"},\"behavior\":\"Sideways\"}")));
        assertTrue(e.getMessage().contains("Sideways") && e.getMessage().contains("MergedWithNext"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromJson(TINY.replace("\"unk_token\":\"<unk>\"", "\"unk_token\":\"<oov>\"")));
        assertTrue(e.getMessage().contains("<oov>"), e.getMessage());
    }

    private static int[] concat(int[] a, int[] b) {
        int[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
