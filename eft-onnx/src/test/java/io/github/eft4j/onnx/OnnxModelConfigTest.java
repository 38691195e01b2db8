package io.github.eft4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** config.json read with a JSON parser: Llama 3 and Falcon keys, text_config, and every bad value named. */
class OnnxModelConfigTest {

    @TempDir
    Path tmp;

    @Test
    void llama3() {
        OnnxModelConfig c = OnnxModelConfig.parse("""
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 128256,
                 "hidden_size": 4096, "num_attention_heads": 32, "num_key_value_heads": 8, "num_hidden_layers": 32,
                 "max_position_embeddings": 131072, "rope_theta": 500000.0, "bos_token_id": 128000,
                 "eos_token_id": [128001, 128008, 128009], "pad_token_id": null,
                 "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                  "original_max_position_embeddings": 8192, "rope_type": "llama3"}}""");
        assertEquals(Optional.of("llama"), c.modelType());
        assertEquals(128256, c.vocabSize().getAsInt());
        assertEquals(8, c.numKvHeads().getAsInt());
        assertEquals(128, c.headDim().getAsInt());
        assertEquals(32, c.numLayers().getAsInt());
        assertEquals(131072, c.maxPositions().getAsInt());
        assertEquals(List.of(128001, 128008, 128009), c.eosTokenIds());
        assertEquals(128001, c.eosTokenId().getAsInt());
        assertTrue(c.padTokenId().isEmpty(), "null is unset");
        assertEquals(new OnnxModelConfig.RopeScaling("llama3", 8.0, OptionalInt.of(8192)), c.ropeScaling().orElseThrow());
    }

    @Test
    void falconKeys() {
        OnnxModelConfig f7 = OnnxModelConfig.parse("""
                {"model_type": "falcon", "vocab_size": 65024, "hidden_size": 4544, "n_head": 71, "n_layer": 32,
                 "multi_query": true, "new_decoder_architecture": false, "bos_token_id": 11, "eos_token_id": 11}""");
        assertEquals(71, f7.numHeads().getAsInt());
        assertEquals(1, f7.numKvHeads().getAsInt());
        assertEquals(32, f7.numLayers().getAsInt());
        assertEquals(64, f7.headDim().getAsInt());
        OnnxModelConfig f40 = OnnxModelConfig.parse("""
                {"model_type": "falcon", "hidden_size": 8192, "num_attention_heads": 128, "num_hidden_layers": 60,
                 "new_decoder_architecture": true, "num_kv_heads": 8}""");
        assertEquals(8, f40.numKvHeads().getAsInt());
        assertEquals(60, f40.numLayers().getAsInt());
        assertEquals(1, OnnxModelConfig.parse("{\"model_type\": \"falcon\", \"n_head\": 8}").numKvHeads().getAsInt(),
                "multi_query defaults to true");
        assertEquals(8, OnnxModelConfig.parse("{\"model_type\": \"falcon\", \"n_head\": 8, \"multi_query\": false}")
                .numKvHeads().getAsInt());
        assertEquals(12, OnnxModelConfig.parse("{\"model_type\": \"gpt2\", \"n_head\": 12, \"n_positions\": 1024}")
                .numKvHeads().getAsInt(), "one KV head per head when nothing says otherwise");
    }

    @Test
    void textConfigOnlyWhenAsked() throws IOException {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, """
                {"model_type": "llava", "text_config": {"model_type": "llama", "vocab_size": 32064,
                 "num_attention_heads": 32, "num_key_value_heads": 8, "hidden_size": 4096}}""");
        OnnxModelConfig top = OnnxModelConfig.read(f, false);
        assertEquals(Optional.of("llava"), top.modelType());
        assertTrue(top.vocabSize().isEmpty(), "top-level keys only");
        OnnxModelConfig text = OnnxModelConfig.read(f, true);
        assertEquals(32064, text.vocabSize().getAsInt());
        assertEquals(8, text.numKvHeads().getAsInt());
        Files.writeString(f, "{\"vocab_size\": 10}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxModelConfig.read(f, true));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("text_config"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "\"vocab_size\": 2e3              | \"vocab_size\" is 2000.0      | an integer in [1, 2147483647]",
        "\"vocab_size\": 1000.5           | \"vocab_size\" is 1000.5      | an integer in [1, 2147483647]",
        "\"vocab_size\": 3000000000       | \"vocab_size\" is 3000000000  | an integer in [1, 2147483647]",
        "\"vocab_size\": 0                | \"vocab_size\" is 0           | an integer in [1, 2147483647]",
        "\"vocab_size\": \"64\"           | \"vocab_size\" is \"64\"      | an integer",
        "\"max_position_embeddings\": -1  | \"max_position_embeddings\" is -1 | an integer in [1, 2147483647]",
        "\"n_head\": true                 | \"n_head\" is true            | an integer",
        "\"eos_token_id\": [2, 1.5]       | \"eos_token_id[1]\" is 1.5    | an integer in [0, 2147483647]",
        "\"eos_token_id\": -2             | \"eos_token_id\" is -2        | an integer in [0, 2147483647]",
        "\"bos_token_id\": 99999999999    | \"bos_token_id\" is 99999999999 | an integer in [0, 2147483647]",
        "\"rope_scaling\": {\"factor\": 0} | \"rope_scaling.factor\" is 0 | a number in (0,",
        "\"rope_scaling\": 8              | \"rope_scaling\" is 8         | an object",
        "\"rope_theta\": -1               | \"rope_theta\" is -1          | a number in (0,",
        "\"model_type\": 3                | \"model_type\" is 3           | a string",
        "\"model_type\": \"falcon\", \"new_decoder_architecture\": 1 | \"new_decoder_architecture\" is 1 | true or false"})
    void badValuesNameFileKeyValueAndRange(String field, String found, String expected) throws IOException {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, "{" + field + "}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxModelConfig.read(f, false));
        assertTrue(e.getMessage().startsWith(f.toString() + ": ") && e.getMessage().contains(found)
                && e.getMessage().contains("expected " + expected), e.getMessage());
    }

    @Test
    void notJsonOrNotAnObject() throws IOException {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, "{\"vocab_size\": 64,}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxModelConfig.read(f, false));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("not valid JSON"), e.getMessage());
        Files.writeString(f, "[1, 2]");
        e = assertThrows(IllegalArgumentException.class, () -> OnnxModelConfig.read(f, false));
        assertTrue(e.getMessage().contains("expected a JSON object, got a list"), e.getMessage());
    }

    @Test
    void missingFileIsEmptyBesideAModel() {
        assertEquals(OnnxModelConfig.EMPTY, OnnxModelConfig.readBeside(tmp));
    }
}
