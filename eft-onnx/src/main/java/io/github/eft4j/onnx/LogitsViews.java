package io.github.eft4j.onnx;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The lifetime of the logits views a state hands out ({@code logits(row)}), so that a view kept
 * past the next step (documented misuse) never reads freed or reused memory.
 *
 * <p>Views are scoped to an "epoch" {@link Arena#ofShared() shared arena}, created when the first
 * view is asked for. When a step replaces logits of which a view was handed out, the old logits
 * (ORT's output value, or the float32 conversion buffer) are kept, unchanged, instead of freed; a
 * stale view therefore still reads the values it was created for. When the kept logits pass
 * {@value #MAX_KEPT} steps or {@value #MAX_KEPT_BYTES} bytes, or the state closes, the epoch arena
 * is closed first (every view of it then throws {@link IllegalStateException} on access; closing
 * a shared arena is safe against concurrent readers) and the kept memory is released after.
 * Closing a shared arena costs a thread handshake (tens of microseconds), paid once per epoch
 * rather than per step; steps whose logits are only copied ({@code copyLogits}, what the decoder
 * does) create no view, keep nothing and allocate nothing.
 */
final class LogitsViews implements AutoCloseable {
    static final int MAX_KEPT = 64;
    static final long MAX_KEPT_BYTES = 32L << 20;

    private Arena epoch;
    /** A view of the current step's logits was handed out. */
    private boolean viewed;
    private final long[] values = new long[MAX_KEPT];
    private int valueCount;
    private final Arena[] buffers = new Arena[MAX_KEPT];
    private int bufferCount;
    private long keptBytes;

    /** Returns a read-only view of {@code bytes} at {@code address}, valid until the epoch ends. */
    MemorySegment view(long address, long bytes) {
        if (epoch == null) {
            epoch = Arena.ofShared();
        }
        viewed = true;
        return MemorySegment.ofAddress(address).reinterpret(bytes, epoch, null).asReadOnly();
    }

    /**
     * Called when a step replaces the current logits: returns whether a view of them was handed
     * out (then the caller must {@linkplain #keep keep} what it would have freed or overwritten),
     * and starts the new step with none.
     */
    boolean replace() {
        boolean v = viewed;
        viewed = false;
        return v;
    }

    /** Keeps ORT's old logits value alive until the epoch ends; ends it when over budget. */
    void keep(long value, long bytes) {
        values[valueCount++] = value;
        keptBytes += bytes;
        trim();
    }

    /** Keeps an old conversion buffer (its arena) until the epoch ends; ends it when over budget. */
    void keep(Arena buffer, long bytes) {
        buffers[bufferCount++] = buffer;
        keptBytes += bytes;
        trim();
    }

    private void trim() {
        if (keptBytes > MAX_KEPT_BYTES || valueCount == MAX_KEPT || bufferCount == MAX_KEPT) {
            endEpoch();
        }
    }

    /** Invalidates every view handed out so far, then frees the kept memory. */
    private void endEpoch() {
        if (epoch != null) {
            epoch.close(); // first: no view can read what is released below
            epoch = null;
        }
        viewed = false;
        for (int i = 0; i < valueCount; i++) {
            OrtValues.release(values[i]);
            values[i] = 0;
        }
        valueCount = 0;
        for (int i = 0; i < bufferCount; i++) {
            buffers[i].close();
            buffers[i] = null;
        }
        bufferCount = 0;
        keptBytes = 0;
    }

    @Override
    public void close() {
        endEpoch();
    }
}
