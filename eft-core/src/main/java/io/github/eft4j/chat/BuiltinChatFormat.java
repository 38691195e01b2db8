package io.github.eft4j.chat;

import java.util.List;

/** The chat formats eft4j ships. */
enum BuiltinChatFormat implements ChatFormat {
    LLAMA_2("llama-2") {
        @Override
        public String render(List<ChatMessage> messages) {
            int first = checkOrder(messages);
            String system = first == 1 ? messages.get(0).content() : null;
            StringBuilder sb = new StringBuilder();
            for (int i = first; i < messages.size(); i++) {
                ChatMessage m = messages.get(i);
                String content = m.content();
                if (i == first && system != null) {
                    content = "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + content;
                }
                // Python's str.strip(): whitespace at both ends.
                content = content.strip();
                if (m.role() == ChatMessage.Role.USER) {
                    sb.append("<s>[INST] ").append(content).append(" [/INST]");
                } else {
                    sb.append(' ').append(content).append(" </s>");
                }
            }
            return sb.toString();
        }

        @Override
        public boolean writesBos() {
            return true;
        }
    },
    FALCON_INSTRUCT("falcon-instruct") {
        @Override
        public String render(List<ChatMessage> messages) {
            int first = checkOrder(messages);
            StringBuilder sb = new StringBuilder();
            if (first == 1) {
                sb.append(messages.get(0).content()).append('\n');
            }
            for (int i = first; i < messages.size(); i++) {
                ChatMessage m = messages.get(i);
                sb.append(m.role() == ChatMessage.Role.USER ? "User: " : "Assistant: ").append(m.content()).append('\n');
            }
            return sb.append("Assistant:").toString();
        }
    },
    PLAIN("plain") {
        @Override
        public String render(List<ChatMessage> messages) {
            checkOrder(messages);
            StringBuilder sb = new StringBuilder();
            for (ChatMessage m : messages) {
                if (!sb.isEmpty()) {
                    sb.append("\n\n");
                }
                sb.append(m.content());
            }
            return sb.toString();
        }
    };

    final String formatName;

    BuiltinChatFormat(String formatName) {
        this.formatName = formatName;
    }

    @Override
    public String id() {
        return formatName;
    }

    @Override
    public String toString() {
        return formatName;
    }

    /**
     * Checks: optional system, then user/assistant alternating, starting and ending with user.
     *
     * @return the index of the first non-system message
     */
    static int checkOrder(List<ChatMessage> messages) {
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("no messages; expected at least one user message");
        }
        int first = messages.get(0).role() == ChatMessage.Role.SYSTEM ? 1 : 0;
        if (first == messages.size()) {
            throw new IllegalArgumentException("only a system message; expected a user message after it");
        }
        for (int i = first; i < messages.size(); i++) {
            ChatMessage.Role expected = (i - first) % 2 == 0 ? ChatMessage.Role.USER : ChatMessage.Role.ASSISTANT;
            if (messages.get(i).role() != expected) {
                throw new IllegalArgumentException("message " + i + " is " + messages.get(i).role() + "; expected " + expected
                        + " (an optional system message, then user and assistant alternating)");
            }
        }
        if (messages.get(messages.size() - 1).role() != ChatMessage.Role.USER) {
            throw new IllegalArgumentException("the last message is " + messages.get(messages.size() - 1).role()
                    + "; expected USER (the prompt ends where the assistant answers)");
        }
        return first;
    }
}
