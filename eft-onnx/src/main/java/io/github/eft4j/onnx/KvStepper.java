package io.github.eft4j.onnx;

import io.github.eft4j.EftException;
import io.github.eft4j.onnx.internal.OrtApi;
import io.github.eft4j.onnx.internal.OrtIoBinding;
import io.github.eft4j.onnx.internal.OrtRunOptions;
import io.github.eft4j.onnx.internal.OrtValues;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The decode engine shared by {@link OnnxDecodingState} and {@link OnnxBatchDecodingState}: one
 * IoBinding, the KV values of the last run (raw {@code OrtValue} addresses, ORT-allocated in the
 * provider's memory and re-bound as the next {@code past_key_values.*}; never copied to the heap),
 * the mask as a row per sequence ({@code [batch, capacity]} int64, 0 at padding and rolled-back
 * columns), and small native input buffers. Callers fill {@link #ids}, {@link #pos} and the mask
 * columns {@code [columns(), columns() + k)}, then call {@link #run}.
 */
final class KvStepper implements AutoCloseable {
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG;

    final OnnxLogitSource src;
    final OnnxGraphLayout layout;
    final int batch;
    private final int vocab;
    private final int kvCount;
    private final OrtIoBinding binding;
    private final OrtRunOptions runOptions;
    private final Arena arena = Arena.ofShared();
    private final LogitsViews views = new LogitsViews();
    private final MemorySegment scratch;
    private final MemorySegment shapes; // [ids b,k | mask b,t | kv b,h,0,d | flag 1]
    private final MemorySegment flag;
    private final MemorySegment keep;
    private final MemorySegment emptyKv;
    private final long[] past;
    private final long[] outs;
    private long logitsValue;
    private int columns;
    private volatile boolean cancelRequested;

    // growable native buffers, each in its own arena so growth frees the old one
    private Arena idsArena, maskArena, packedArena, convArena;
    MemorySegment ids, pos;
    private MemorySegment maskRows, maskPacked, conv;
    private int tokCap, maskCap;

    /** All of memory, to read the logits at {@link #logitsAddress} without a segment per step. */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private long logitsAddress;
    private int rowsOut, exposed;

    KvStepper(OnnxLogitSource src, int batch) {
        this.src = src;
        this.layout = src.layout();
        this.batch = batch;
        this.vocab = layout.vocabSize();
        this.kvCount = 2 * layout.layers();
        this.past = new long[kvCount];
        this.outs = new long[1 + kvCount];
        OrtIoBinding b = null;
        OrtRunOptions r = null;
        try {
            b = OrtIoBinding.create(src.session());
            r = OrtRunOptions.create();
        } catch (RuntimeException e) {
            if (b != null) {
                b.close();
            }
            arena.close();
            throw e;
        }
        this.binding = b;
        this.runOptions = r;
        scratch = arena.allocate(16, 8);
        shapes = arena.allocate(I64, 12);
        flag = arena.allocate(1);
        keep = arena.allocate(I64);
        emptyKv = arena.allocate(16, 16);
        shapes.setAtIndex(I64, 4, batch);
        shapes.setAtIndex(I64, 5, layout.kvHeads());
        shapes.setAtIndex(I64, 6, 0);
        shapes.setAtIndex(I64, 7, layout.headDim());
        shapes.setAtIndex(I64, 8, 1);
        ensureTokens(16);
        ensureColumns(64);
    }

    /** Returns the number of KV columns (physical positions, including padding and rolled-back ones). */
    int columns() {
        return columns;
    }

    /** Makes room for {@code k} tokens per sequence in {@link #ids}/{@link #pos}. */
    void ensureTokens(int k) {
        if (k <= tokCap) {
            return;
        }
        int cap = Math.max(k, tokCap * 2);
        Arena a = Arena.ofShared();
        MemorySegment newIds = a.allocate(I64, (long) batch * cap);
        MemorySegment newPos = a.allocate(I64, (long) batch * cap);
        if (idsArena != null) {
            idsArena.close();
        }
        idsArena = a;
        ids = newIds;
        pos = newPos;
        tokCap = cap;
    }

    /** Makes room for {@code t} mask columns, keeping the current ones. */
    void ensureColumns(int t) {
        if (t <= maskCap) {
            return;
        }
        int cap = Math.max(t, maskCap * 2);
        Arena a = Arena.ofShared();
        MemorySegment rows = a.allocate(I64, (long) batch * cap);
        for (int b = 0; b < batch && maskRows != null; b++) {
            MemorySegment.copy(maskRows, (long) b * maskCap * 8, rows, (long) b * cap * 8, (long) columns * 8);
        }
        if (maskArena != null) {
            maskArena.close();
        }
        maskArena = a;
        maskRows = rows;
        maskCap = cap;
        if (batch > 1) {
            Arena p = Arena.ofShared();
            MemorySegment packed = p.allocate(I64, (long) batch * cap);
            if (packedArena != null) {
                packedArena.close();
            }
            packedArena = p;
            maskPacked = packed;
        }
    }

    /** Sets mask column {@code col} of sequence {@code b} (1 = attend, 0 = padding or rolled back). */
    void mask(int b, int col, long v) {
        maskRows.setAtIndex(I64, (long) b * maskCap + col, v);
    }

    /** Forgets the KV cache (all columns); the next run starts from an empty past. */
    void reset() {
        for (int i = 0; i < kvCount; i++) {
            OrtValues.release(past[i]);
            past[i] = 0;
        }
        columns = 0;
    }

    /**
     * Runs {@code k} new positions per sequence and exposes the last {@code expose} logits rows
     * of each sequence.
     */
    void run(int k, int expose) {
        int total = columns + k;
        long cpu = src.cpuInfo().ptr().address();
        long kvInfo = src.kvInfo().ptr().address();
        shapes.setAtIndex(I64, 0, batch);
        shapes.setAtIndex(I64, 1, k);
        shapes.setAtIndex(I64, 2, batch);
        shapes.setAtIndex(I64, 3, total);
        long maskData;
        if (batch == 1) {
            maskData = maskRows.address();
        } else {
            for (int b = 0; b < batch; b++) {
                MemorySegment.copy(maskRows, (long) b * maskCap * 8, maskPacked, (long) b * total * 8, (long) total * 8);
            }
            maskData = maskPacked.address();
        }
        long shape = shapes.address();
        long idsV = 0, maskV = 0, posV = 0, flagV = 0, keepV = 0, emptyV = 0;
        boolean ok = false;
        try { // the binding is empty here: it is cleared after every run, successful or not
            long bk = 8L * batch * k;
            idsV = OrtValues.createTensor(cpu, ids.address(), bk, shape, 2, OrtApi.INT64, scratch);
            maskV = OrtValues.createTensor(cpu, maskData, 8L * batch * total, shape + 16, 2, OrtApi.INT64, scratch);
            OnnxLogitSource.Names n = src.names();
            binding.bindInput(n.inputIds(), idsV);
            binding.bindInput(n.attentionMask(), maskV);
            if (layout.hasPositionIds()) {
                posV = OrtValues.createTensor(cpu, pos.address(), bk, shape, 2, OrtApi.INT64, scratch);
                binding.bindInput(n.positionIds(), posV);
            }
            if (layout.hasUseCacheBranch()) {
                flag.set(ValueLayout.JAVA_BYTE, 0, (byte) (columns > 0 ? 1 : 0));
                flagV = OrtValues.createTensor(cpu, flag.address(), 1, shape + 64, 1, OrtApi.BOOL, scratch);
                binding.bindInput(n.useCacheBranch(), flagV);
            }
            int rows = k;
            if (layout.hasNumLogitsToKeep()) {
                rows = expose;
                keep.set(I64, 0, expose);
                keepV = OrtValues.createTensor(cpu, keep.address(), 8, shape, 0, OrtApi.INT64, scratch);
                binding.bindInput(n.numLogitsToKeep(), keepV);
            }
            if (columns == 0) {
                emptyV = OrtValues.createTensor(cpu, emptyKv.address(), 0, shape + 32, 4, layout.kvElementType(), scratch);
            }
            for (int i = 0; i < kvCount; i++) {
                binding.bindInput(n.past(i), columns == 0 ? emptyV : past[i]);
            }
            // outputs are re-bound every step: ORT allocates present.* in the KV memory, logits on host
            binding.bindOutputToDevice(n.logits(), cpu);
            for (int i = 0; i < kvCount; i++) {
                binding.bindOutputToDevice(n.present(i), kvInfo);
            }
            long session = src.session().use(); // counted: the session is never released under this run
            try {
                binding.run(session, runOptions.ptr().address());
            } catch (RuntimeException e) {
                if (cancelRequested) {
                    cancelRequested = false;
                    runOptions.clearTerminate();
                    throw new java.util.concurrent.CancellationException("run cancelled: " + e.getMessage());
                }
                throw e;
            } finally {
                src.session().done();
            }
            binding.takeOutputs(scratch, outs);
            binding.clear(); // drop ORT's references to the old past and the new outputs: we own them now
            checkLogitsSize(rows);
            retireLogits();
            logitsValue = outs[0];
            for (int i = 0; i < kvCount; i++) {
                OrtValues.release(past[i]);
                past[i] = outs[1 + i];
            }
            columns = total;
            rowsOut = rows;
            exposed = expose;
            ok = true;
            src.checkPlacementOnce(past[0]);
            exposeLogits();
        } finally {
            if (!ok) {
                binding.clear();
            }
            OrtValues.release(idsV);
            OrtValues.release(maskV);
            OrtValues.release(posV);
            OrtValues.release(flagV);
            OrtValues.release(keepV);
            OrtValues.release(emptyV);
        }
    }

    /**
     * Fails (releasing the new outputs, keeping the state) unless the logits tensor holds
     * {@code batch * rows * vocab} elements: the views read that many in place, so a graph whose
     * dynamic vocabulary is shorter than config.json's vocab_size must not be read past its end.
     */
    private void checkLogitsSize(int rows) {
        long got = OrtValues.elementCount(outs[0], scratch);
        long want = (long) batch * rows * vocab;
        if (got != want) {
            for (long v : outs) {
                OrtValues.release(v);
            }
            throw new EftException("logits output has " + got + " elements, expected " + want + " (batch " + batch
                    + " x rows " + rows + " x vocab " + vocab + "); does config.json's vocab_size match the graph?");
        }
    }

    /**
     * The previous logits are being replaced: freed, unless a view of them was handed out; then
     * they are kept, unchanged, until the views' epoch ends (see {@link LogitsViews}).
     */
    private void retireLogits() {
        if (!views.replace()) {
            OrtValues.release(logitsValue);
        } else if (layout.logitsElementType() == OrtApi.FLOAT) {
            views.keep(logitsValue, 4L * batch * rowsOut * vocab);
        } else {
            OrtValues.release(logitsValue); // the views are of the conversion buffer: keep that one
            views.keep(convArena, conv.byteSize());
            convArena = null;
            conv = null;
        }
    }

    private void exposeLogits() {
        long data = OrtValues.data(logitsValue, scratch);
        int type = layout.logitsElementType();
        if (type == OrtApi.FLOAT) {
            // read in place; callers get views through row(), scoped by LogitsViews
            logitsAddress = data;
            return;
        }
        long need = 4L * batch * exposed * vocab;
        if (conv == null || conv.byteSize() < need) {
            Arena a = Arena.ofShared();
            MemorySegment c = a.allocate(need, 64);
            if (convArena != null) {
                convArena.close();
            }
            convArena = a;
            conv = c;
        }
        MemorySegment src16 = MemorySegment.ofAddress(data).reinterpret(2L * batch * rowsOut * vocab);
        boolean bf16 = type == OrtApi.BFLOAT16;
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < exposed; r++) {
                long from = ((long) b * rowsOut + rowsOut - exposed + r) * vocab;
                long to = ((long) b * exposed + r) * vocab;
                for (int v = 0; v < vocab; v++) {
                    short h = src16.getAtIndex(ValueLayout.JAVA_SHORT, from + v);
                    float f = bf16 ? Float.intBitsToFloat((h & 0xffff) << 16) : Float.float16ToFloat(h);
                    conv.setAtIndex(ValueLayout.JAVA_FLOAT, to + v, f);
                }
            }
        }
        logitsAddress = conv.address();
    }

    /**
     * Returns row {@code r} (of the exposed rows) of sequence {@code b}, read-only, in place,
     * as a view whose lifetime {@link LogitsViews} manages.
     */
    MemorySegment row(int b, int r) {
        return views.view(logitsAddress + rowOffset(b, r), 4L * vocab);
    }

    /** Copies row {@code r} of sequence {@code b} into {@code dst[0, vocab)}; creates no view. */
    void copyRow(int b, int r, float[] dst) {
        MemorySegment.copy(ALL, ValueLayout.JAVA_FLOAT, logitsAddress + rowOffset(b, r), dst, 0, vocab);
    }

    private long rowOffset(int b, int r) {
        long row = layout.logitsElementType() == OrtApi.FLOAT
                ? (long) b * rowsOut + rowsOut - exposed + r
                : (long) b * exposed + r;
        return row * 4 * vocab;
    }

    /** Asks ORT to stop the run in progress (or the next one) of this stepper. */
    void cancel() {
        cancelRequested = true;
        runOptions.terminate();
    }

    @Override
    public void close() {
        views.close(); // first: logits views die before anything they point at is released
        arena.close();
        reset();
        OrtValues.release(logitsValue);
        logitsValue = 0;
        logitsAddress = 0;
        binding.close();
        runOptions.close();
        for (Arena a : new Arena[] {idsArena, maskArena, packedArena, convArena}) {
            if (a != null) {
                a.close();
            }
        }
    }
}
