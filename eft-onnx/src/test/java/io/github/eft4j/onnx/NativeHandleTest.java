package io.github.eft4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** In-flight counting: close refuses new uses at once and never releases under a use. */
class NativeHandleTest {

    @AfterEach
    void noLeaks() {
        assertEquals(0, NativeHandle.liveCount());
    }

    @Test
    void closeWaitsForTheUseInFlight() throws InterruptedException {
        OrtRunOptions r = OrtRunOptions.create();
        r.use();
        Thread closer = new Thread(r::close, "closer");
        closer.start();
        while (!r.isClosed()) {
            Thread.onSpinWait();
        }
        assertThrows(IllegalStateException.class, r::use, "new use after close began");
        assertThrows(IllegalStateException.class, r::terminate);
        assertThrows(IllegalStateException.class, r::ptr);
        assertEquals(1, NativeHandle.liveCount(), "released while a use was in flight");
        assertTrue(closer.isAlive(), "close returned while a use was in flight");
        r.done();
        closer.join(10_000);
        assertEquals(0, NativeHandle.liveCount(), "the last use out releases");
        r.close(); // idempotent
    }

    @Test
    void useAndDoneNestAndCloseReleasesAtOnceWhenIdle() {
        OrtRunOptions r = OrtRunOptions.create();
        long a = r.use();
        assertEquals(a, r.use());
        r.done();
        r.done();
        r.terminate();
        r.close();
        assertEquals(0, NativeHandle.liveCount());
    }
}
