package io.github.eft4j.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Exact strings the real templates produce. */
class ChatFormatTest {
    @Test
    void llama2WithSystemMatchesTheHuggingFaceTemplate() {
        // meta-llama/Llama-2-7b-chat-hf chat_template, rendered with add_generation_prompt.
        assertEquals("<s>[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\nHi there [/INST]",
                ChatFormat.LLAMA_2.prompt("You are helpful.", "Hi there"));
        assertTrue(ChatFormat.LLAMA_2.writesBos());
    }

    @Test
    void llama2WithoutSystemAndTrimmed() {
        assertEquals("<s>[INST] Hi there [/INST]", ChatFormat.LLAMA_2.prompt(null, "  Hi there \n"));
        assertEquals("<s>[INST] Hi there [/INST]", ChatFormat.LLAMA_2.prompt("", "Hi there"));
    }

    @Test
    void llama2MultiTurn() {
        String s = ChatFormat.LLAMA_2.render(List.of(ChatMessage.system("S"), ChatMessage.user("U1"),
                ChatMessage.assistant(" A1 "), ChatMessage.user("U2")));
        assertEquals("<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nU1 [/INST] A1 </s><s>[INST] U2 [/INST]", s);
    }

    @Test
    void falconInstruct() {
        assertEquals("User: What is 2+2?\nAssistant:", ChatFormat.FALCON_INSTRUCT.prompt(null, "What is 2+2?"));
        assertEquals("Answer briefly.\nUser: What is 2+2?\nAssistant:", ChatFormat.FALCON_INSTRUCT.prompt("Answer briefly.", "What is 2+2?"));
        assertEquals("User: a\nAssistant: b\nUser: c\nAssistant:", ChatFormat.FALCON_INSTRUCT.render(
                List.of(ChatMessage.user("a"), ChatMessage.assistant("b"), ChatMessage.user("c"))));
        assertFalse(ChatFormat.FALCON_INSTRUCT.writesBos());
    }

    @Test
    void plainIsTheRawText() {
        assertEquals("The capital of France is", ChatFormat.PLAIN.prompt(null, "The capital of France is"));
        assertEquals("Be brief.\n\nWhat is EFT?", ChatFormat.PLAIN.prompt("Be brief.", "What is EFT?"));
    }

    @Test
    void eftDefaultGivesFineTunedSourcesTheChatFormatAndBaseSourcesPlain() {
        assertSame(ChatFormat.LLAMA_2, ChatFormat.forSource(true, ChatFormat.LLAMA_2));
        assertSame(ChatFormat.PLAIN, ChatFormat.forSource(false, ChatFormat.LLAMA_2));
    }

    @Test
    void lookupByIdAndBadNames() {
        assertSame(ChatFormat.FALCON_INSTRUCT, ChatFormat.of("falcon-instruct"));
        assertEquals("llama-2", ChatFormat.LLAMA_2.id());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChatFormat.of("chatml"));
        assertTrue(e.getMessage().contains("chatml") && e.getMessage().contains("llama-2"), e.getMessage());
    }

    @Test
    void badTurnOrderIsRejectedWithTheIndex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChatFormat.LLAMA_2.render(List.of(ChatMessage.user("a"), ChatMessage.user("b"))));
        assertTrue(e.getMessage().contains("message 1") && e.getMessage().contains("ASSISTANT"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ChatFormat.PLAIN.render(List.of()));
        assertThrows(IllegalArgumentException.class, () -> ChatFormat.PLAIN.render(List.of(ChatMessage.system("s"))));
        assertThrows(IllegalArgumentException.class,
                () -> ChatFormat.FALCON_INSTRUCT.render(List.of(ChatMessage.user("a"), ChatMessage.assistant("b"))));
        assertThrows(NullPointerException.class, () -> ChatMessage.user(null));
    }
}
