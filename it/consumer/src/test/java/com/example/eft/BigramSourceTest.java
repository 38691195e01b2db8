package com.example.eft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.EFTDecoder;
import io.github.eft4j.decoder.GenerationConfig;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.model.DecodingState;
import io.github.eft4j.model.LogitSource;
import io.github.eft4j.onnx.ModelFolder;
import io.github.eft4j.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A user-written source next to an ONNX model in one EFT combination. */
class BigramSourceTest {

    @Test
    void rowsFollowTheDecodingStateContract() {
        try (BigramSource bigram = new BigramSource(8, 0.5f, new int[] {1, 2, 1, 3, 1, 2})) {
            float[] row = new float[8];
            float[] expected = new float[8];
            try (DecodingState s = bigram.open(new int[] {5, 1})) {
                s.copyLogits(row);
                bigram.logitsAfter(1, expected, 0);
                assertArrayEquals(expected, row);
                assertEquals((float) Math.log(2.5), row[2]);   // 1 -> 2 twice
                s.append(2, 1, 3);
                assertEquals(3, s.logitRows());
                assertEquals(5, s.length());
                s.copyLogits(1, row);                         // after the appended 1
                assertArrayEquals(expected, row);
                s.truncate(3);                                // back to 5 1 2
                assertEquals(1, s.logitRows());
                s.copyLogits(row);
                bigram.logitsAfter(2, expected, 0);
                assertArrayEquals(expected, row);
                assertThrows(IllegalArgumentException.class, () -> s.append(8));
                assertEquals(3, s.length());
            }
        }
    }

    @Test
    void bigramSteersAnOnnxModelAsTheFormulaSays() {
        try (ModelFolder chat = ModelFolder.load(Models.MINI.resolve("small-ft"))) {
            Tokenizer tok = chat.tokenizer();
            int eos = chat.generation().eosTokenIds().getFirst();
            String question = "Q: What does \"alight\" mean?\nA:";
            int[] prompt = tok.encode(question);
            int[] text = tok.encode(question + " to come to rest, settle");   // the answer the model lacks
            int[] corpus = Arrays.copyOf(text, text.length + 1);
            corpus[text.length] = eos;
            try (BigramSource bigram = new BigramSource(chat.source().vocabSize(), 0.1f, corpus)) {
                GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(16).stopTokens(eos).build();
                EFTDecoder mix = EFTDecoder.builder(EFTSpec.of("chat", 1.0, "bigram", 2.0))
                        .source("chat", chat.source())
                        .source("bigram", bigram)
                        .build();
                int[] mixed = mix.generate(Prompt.of(prompt), greedy).tokens();
                int[] alone = EFTDecoder.builder(EFTSpec.of("chat", 1.0)).source("chat", chat.source()).build()
                        .generate(Prompt.of(prompt), greedy).tokens();
                System.out.println("small-ft alone:    " + tok.decode(alone, true));
                System.out.println("small-ft + bigram: " + tok.decode(mixed, true));

                int[] reference = greedyReference(new LogitSource[] {chat.source(), bigram}, new double[] {1, 2}, prompt, 16, eos);
                assertArrayEquals(reference, mixed, "EFTDecoder and the float64 formula disagree");
                assertFalse(Arrays.equals(alone, mixed), "the bigram source changed nothing");
            }
        }
    }

    /** Greedy decoding of log_softmax(sum_i c_i log_softmax(logits_i)) in float64. */
    static int[] greedyReference(LogitSource[] sources, double[] c, int[] prompt, int maxTokens, int stop) {
        int v = sources[0].vocabSize();
        DecodingState[] states = new DecodingState[sources.length];
        try {
            for (int i = 0; i < sources.length; i++) {
                states[i] = sources[i].open(prompt);
            }
            List<Integer> out = new ArrayList<>();
            float[] row = new float[v];
            while (out.size() < maxTokens) {
                double[] s = new double[v];
                for (int i = 0; i < states.length; i++) {
                    states[i].copyLogits(row);
                    double max = Double.NEGATIVE_INFINITY;
                    for (float x : row) {
                        max = Math.max(max, x);
                    }
                    double sum = 0;
                    for (float x : row) {
                        sum += Math.exp(x - max);
                    }
                    double lse = max + Math.log(sum);
                    for (int y = 0; y < v; y++) {
                        s[y] += c[i] * (row[y] - lse);
                    }
                }
                int best = 0;
                for (int y = 1; y < v; y++) {
                    if (s[y] > s[best]) {
                        best = y;
                    }
                }
                out.add(best);
                if (best == stop) {
                    break;
                }
                for (DecodingState st : states) {
                    st.append(best);
                }
            }
            return out.stream().mapToInt(Integer::intValue).toArray();
        } finally {
            for (DecodingState st : states) {
                if (st != null) {
                    st.close();
                }
            }
        }
    }
}
