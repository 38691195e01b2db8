package com.example.eft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.github.eft4j.model.LogitSource;
import io.github.eft4j.onnx.ModelFolder;
import org.junit.jupiter.api.Test;

/** The build runs these tests twice; this one checks that the second run is really on the module path. */
class ModulePathTest {

    @Test
    void modulesAreNamedExactlyOnTheModulePath() {
        String where = System.getProperty("consumer.modulePath");
        assertNotNull(where, "the pom sets consumer.modulePath in each surefire execution");
        boolean modulePath = Boolean.parseBoolean(where);
        assertEquals(modulePath ? "com.example.eft" : null, BigramSource.class.getModule().getName());
        assertEquals(modulePath ? "io.github.eft4j.core" : null, LogitSource.class.getModule().getName());
        assertEquals(modulePath ? "io.github.eft4j.onnx" : null, ModelFolder.class.getModule().getName());
    }
}
