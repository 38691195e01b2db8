package io.github.eft4j.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.chat.ChatFormat;
import io.github.eft4j.chat.TemplateChatFormat;
import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.tokenizer.EncodeOptions;
import io.github.eft4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** The per-source prompt rule on the real Llama-2 tokenizer (its post-processor adds {@code <s>}). */
class SourcePromptsTest {
    static final Tokenizer LLAMA = load("llama2.json.gz");

    static Tokenizer load(String name) {
        try (InputStream in = new GZIPInputStream(SourcePromptsTest.class.getResourceAsStream("/tokenizer/" + name))) {
            return Tokenizer.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void fineTunedSourcesGetTheirFormatAndBasesPlainText() {
        SourcePrompts p = SourcePrompts.forSpec(EFTSpec.upscale(), LLAMA, ChatFormat.FALCON_INSTRUCT);
        SourcePrompts.Rendered r = p.render("Be brief.", "What is EFT?");
        assertEquals("Be brief.\nUser: What is EFT?\nAssistant:", r.source(EFTSpec.SMALL_FT).text());
        assertEquals("Be brief.\n\nWhat is EFT?", r.source(EFTSpec.LARGE_BASE).text());
        assertEquals("plain", r.source(EFTSpec.SMALL_BASE).format());
        assertTrue(r.source(EFTSpec.SMALL_FT).fineTuned());
        assertFalse(r.source(EFTSpec.SMALL_BASE).fineTuned());
        assertArrayEquals(LLAMA.encode("Be brief.\n\nWhat is EFT?", EncodeOptions.DEFAULT), r.prompt().idsFor(EFTSpec.LARGE_BASE));
        assertArrayEquals(r.source(EFTSpec.SMALL_FT).ids(), r.prompt().idsFor(EFTSpec.SMALL_FT));
        assertEquals(List.of("large-base", "small-ft", "small-base"), r.sources().stream().map(SourcePrompts.SourceText::component).toList());
    }

    @Test
    void aFormatThatWritesBosGetsNoSecondOne() {
        int bos = LLAMA.bosId().getAsInt();
        SourcePrompts.Rendered r = SourcePrompts.forSpec(EFTSpec.upscale(), LLAMA, ChatFormat.LLAMA_2).render(null, "Hi");
        int[] chat = r.source(EFTSpec.SMALL_FT).ids();
        assertEquals(bos, chat[0]);
        assertTrue(chat[1] != bos, "one BOS only");
        assertFalse(r.source(EFTSpec.SMALL_FT).bosAdded());
        int[] plain = r.source(EFTSpec.LARGE_BASE).ids();
        assertEquals(bos, plain[0], "the tokenizer adds BOS to plain text");
        assertTrue(plain[1] != bos);
        assertTrue(r.source(EFTSpec.LARGE_BASE).bosAdded());
    }

    @Test
    void aFormatThatWritesBosWithoutSayingSoStillGetsOne() {
        // a format whose text starts with <s> but does not override writesBos(): the text decides
        ChatFormat sneaky = new TemplateChatFormat("sneaky", "<s>[INST] {user} [/INST]");
        SourcePrompts p = SourcePrompts.builder(LLAMA).fineTuned("chat", sneaky).build();
        int[] ids = p.render(null, "Hi").source("chat").ids();
        assertEquals(LLAMA.bosId().getAsInt(), ids[0]);
        assertTrue(ids[1] != ids[0]);
    }

    @Test
    void anExplicitBasePromptReplacesTheRenderingForBasesOnly() {
        SourcePrompts p = SourcePrompts.builder(LLAMA)
                .base(EFTSpec.LARGE_BASE).fineTuned(EFTSpec.SMALL_FT, TemplateChatFormat.QA).base(EFTSpec.SMALL_BASE)
                .basePrompt("The word \"alight\" means").build();
        SourcePrompts.Rendered r = p.render(null, "What does \"alight\" mean?");
        assertEquals("The word \"alight\" means", r.source(EFTSpec.LARGE_BASE).text());
        assertEquals(SourcePrompts.BASE_PROMPT, r.source(EFTSpec.SMALL_BASE).format());
        assertEquals("Q: What does \"alight\" mean?\nA:", r.source(EFTSpec.SMALL_FT).text());
    }

    @Test
    void basesCanRenderWithAnotherFormat() {
        SourcePrompts same = SourcePrompts.builder(LLAMA).baseFormat(TemplateChatFormat.QA)
                .base(EFTSpec.LARGE_BASE).fineTuned(EFTSpec.SMALL_FT, TemplateChatFormat.QA).base(EFTSpec.SMALL_BASE, ChatFormat.PLAIN).build();
        SourcePrompts.Rendered r = same.render(null, "Why?");
        assertEquals("Q: Why?\nA:", r.source(EFTSpec.LARGE_BASE).text());
        assertEquals("Why?", r.source(EFTSpec.SMALL_BASE).text(), "an explicit per-source format wins over baseFormat");
    }

    @Test
    void errorsNameTheSource() {
        SourcePrompts p = SourcePrompts.forSpec(EFTSpec.upscale(), LLAMA, TemplateChatFormat.QA);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.render("Be brief.", "Hi"));
        assertTrue(e.getMessage().contains("'small-ft'") && e.getMessage().contains("{system}"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SourcePrompts.forSpec(EFTSpec.of("mine", 1.0), LLAMA, ChatFormat.PLAIN));
        assertTrue(e.getMessage().contains("'mine'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SourcePrompts.builder(LLAMA).base("x").base("x"));
        assertThrows(IllegalArgumentException.class, () -> SourcePrompts.builder(LLAMA).build());
        assertThrows(IllegalArgumentException.class, () -> SourcePrompts.builder(LLAMA).basePrompt(" "));
    }

    @Test
    void theLambdaFormsSecondFineTuneGetsTheChatFormat() {
        SourcePrompts.Rendered r = SourcePrompts.forSpec(EFTSpec.lambdaInterpolation(0.5), LLAMA, TemplateChatFormat.QA).render(null, "Why?");
        assertEquals("qa", r.source(EFTSpec.SMALL_FT2).format());
        assertEquals("plain", r.source(EFTSpec.SMALL_BASE).format());
    }
}
