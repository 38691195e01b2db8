package io.github.eft4j.onnx;


import java.nio.file.Path;
import java.util.Objects;

/**
 * How to open an {@link OnnxLogitSource}.
 *
 * <p><b>Threads.</b> {@code threads == 0} (the default) runs the session on one process-wide
 * intra-op pool of {@code availableProcessors()} threads that every eft-onnx source shares, so
 * three sources stepped in parallel on an 8-core machine use 8 threads, not 24. {@code threads > 0}
 * gives this source its own pool of that many threads ({@code 1}: run on the calling thread,
 * the fastest choice for tiny graphs and for sources stepped in parallel on separate threads).
 * If the process's ONNX Runtime environment was created before eft-onnx's (by the official Java
 * API) it has no global pool; then {@code threads == 0} gives each new source
 * {@code cores / (live sources + 1)} threads of its own, with one warning.
 *
 * <p><b>Provider.</b> With {@link ExecutionProvider#CUDA} the KV cache stays in device memory and
 * logits are copied to host memory. If CUDA cannot be used, a {@link #strict() strict} source fails
 * with an {@link io.github.eft4j.model.EFTException}; otherwise it logs one warning and runs on CPU.
 *
 * <p><b>KV in place.</b> On a {@code GroupQueryAttention} graph (ONNX Runtime GenAI's builder)
 * with the KV cache in host memory, each state owns one buffer per KV tensor, bound as both
 * {@code past_key_values.*} and {@code present.*}: the operator writes the new positions in place
 * and nothing is copied per token; the buffer grows geometrically. {@code inPlaceKv(false)} (or a
 * CUDA session) lets ORT allocate {@code present.*} each step instead, as for optimum graphs,
 * whose layout always concatenates.
 *
 * <pre>{@code
 * OnnxOptions o = OnnxOptions.builder(Path.of("model.onnx")).threads(1).build();
 * OnnxOptions gpu = OnnxOptions.builder(path).cuda(0).memoryLimitBytes(8L << 30).strict(true).build();
 * }</pre>
 *
 * @param model the {@code .onnx} file; a {@code config.json} beside it is read if present
 * @param threads intra-op threads for this source's own pool (1 to {@value #MAX_THREADS}), or 0 for the shared pool
 * @param provider the execution provider
 * @param deviceId the CUDA device id (ignored on CPU)
 * @param memoryLimitBytes the CUDA arena limit in bytes, 0 for none (ignored on CPU)
 * @param strict fail instead of falling back to CPU when CUDA cannot be used
 * @param inPlaceKv share one KV buffer between past and present on GroupQueryAttention graphs
 *     (host memory only; ignored elsewhere)
 */
public record OnnxOptions(Path model, int threads, ExecutionProvider provider, int deviceId, long memoryLimitBytes,
        boolean strict, boolean inPlaceKv) {

    /**
     * The largest own pool a source may ask for: each ORT thread reserves a stack, and more
     * threads than this never pays off for one decode step.
     */
    public static final int MAX_THREADS = 256;

    /**
     * Validates the options.
     *
     * @throws IllegalArgumentException if a value is out of range
     * @throws NullPointerException if {@code model} or {@code provider} is null
     */
    public OnnxOptions {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(provider, "provider");
        if (threads < 0 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads: expected 0 (the shared pool) to " + MAX_THREADS
                    + " (this source's own pool), got " + threads);
        }
        if (deviceId < 0) {
            throw new IllegalArgumentException("deviceId: expected >= 0, got " + deviceId);
        }
        if (memoryLimitBytes < 0) {
            throw new IllegalArgumentException("memoryLimitBytes: expected >= 0 (0 = no limit), got " + memoryLimitBytes);
        }
    }

    /**
     * Starts options for a model file: CPU, shared thread pool, not strict, KV in place where the
     * graph allows.
     *
     * @param model the {@code .onnx} file
     * @return a builder
     */
    public static Builder builder(Path model) {
        return new Builder(model);
    }

    /** Builds {@link OnnxOptions}. */
    public static final class Builder {
        private final Path model;
        private int threads;
        private ExecutionProvider provider = ExecutionProvider.CPU;
        private int deviceId;
        private long memoryLimitBytes;
        private boolean strict;
        private boolean inPlaceKv = true;

        private Builder(Path model) {
            this.model = model;
        }

        /**
         * Sets this source's own intra-op thread count (0 = the shared pool).
         *
         * @param threads 0 to {@value OnnxOptions#MAX_THREADS}
         * @return this builder
         */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /**
         * Runs on CUDA device {@code deviceId}.
         *
         * @param deviceId the device
         * @return this builder
         */
        public Builder cuda(int deviceId) {
            this.provider = ExecutionProvider.CUDA;
            this.deviceId = deviceId;
            return this;
        }

        /**
         * Sets the execution provider.
         *
         * @param provider CPU or CUDA
         * @return this builder
         */
        public Builder provider(ExecutionProvider provider) {
            this.provider = provider;
            return this;
        }

        /**
         * Limits the CUDA memory arena.
         *
         * @param bytes the limit, 0 for none
         * @return this builder
         */
        public Builder memoryLimitBytes(long bytes) {
            this.memoryLimitBytes = bytes;
            return this;
        }

        /**
         * Fails instead of falling back to CPU when CUDA cannot be used.
         *
         * @param strict true to fail
         * @return this builder
         */
        public Builder strict(boolean strict) {
            this.strict = strict;
            return this;
        }

        /**
         * Shares one KV buffer between past and present on GroupQueryAttention graphs (the
         * default); false lets ORT allocate the present tensors every step.
         *
         * @param inPlace true to write the KV cache in place
         * @return this builder
         */
        public Builder inPlaceKv(boolean inPlace) {
            this.inPlaceKv = inPlace;
            return this;
        }

        /**
         * Builds the options.
         *
         * @return the options
         * @throws IllegalArgumentException if a value is out of range
         */
        public OnnxOptions build() {
            return new OnnxOptions(model, threads, provider, deviceId, memoryLimitBytes, strict, inPlaceKv);
        }
    }
}
