package io.github.eft4j.onnx;

import static io.github.eft4j.onnx.TestGraphs.assertClose;
import static io.github.eft4j.onnx.TestGraphs.row;
import static io.github.eft4j.onnx.TestGraphs.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.eft4j.model.DecodingState;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The plain {@code Run} path (slot 9) gives the same prefill logits as the IoBinding path. */
class RunWithoutBindingTest {

    @AfterEach
    void noLeaks() {
        TestGraphs.assertNoLeaks();
    }

    @Test
    void plainRunEqualsBindingRun() {
        int[] prompt = {5, 9, 1, 33};
        float[] viaBinding;
        try (OnnxLogitSource src = TestGraphs.open("llama_gqa"); DecodingState s = src.open(prompt)) {
            viaBinding = row(s.logits());
        }
        try (Arena a = Arena.ofConfined(); OrtSessionOptions so = OrtSessionOptions.create();
                OrtMemoryInfo cpu = OrtMemoryInfo.cpu(); OrtRunOptions ro = OrtRunOptions.create()) {
            so.intraOpThreads(1);
            try (OrtSession session = OrtSession.create(TestGraphs.model("llama_gqa"), so)) {
                int n = prompt.length;
                MemorySegment ids = a.allocate(ValueLayout.JAVA_LONG, n);
                MemorySegment ones = a.allocate(ValueLayout.JAVA_LONG, n);
                MemorySegment pos = a.allocate(ValueLayout.JAVA_LONG, n);
                for (int i = 0; i < n; i++) {
                    ids.setAtIndex(ValueLayout.JAVA_LONG, i, prompt[i]);
                    ones.setAtIndex(ValueLayout.JAVA_LONG, i, 1);
                    pos.setAtIndex(ValueLayout.JAVA_LONG, i, i);
                }
                MemorySegment shape2 = a.allocateFrom(ValueLayout.JAVA_LONG, 1, n);
                MemorySegment shapeKv = a.allocateFrom(ValueLayout.JAVA_LONG, 1, 2, 0, 8);
                MemorySegment scratch = a.allocate(8);
                long c = cpu.ptr().address();
                String[] names = {"input_ids", "attention_mask", "position_ids", "past_key_values.0.key",
                    "past_key_values.0.value", "past_key_values.1.key", "past_key_values.1.value"};
                long[] values = new long[names.length];
                values[0] = OrtValues.createTensor(c, ids.address(), 8L * n, shape2.address(), 2, OrtApi.INT64, scratch);
                values[1] = OrtValues.createTensor(c, ones.address(), 8L * n, shape2.address(), 2, OrtApi.INT64, scratch);
                values[2] = OrtValues.createTensor(c, pos.address(), 8L * n, shape2.address(), 2, OrtApi.INT64, scratch);
                for (int i = 3; i < 7; i++) {
                    values[i] = OrtValues.createTensor(c, scratch.address(), 0, shapeKv.address(), 4, OrtApi.FLOAT, scratch);
                }
                long[] out = session.run(names, values, new String[] {"logits"}, ro);
                try {
                    assertEquals("Cpu", OrtMemoryInfo.placementOf(MemorySegment.ofAddress(out[0])));
                    MemorySegment logits = MemorySegment.ofAddress(OrtValues.data(out[0], scratch))
                            .reinterpret(4L * n * 64);
                    float[] last = logits.asSlice(4L * (n - 1) * 64, 4L * 64).toArray(ValueLayout.JAVA_FLOAT);
                    assertClose(toDouble(viaBinding), last, 0, "Run vs RunWithBinding");
                } finally {
                    for (long v : values) {
                        OrtValues.release(v);
                    }
                    OrtValues.release(out[0]);
                }
            }
        }
    }
}
