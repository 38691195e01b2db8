/**
 * eft4j's ONNX Runtime backend: {@link io.github.eft4j.onnx.OnnxLogitSource} runs exported decoder
 * graphs through ONNX Runtime's C API (FFM) with the KV cache kept where the model runs, and
 * {@link io.github.eft4j.onnx.ModelFolder} loads a model folder (graph, configs, tokenizer).
 *
 * <p>On the module path, grant native access to this module:
 * {@code --enable-native-access=io.github.eft4j.onnx,com.microsoft.onnxruntime}.
 */
module io.github.eft4j.onnx {
    requires transitive io.github.eft4j.core;
    requires com.microsoft.onnxruntime;

    exports io.github.eft4j.onnx;
}
