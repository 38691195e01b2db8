/** An application that uses eft4j on the module path. */
module com.example.eft {
    requires io.github.eft4j.onnx; // and, through it, io.github.eft4j.core
}
