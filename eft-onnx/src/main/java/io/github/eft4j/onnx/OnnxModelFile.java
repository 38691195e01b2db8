package io.github.eft4j.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What eft-onnx reads from an {@code .onnx} file itself, before ONNX Runtime loads it: the nodes
 * (domain, operator, name, inputs, integer attributes; subgraphs included) and the tensors whose
 * data lives in external files. ONNX Runtime's C API does not list a graph's nodes, and a missing
 * external data file or an unimplemented contrib operator deserves a message naming it.
 *
 * <p>The file is walked as protobuf wire format ({@code onnx.proto}: ModelProto.graph = 7,
 * GraphProto.node = 1 / initializer = 5 / sparse_initializer = 15, NodeProto.input = 1 / name = 3 /
 * op_type = 4 / attribute = 5 / domain = 7, AttributeProto.name = 1 / i = 3 / t = 5 / g = 6 /
 * graphs = 11, TensorProto.name = 8 / external_data = 13 / data_location = 14). Weight bytes are
 * skipped by length, never read, so a 2 GB single-file model costs a few hundred small reads.
 *
 * @param nodes every node of the main graph and its subgraphs, in file order
 * @param externalData every tensor stored outside the file
 */
record OnnxModelFile(List<Node> nodes, List<ExternalTensor> externalData) {

    /**
     * One node.
     *
     * @param domain the operator domain ("" for the ONNX domain, e.g. {@code com.microsoft})
     * @param opType the operator, e.g. {@code GroupQueryAttention}
     * @param name the node name (may be empty)
     * @param inputs the input names ("" for an omitted optional input)
     * @param ints the integer attributes
     */
    public record Node(String domain, String opType, String name, List<String> inputs, Map<String, Long> ints) {
        /** Copies the collections. */
        public Node {
            inputs = List.copyOf(inputs);
            ints = Map.copyOf(ints);
        }

        /**
         * Returns the operator as {@code domain:op}, or just the op in the ONNX domain.
         *
         * @return e.g. {@code com.microsoft:GroupQueryAttention}
         */
        public String qualifiedOp() {
            return domain.isEmpty() || domain.equals("ai.onnx") ? opType : domain + ":" + opType;
        }
    }

    /**
     * A tensor stored in an external file.
     *
     * @param tensor the tensor name
     * @param location the file, relative to the model's folder
     * @param offset the byte offset in that file (0 if not given)
     * @param length the byte length, or -1 if not given
     */
    public record ExternalTensor(String tensor, String location, long offset, long length) {
    }

    /** Copies the lists. */
    public OnnxModelFile {
        nodes = List.copyOf(nodes);
        externalData = List.copyOf(externalData);
    }

    /**
     * Returns the nodes of one operator.
     *
     * @param opType the operator name
     * @return those nodes, any domain
     */
    public List<Node> nodes(String opType) {
        return nodes.stream().filter(n -> n.opType().equals(opType)).toList();
    }

