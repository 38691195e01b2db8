package io.github.eft4j.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The smallest decoder graph eft-onnx accepts (a dozen nodes, so a session opens in a few
 * milliseconds): one layer, one KV head of dim 2, {@code present = concat(past, ids)},
 * {@code logits[b, s, v] = ids[b, s]} for a fixed vocabulary of {@value #VOCAB}. For tests that
 * open thousands of sources.
 */
final class TinyGraph {
    static final int VOCAB = 8;

    private TinyGraph() {
    }

    /** Writes {@code model.onnx} into {@code dir} and returns its path. */
    static Path write(Path dir) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("tiny")
                .addInput(info("input_ids", 7, "b", "s"))
                .addInput(info("attention_mask", 7, "b", "t"))
                .addInput(info("past_key_values.0.key", 1, "b", 1, "p", 2))
                .addInput(info("past_key_values.0.value", 1, "b", 1, "p", 2))
                .addOutput(info("logits", 1, "b", "s", VOCAB))
                .addOutput(info("present.0.key", 1, "b", 1, "t", 2))
                .addOutput(info("present.0.value", 1, "b", 1, "t", 2))
                .addInitializer(ints("axes13", 1, 3)).addInitializer(ints("axes2", 2))
                .addInitializer(ints("kvShape", 1, 1, 1, 2)).addInitializer(ints("logitsShape", 1, 1, VOCAB));
        g.addNode(node("Cast", "f", "input_ids").addAttribute(
                AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT).setI(1)));
        g.addNode(node("Unsqueeze", "f4", "f", "axes13"));
        g.addNode(node("Expand", "kvNew", "f4", "kvShape"));
        for (String kind : new String[] {"key", "value"}) {
            g.addNode(node("Concat", "present.0." + kind, "past_key_values.0." + kind, "kvNew").addAttribute(
                    AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(2)));
        }
        g.addNode(node("Unsqueeze", "f3", "f", "axes2"));
        g.addNode(node("Expand", "logits", "f3", "logitsShape"));
        ModelProto m = ModelProto.newBuilder().setIrVersion(8).setProducerName("eft4j-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(g).build();
        try {
            Path p = dir.resolve("model.onnx");
            Files.write(p, m.toByteArray());
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static NodeProto.Builder node(String op, String out, String... in) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(out + "_" + op).addOutput(out);
        for (String i : in) {
            n.addInput(i);
        }
        return n;
    }

    static TensorProto ints(String name, long... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(7).addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        return t.build();
    }

    static ValueInfoProto info(String name, int elemType, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder b = TensorShapeProto.Dimension.newBuilder();
            shape.addDim(d instanceof String p ? b.setDimParam(p) : b.setDimValue((Integer) d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))).build();
    }
}
