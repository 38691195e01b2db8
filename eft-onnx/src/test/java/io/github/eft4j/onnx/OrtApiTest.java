package io.github.eft4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Proves slot indices of the OrtApi table by behaviour: a wrong index would call a different
 * function and fail or return nonsense.
 */
class OrtApiTest {

    @AfterEach
    void noLeaks() {
        assertEquals(0, NativeHandle.liveCount());
    }

    @Test
    void versionIsTheOneWrittenAgainst() {
        assertEquals("1.29.0", OrtApi.version());
    }

    @Test
    void statusRoundTripCarriesCodeAndMessage() { // slots 0, 1, 2, 93
        OrtStatusException e = OrtApi.statusRoundTrip(OrtStatusException.ORT_NO_SUCHFILE, "no such model");
        assertEquals(3, e.errorCode());
        assertEquals("no such model", e.ortMessage());
        assertTrue(e.getMessage().contains("ORT_NO_SUCHFILE"), e.getMessage());
        assertEquals(7, OrtApi.statusRoundTrip(7, "x").errorCode());
    }

    @Test
    void availableProvidersListCpu() { // slots 125, 126
        assertTrue(OrtApi.availableProviders().contains("CPUExecutionProvider"), OrtApi.availableProviders().toString());
    }

    @Test
    void memoryInfoRoundTrip() { // slots 68, 69, 71, 72, 94
        try (OrtMemoryInfo cpu = OrtMemoryInfo.cpu(); OrtMemoryInfo cuda = OrtMemoryInfo.device("Cuda", 3)) {
            assertEquals("Cpu", cpu.name());
            assertEquals(0, cpu.deviceId());
            assertEquals("Cuda", cuda.name());
            assertEquals(3, cuda.deviceId());
            assertEquals(2, NativeHandle.liveCount());
        }
    }

    @Test
    void handlesCloseOnceAndRefuseUseAfterClose() { // slots 39, 46, 47, 97, 10, 100
        OrtRunOptions r = OrtRunOptions.create();
        r.terminate();
        r.clearTerminate();
        r.close();
        r.close();
        assertThrows(IllegalStateException.class, r::terminate);
        OrtSessionOptions o = OrtSessionOptions.create();
        o.intraOpThreads(1);
        o.close();
        o.close();
        assertThrows(IllegalStateException.class, () -> o.intraOpThreads(2));
    }

    @Test
    void badSessionConfigValueIsAnOrtError() { // slot 130 reports through OrtStatus
        try (OrtSessionOptions o = OrtSessionOptions.create()) {
            o.config("session.intra_op.allow_spinning", "1");
            assertThrows(OrtStatusException.class, () -> o.config("", "x"));
        }
    }
}