    /**
     * Reads a model file.
     *
     * @param file the {@code .onnx} file
     * @return what it holds
     * @throws IOException if it cannot be read or is not a well-formed protobuf message
     */
    public static OnnxModelFile scan(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Scanner s = new Scanner(ch);
            s.model(ch.size());
            return new OnnxModelFile(s.nodes, s.external);
        }
    }

    /** A forward reader of protobuf wire format over a file, with a 64 KB window. */
    private static final class Scanner {
        private static final int MAX_STRING = 1 << 20;
        private final FileChannel ch;
        private final long size;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        private long bufStart = -1;
        private long pos;
        final List<Node> nodes = new ArrayList<>();
        final List<ExternalTensor> external = new ArrayList<>();

        Scanner(FileChannel ch) throws IOException {
            this.ch = ch;
            this.size = ch.size();
        }

        private int readByte() throws IOException {
            if (bufStart < 0 || pos < bufStart || pos >= bufStart + buf.limit()) {
                if (pos >= size) {
                    throw new IOException("truncated protobuf at byte " + pos);
                }
                buf.clear();
                bufStart = pos;
                while (buf.hasRemaining() && ch.read(buf, bufStart + buf.position()) > 0) {
                    // fill the window
                }
                buf.flip();
            }
            return buf.get((int) (pos++ - bufStart)) & 0xff;
        }

        private long varint() throws IOException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = readByte();
                v |= (long) (b & 0x7f) << shift;
                if (b < 0x80) {
                    return v;
                }
            }
            throw new IOException("malformed varint at byte " + pos);
        }

        /** Reads a length prefix and returns the end offset of the value it announces. */
        private long end(long limit) throws IOException {
            long len = varint();
            long e = pos + len;
            if (len < 0 || e > limit) {
                throw new IOException("length " + len + " at byte " + pos + " runs past its message");
            }
            return e;
        }

        private String string(long limit) throws IOException {
            long e = end(limit);
            int n = (int) (e - pos);
            if (n > MAX_STRING) {
                throw new IOException("string of " + n + " bytes at byte " + pos);
            }
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) {
                b[i] = (byte) readByte();
            }
            return new String(b, StandardCharsets.UTF_8);
        }

        private void skip(int wireType, long limit) throws IOException {
            switch (wireType) {
                case 0 -> varint();
                case 1 -> pos += 8;
                case 2 -> pos = end(limit);
                case 5 -> pos += 4;
                default -> throw new IOException("unsupported protobuf wire type " + wireType + " at byte " + pos);
            }
            if (pos > limit) {
                throw new IOException("field runs past its message at byte " + pos);
            }
        }

        void model(long limit) throws IOException {
            while (pos < limit) {
                long tag = varint();
                if (tag >>> 3 == 7 && (tag & 7) == 2) {
                    graph(end(limit));
                } else {
                    skip((int) (tag & 7), limit);
                }
            }
        }

        private void graph(long limit) throws IOException {
            while (pos < limit) {
                long tag = varint();
                int field = (int) (tag >>> 3);
                if ((tag & 7) == 2 && field == 1) {
                    node(end(limit));
                } else if ((tag & 7) == 2 && field == 5) {
                    tensor(end(limit));
                } else if ((tag & 7) == 2 && field == 15) {
                    sparse(end(limit));
                } else {
                    skip((int) (tag & 7), limit);
                }
            }
        }

        private void node(long limit) throws IOException {
            String domain = "", op = "", name = "";
            List<String> inputs = new ArrayList<>();
            Map<String, Long> ints = new HashMap<>();
            while (pos < limit) {
                long tag = varint();
                int field = (int) (tag >>> 3);
                if ((tag & 7) != 2) {
                    skip((int) (tag & 7), limit);
                    continue;
                }
                switch (field) {
                    case 1 -> inputs.add(string(limit));
                    case 3 -> name = string(limit);
                    case 4 -> op = string(limit);
                    case 7 -> domain = string(limit);
                    case 5 -> attribute(end(limit), ints);
                    default -> skip(2, limit);
                }
            }
            nodes.add(new Node(domain, op, name, inputs, ints));
        }

        private void attribute(long limit, Map<String, Long> ints) throws IOException {
            String name = "";
            Long i = null;
            while (pos < limit) {
                long tag = varint();
                int field = (int) (tag >>> 3);
                int wt = (int) (tag & 7);
                if (field == 1 && wt == 2) {
                    name = string(limit);
                } else if (field == 3 && wt == 0) {
                    i = varint();
                } else if ((field == 6 || field == 11) && wt == 2) {
                    graph(end(limit));
                } else if (field == 5 && wt == 2) {
                    tensor(end(limit));
                } else {
                    skip(wt, limit);
                }
            }
            if (i != null) {
                ints.put(name, i);
            }
        }

        private void sparse(long limit) throws IOException {
            while (pos < limit) {
                long tag = varint();
                if ((tag >>> 3 == 1 || tag >>> 3 == 2) && (tag & 7) == 2) {
                    tensor(end(limit));
                } else {
                    skip((int) (tag & 7), limit);
                }
            }
        }

        private void tensor(long limit) throws IOException {
            String name = "";
            long location = 0;
            Map<String, String> entries = new HashMap<>();
            while (pos < limit) {
                long tag = varint();
                int field = (int) (tag >>> 3);
                int wt = (int) (tag & 7);
                if (field == 8 && wt == 2) {
                    name = string(limit);
                } else if (field == 14 && wt == 0) {
                    location = varint();
                } else if (field == 13 && wt == 2) {
                    long e = end(limit);
                    String k = "", v = "";
                    while (pos < e) {
                        long t = varint();
                        if (t >>> 3 == 1 && (t & 7) == 2) {
                            k = string(e);
                        } else if (t >>> 3 == 2 && (t & 7) == 2) {
                            v = string(e);
                        } else {
                            skip((int) (t & 7), e);
                        }
                    }
                    entries.put(k, v);
                } else {
                    skip(wt, limit);
                }
            }
            if (location == 1) { // TensorProto.DataLocation.EXTERNAL
                external.add(new ExternalTensor(name, entries.getOrDefault("location", ""),
                        parseLong(entries.get("offset"), 0), parseLong(entries.get("length"), -1)));
            }
        }

        private static long parseLong(String s, long absent) throws IOException {
            if (s == null) {
                return absent;
            }
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new IOException("external data offset/length is not a number: " + s, e);
            }
        }
    }
}
