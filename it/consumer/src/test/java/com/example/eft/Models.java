package com.example.eft;

import java.nio.file.Path;

/** Where the tests find eft4j's mini model family (surefire sets {@code eft4j.models}). */
final class Models {
    static final Path MINI = Path.of(System.getProperty("eft4j.models", "../../models/mini"));

    private Models() {
    }
}
