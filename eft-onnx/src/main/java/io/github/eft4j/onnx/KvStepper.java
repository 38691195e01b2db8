package io.github.eft4j.onnx;

import io.github.eft4j.model.EFTException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The decode engine shared by {@link OnnxDecodingState} and {@link OnnxBatchDecodingState}: one
 * IoBinding, the KV cache, the mask as a row per sequence ({@code [batch, capacity]} int64), and
 * small native input buffers. Callers fill {@link #ids}, {@link #pos} and the mask columns
 * {@code [columns(), columns() + k)}, then call {@link #run}.
 *
 * <p>The KV cache is kept one of two ways; neither copies it to the heap:
 * <ul>
 *   <li><b>Concatenated</b> (optimum graphs; GroupQueryAttention on CUDA or with in-place off):
 *       the {@code present.*} values of the last run (ORT-allocated in the provider's memory) are
 *       bound as the next {@code past_key_values.*}, so the graph copies the past every step.</li>
 *   <li><b>In place</b> (GroupQueryAttention, host memory): one buffer per KV tensor,
 *       {@code [batch, kv_heads, capacity, head_dim]}, bound as both past and present; the operator
 *       writes the new positions at each row's length ({@code seqlens_k}) and nothing is copied per
 *       token. The capacity grows geometrically (the live positions are copied then).</li>
 * </ul>
 * With GroupQueryAttention the mask is only counted (each row attends to its first
 * {@code sum(mask) } positions), so rollback is {@link #rewind}, not masking.
 */
final class KvStepper implements AutoCloseable {
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;

    final OnnxLogitSource src;
    final OnnxGraphLayout layout;
    final int batch;
    private final boolean gqa;
    private final boolean inPlace;
    private final int vocab;
    private final int kvCount;
    private final OrtIoBinding binding;
    private final OrtRunOptions runOptions;
    private final Arena arena = Arena.ofShared();
    private final LogitsViews views = new LogitsViews();
    private final MemorySegment scratch;
    // [0,1 ids b,k | 2,3 mask b,t | 4..7 empty kv b,h,0,d | 8 flag 1 | 9 seqlens b | 10..13 in-place kv b,h,cap,d]
    private final MemorySegment shapes;
    private final MemorySegment flag;
    private final MemorySegment keep;
    private final MemorySegment emptyKv;
    private final MemorySegment seqlens;
    private final MemorySegment totalLength;
    private final long[] past;
    private final long[] outs;
    private long logitsValue;
    private int columns;
    /** Set with ORT's terminate flag and cleared with it, both under {@link #cancelLock}. */
    private boolean cancelRequested;
    private final Object cancelLock = new Object();

    // in place: one block holding every KV tensor, and the OrtValues over it
    private Arena kvArena;
    private MemorySegment kvData;
    private final long[] kvValues;
    private int kvCap;

    // growable native buffers, each in its own arena so growth frees the old one
    private Arena idsArena, maskArena, packedArena, convArena;
    private final Arena[] gatherArenas = new Arena[2];
    MemorySegment ids, pos;
    private MemorySegment maskRows, maskPacked, conv;
    private final MemorySegment[] gather = new MemorySegment[2];
    private int tokCap, maskCap;

    /** All of memory, to read the logits at {@link #logitsAddress} without a segment per step. */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    /** The exposed logits: ORT's float32 tensor, the conversion buffer, or a gather buffer. */
    private long logitsAddress;
    private int rowsOut, exposed;
    private boolean gathered;

    KvStepper(OnnxLogitSource src, int batch) {
        this.src = src;
        this.layout = src.layout();
        this.batch = batch;
        this.gqa = layout.attention() == OnnxGraphLayout.Attention.GROUP_QUERY;
        this.inPlace = src.kvInPlace();
        this.vocab = layout.vocabSize();
        this.kvCount = 2 * layout.layers();
        this.past = new long[kvCount];
        this.kvValues = new long[kvCount];
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
        shapes = arena.allocate(I64, 16);
        flag = arena.allocate(1);
        keep = arena.allocate(I64);
        emptyKv = arena.allocate(16, 16);
        seqlens = arena.allocate(I32, batch);
        totalLength = arena.allocate(I32);
        shapes.setAtIndex(I64, 4, batch);
        shapes.setAtIndex(I64, 5, layout.kvHeads());
        shapes.setAtIndex(I64, 6, 0);
        shapes.setAtIndex(I64, 7, layout.headDim());
        shapes.setAtIndex(I64, 8, 1);
        shapes.setAtIndex(I64, 9, batch);
        shapes.setAtIndex(I64, 10, batch);
        shapes.setAtIndex(I64, 11, layout.kvHeads());
        shapes.setAtIndex(I64, 13, layout.headDim());
        ensureTokens(16);
        ensureColumns(64);
    }

    /**
     * Returns the number of KV columns: physical positions including padding and rolled-back ones
     * (masked layout), or the longest row's length (GroupQueryAttention).
     */
    int columns() {
        return columns;
    }

    /** Positions the in-place KV buffers hold (0 when concatenated). */
    int kvCapacity() {
        return kvCap;
    }

    /** Whether the graph counts the mask (GroupQueryAttention): right padding, rollback by {@link #rewind}. */
    boolean countsMask() {
        return gqa;
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
            MemorySegment.copy(maskRows, (long) b * maskCap * 8, rows, (long) b * cap * 8, (long) maskCap * 8);
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
     * Drops the positions from {@code length} on (GroupQueryAttention only): the next run writes
     * over them. Nothing is copied or masked.
     */
    void rewind(int length) {
        if (!gqa) {
            throw new IllegalStateException("rewind needs a GroupQueryAttention graph; masked graphs hide columns");
        }
        if (length < 0 || length > columns) {
            throw new IllegalArgumentException("rewind to " + length + ": expected [0, " + columns + "]");
        }
        columns = length;
    }

    /**
     * Runs {@code k} new positions per sequence and exposes the last {@code expose} logits rows
     * of each sequence. A graph that returns only the last row runs {@code k} single steps when
     * more rows are needed (one sequence only).
     */
    void run(int k, int expose) {
        if (lastRowOnly() && expose > 1) {
            if (batch != 1) {
                throw new IllegalArgumentException(src.name() + " returns only the last position's logits, so "
                        + expose + " rows per sequence cannot come from one batched run (right-padded prompts of "
                        + "different lengths on GroupQueryAttention): open the prompts as separate states or give "
                        + "them one length");
            }
            stepwise(k);
            return;
        }
        int rows;
        try {
            rows = forward(0, k, expose);
        } catch (LastRowOnly e) { // found out now; the source remembers, so this happens once
            run(k, expose);
            return;
        }
        retireLogits();
        logitsValue = outs[0];
        adoptKv();
        columns += k;
        rowsOut = rows;
        exposed = expose;
        gathered = false;
        if (!inPlace) {
            src.checkPlacementOnce(past[0]);
        }
        exposeLogits();
    }

    /** Takes the KV outputs of the last forward: the next past (concatenated) or references to our buffers. */
    private void adoptKv() {
        for (int i = 0; i < kvCount; i++) {
            if (inPlace) {
                OrtValues.release(outs[1 + i]);
            } else {
                OrtValues.release(past[i]);
                past[i] = outs[1 + i];
            }
        }
    }

    /**
     * Runs {@code k} tokens one at a time (from {@link #ids}/{@link #pos} offset {@code j}),
     * copying each last row into a float32 buffer. On failure the finished steps are undone
     * (rewound, or masked out) and the previous logits stay exposed.
     */
    private void stepwise(int k) {
        MemorySegment g = gatherBuffer(k);
        int c0 = columns;
        boolean ok = false;
        try {
            for (int j = 0; j < k; j++) {
                forward(j, 1, 1);
                copyRow(outs[0], g, j);
                OrtValues.release(outs[0]);
                adoptKv();
                columns++;
            }
            ok = true;
        } finally {
            if (!ok) {
                if (gqa) {
                    columns = c0;
                } else {
                    for (int c = c0; c < columns; c++) {
                        mask(0, c, 0);
                    }
                }
            }
        }
        retireLogits();
        logitsAddress = g.address();
        rowsOut = k;
        exposed = k;
        gathered = true;
    }

    /** A float32 buffer for {@code k} rows that is not the one exposed now (two alternate). */
    private MemorySegment gatherBuffer(int k) {
        int i = gather[0] != null && logitsAddress == gather[0].address() ? 1 : 0;
        long need = 4L * k * vocab;
        if (gather[i] == null || gather[i].byteSize() < need) {
            Arena a = Arena.ofShared();
            MemorySegment fresh = a.allocate(Math.max(need, 2 * (gather[i] == null ? 0 : gather[i].byteSize())), 64);
            if (gatherArenas[i] != null) {
                gatherArenas[i].close(); // not exposed: the other buffer (or ORT's tensor) is
            }
            gatherArenas[i] = a;
            gather[i] = fresh;
        }
        return gather[i];
    }

    private void copyRow(long value, MemorySegment dst, int row) {
        long data = OrtValues.data(value, scratch);
        int type = layout.logitsElementType();
        long to = (long) row * vocab;
        if (type == OrtApi.FLOAT) {
            MemorySegment.copy(MemorySegment.ofAddress(data).reinterpret(4L * vocab), 0, dst, 4 * to, 4L * vocab);
            return;
        }
        MemorySegment src16 = MemorySegment.ofAddress(data).reinterpret(2L * vocab);
        boolean bf16 = type == OrtApi.BFLOAT16;
        for (int v = 0; v < vocab; v++) {
            short h = src16.getAtIndex(ValueLayout.JAVA_SHORT, v);
            dst.setAtIndex(ValueLayout.JAVA_FLOAT, to + v, bf16 ? Float.intBitsToFloat((h & 0xffff) << 16)
                    : Float.float16ToFloat(h));
        }
    }

    /**
     * One session run over {@code k} positions starting at token offset {@code offset}; on
     * success {@link #outs} holds logits and the KV outputs, owned by the caller. Returns the
     * logits rows per sequence.
     */
    private int forward(int offset, int k, int expose) {
        int total = columns + k;
        if (inPlace) {
            ensureCapacity(total);
        }
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
        long idsV = 0, maskV = 0, posV = 0, flagV = 0, keepV = 0, emptyV = 0, seqV = 0, totV = 0;
        boolean ran = false;
        try { // the binding is empty here: it is cleared after every run, successful or not
            long bk = 8L * batch * k;
            OnnxLogitSource.Names n = src.names();
            idsV = OrtValues.createTensor(cpu, ids.address() + 8L * offset, bk, shape, 2, OrtApi.INT64, scratch);
            binding.bindInput(n.inputIds(), idsV);
            if (layout.hasAttentionMask()) {
                maskV = OrtValues.createTensor(cpu, maskData, 8L * batch * total, shape + 16, 2, OrtApi.INT64, scratch);
                binding.bindInput(n.attentionMask(), maskV);
            }
            if (layout.hasPositionIds()) {
                posV = OrtValues.createTensor(cpu, pos.address() + 8L * offset, bk, shape, 2, OrtApi.INT64, scratch);
                binding.bindInput(n.positionIds(), posV);
            }
            if (layout.hasSeqlensInputs()) { // what GenAI graphs compute from the mask: row sums - 1, width
                for (int b = 0; b < batch; b++) {
                    long sum = 0;
                    for (int c = 0; c < total; c++) {
                        sum += maskRows.getAtIndex(I64, (long) b * maskCap + c);
                    }
                    seqlens.setAtIndex(I32, b, (int) sum - 1);
                }
                totalLength.set(I32, 0, total);
                seqV = OrtValues.createTensor(cpu, seqlens.address(), 4L * batch, shape + 72, 1, OrtApi.INT32, scratch);
                totV = OrtValues.createTensor(cpu, totalLength.address(), 4, shape, 0, OrtApi.INT32, scratch);
                binding.bindInput(n.seqlensK(), seqV);
                binding.bindInput(n.totalSequenceLength(), totV);
            }
            if (layout.hasUseCacheBranch()) {
                flag.set(ValueLayout.JAVA_BYTE, 0, (byte) (columns > 0 ? 1 : 0));
                flagV = OrtValues.createTensor(cpu, flag.address(), 1, shape + 64, 1, OrtApi.BOOL, scratch);
                binding.bindInput(n.useCacheBranch(), flagV);
            }
            int rows = k;
            if (layout.logitsToKeepInput().isPresent()) {
                rows = expose;
                keep.set(I64, 0, expose);
                keepV = OrtValues.createTensor(cpu, keep.address(), 8, shape, 0, OrtApi.INT64, scratch);
                binding.bindInput(n.logitsToKeep(), keepV);
            } else if (lastRowOnly()) {
                rows = 1;
            }
            if (inPlace) {
                for (int i = 0; i < kvCount; i++) {
                    binding.bindInput(n.past(i), kvValues[i]);
                }
            } else {
                if (past[0] == 0) {
                    emptyV = OrtValues.createTensor(cpu, emptyKv.address(), 0, shape + 32, 4, layout.kvElementType(),
                            scratch);
                }
                for (int i = 0; i < kvCount; i++) {
                    binding.bindInput(n.past(i), past[0] == 0 ? emptyV : past[i]);
                }
            }
            // outputs are re-bound every step: logits on host first, then present.* (ORT-allocated in
            // the KV memory, or our in-place buffers)
            binding.bindOutputToDevice(n.logits(), cpu);
            for (int i = 0; i < kvCount; i++) {
                if (inPlace) {
                    binding.bindOutput(n.present(i), kvValues[i]);
                } else {
                    binding.bindOutputToDevice(n.present(i), kvInfo);
                }
            }
            long session = src.session().use(); // counted: the session is never released under this run
            try {
                binding.run(session, runOptions.ptr().address());
            } catch (RuntimeException e) {
                // flag and terminate flag change together (a cancel racing this clear would otherwise
                // leave ORT's flag set with ours cleared, and the next run fail as an ORT error)
                synchronized (cancelLock) {
                    if (cancelRequested) {
                        cancelRequested = false;
                        runOptions.clearTerminate();
                        throw new java.util.concurrent.CancellationException("run cancelled: " + e.getMessage());
                    }
                }
                throw e;
            } finally {
                src.session().done();
            }
            binding.takeOutputs(scratch, outs);
            binding.clear(); // drop ORT's references to the old past and the new outputs: we own them now
            ran = true;
            return checkLogitsSize(rows, expose);
        } finally {
            if (!ran) {
                binding.clear();
            }
            OrtValues.release(idsV);
            OrtValues.release(maskV);
            OrtValues.release(posV);
            OrtValues.release(seqV);
            OrtValues.release(totV);
            OrtValues.release(flagV);
            OrtValues.release(keepV);
            OrtValues.release(emptyV);
        }
    }

    /**
     * In place: makes the KV buffers hold at least {@code total} positions, doubling (capped at
     * the model's maximum positions) and copying each row's live positions over.
     */
    private void ensureCapacity(int total) {
        if (total <= kvCap) {
            return;
        }
        int cap = Math.max(total, Math.max(2 * kvCap, 64));
        cap = Math.max(total, Math.min(cap, src.maxColumns()));
        int elem = layout.kvElementType() == OrtApi.FLOAT ? 4 : 2;
        long row = (long) layout.headDim() * elem; // bytes of one position of one head
        long heads = (long) batch * layout.kvHeads();
        long tensorBytes = heads * cap * row;
        Arena a = Arena.ofShared();
        long[] vals = new long[kvCount];
        int made = 0;
        try {
            MemorySegment data = a.allocate(tensorBytes * kvCount, 64);
            shapes.setAtIndex(I64, 12, cap);
            long cpu = src.cpuInfo().ptr().address();
            for (; made < kvCount; made++) {
                vals[made] = OrtValues.createTensor(cpu, data.address() + made * tensorBytes, tensorBytes,
                        shapes.address() + 80, 4, layout.kvElementType(), scratch);
            }
            long oldTensorBytes = heads * kvCap * row;
            for (int i = 0; i < kvCount && columns > 0; i++) { // (tensor, batch row, head) chunks: live positions
                for (long h = 0; h < heads; h++) {
                    MemorySegment.copy(kvData, i * oldTensorBytes + h * kvCap * row, data, i * tensorBytes + h * cap * row,
                            columns * row);
                }
            }
            for (int i = 0; i < kvCount; i++) {
                OrtValues.release(kvValues[i]);
                kvValues[i] = vals[i];
            }
            if (kvArena != null) {
                kvArena.close();
            }
            kvArena = a;
            kvData = data;
            kvCap = cap;
        } catch (RuntimeException | OutOfMemoryError e) {
            for (int i = 0; i < made; i++) {
                OrtValues.release(vals[i]);
            }
            a.close();
            throw e;
        }
    }

    /** Whether the graph returns only the last position's logits (declared so, or seen at run time). */
    private boolean lastRowOnly() {
        return layout.lastRowOnly() || src.lastRowOnlyObserved();
    }

    /** Thrown (after releasing the outputs) when a graph turns out to return only the last row. */
    private static final class LastRowOnly extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LastRowOnly() {
            super(null, null, false, false);
        }
    }

    /**
     * Returns the logits rows per sequence the run produced. Fails (releasing the new outputs,
     * keeping the state) unless the logits tensor holds {@code batch * rows * vocab} elements: the
     * views read that many in place, so a graph whose dynamic vocabulary is shorter than
     * config.json's vocab_size must not be read past its end. A graph that declares a dynamic
     * sequence dimension but returns only the last position is accepted when one row is needed,
     * and otherwise re-run one token at a time.
     */
    private int checkLogitsSize(int rows, int expose) {
        long got = OrtValues.elementCount(outs[0], scratch);
        long want = (long) batch * rows * vocab;
        if (got == want) {
            return rows;
        }
        if (rows > 1 && got == (long) batch * vocab) {
            src.observeLastRowOnly();
            if (expose == 1) {
                return 1;
            }
            for (long v : outs) {
                OrtValues.release(v);
            }
            throw new LastRowOnly();
        }
        for (long v : outs) {
            OrtValues.release(v);
        }
        throw new EFTException("logits output has " + got + " elements, expected " + want + " (batch " + batch
                + " x rows " + rows + " x vocab " + vocab + "); does config.json's vocab_size match the graph?");
    }

    /**
     * The exposed logits are being replaced: freed (or left for reuse), unless a view of them was
     * handed out; then they are kept, unchanged, until the views' epoch ends ({@link LogitsViews}).
     */
    private void retireLogits() {
        boolean viewed = views.replace();
        if (gathered) { // a gather buffer: logitsValue is 0
            if (viewed) {
                int i = gather[0] != null && logitsAddress == gather[0].address() ? 0 : 1;
                views.keep(gatherArenas[i], gather[i].byteSize());
                gatherArenas[i] = null; // the next stepwise run allocates a fresh one
                gather[i] = null;
            }
        } else if (layout.logitsElementType() == OrtApi.FLOAT) {
            if (viewed) {
                views.keep(logitsValue, 4L * batch * rowsOut * vocab);
            } else {
                OrtValues.release(logitsValue);
            }
        } else {
            OrtValues.release(logitsValue); // the views are of the conversion buffer: keep that one
            if (viewed && convArena != null) {
                views.keep(convArena, conv.byteSize());
                convArena = null;
                conv = null;
            }
        }
        logitsValue = 0;
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
    void copyRowTo(int b, int r, float[] dst) {
        MemorySegment.copy(ALL, ValueLayout.JAVA_FLOAT, logitsAddress + rowOffset(b, r), dst, 0, vocab);
    }

    private long rowOffset(int b, int r) {
        long row = layout.logitsElementType() == OrtApi.FLOAT && !gathered
                ? (long) b * rowsOut + rowsOut - exposed + r
                : (long) b * exposed + r;
        return row * 4 * vocab;
    }

    /**
     * {@link #cancel()} for a state's public {@code cancel}: nothing once {@code owner} is closed,
     * and a close racing with it (the run options released under us) is not an error.
     */
    void cancelUnlessClosed(CallGuard owner) {
        if (owner.isClosed()) {
            return;
        }
        try {
            cancel();
        } catch (IllegalStateException e) {
            if (!owner.isClosed()) {
                throw e;
            } // closed meanwhile
        }
    }

    /** Asks ORT to stop the run in progress (or the next one) of this stepper. */
    void cancel() {
        synchronized (cancelLock) {
            runOptions.terminate();
            cancelRequested = true;
        }
    }

    @Override
    public void close() {
        views.close(); // first: logits views die before anything they point at is released
        arena.close();
        reset();
        OrtValues.release(logitsValue);
        logitsValue = 0;
        logitsAddress = 0;
        for (int i = 0; i < kvCount; i++) {
            OrtValues.release(kvValues[i]);
            kvValues[i] = 0;
        }
        binding.close();
        runOptions.close();
        for (Arena a : new Arena[] {idsArena, maskArena, packedArena, convArena, gatherArenas[0], gatherArenas[1], kvArena}) {
            if (a != null) {
                a.close();
            }
        }
    }
}
