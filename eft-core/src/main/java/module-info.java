/**
 * eft4j's core: emulated fine-tuning (Mitchell et al. 2023) in pure Java. The model interface
 * ({@code model}), the formula ({@code combine}), sampling ({@code sampling}), the generation loop
 * ({@code decoder}), chat formats and templates ({@code chat}) and the {@code tokenizer.json}
 * tokenizer ({@code tokenizer}).
 *
 * <p>The Vector API is optional: with {@code --add-modules jdk.incubator.vector} the kernels use it,
 * without it they fall back to scalar code with the same results.
 */
module io.github.eft4j.core {
    requires static jdk.incubator.vector;
    requires java.management; // the vectorization check reads the JIT settings

    exports io.github.eft4j.model;
    exports io.github.eft4j.combine;
    exports io.github.eft4j.sampling;
    exports io.github.eft4j.decoder;
    exports io.github.eft4j.chat;
    exports io.github.eft4j.tokenizer;

    // The config readers of the ONNX backend use the same JSON parser; it is not API.
    exports io.github.eft4j.internal.json to io.github.eft4j.onnx;
}
