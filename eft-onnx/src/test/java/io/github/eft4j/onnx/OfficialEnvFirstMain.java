package io.github.eft4j.onnx;

import io.github.eft4j.model.DecodingState;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/** Run in a child JVM by {@link ThreadingTest}: the official API creates the OrtEnv before eft-onnx. */
public final class OfficialEnvFirstMain {
    private OfficialEnvFirstMain() {
    }

    /**
     * Creates the official environment, then decodes with a default (shared-pool) source.
     *
     * @param args the model path
     * @throws Exception on failure (non-zero exit)
     */
    public static void main(String[] args) throws Exception {
        ai.onnxruntime.OrtEnvironment.getEnvironment();
        try (OnnxLogitSource src = OnnxLogitSource.open(Path.of(args[0])); DecodingState s = src.open(new int[] {1, 2, 3})) {
            s.append(4);
            System.out.println("logit0=" + s.logits().getAtIndex(ValueLayout.JAVA_FLOAT, 0));
        }
    }
}
