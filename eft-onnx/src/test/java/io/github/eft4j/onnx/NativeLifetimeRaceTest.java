package io.github.eft4j.onnx;

import static io.github.eft4j.onnx.TestGraphs.assertClose;
import static io.github.eft4j.onnx.TestGraphs.row;
import static io.github.eft4j.onnx.TestGraphs.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.eft4j.model.BatchDecodingState;
import io.github.eft4j.model.DecodingState;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cross-thread misuse of native-backed objects, each race repeated {@value #DEFAULT_REPS} times
 * ({@code -Deft4j.test.raceReps=N} for more) with seeded random delays: close during append,
 * close during a prefill-sized run, two threads on one state, cancel during append, source close
 * while states open, logits views read after the next step or during close. Each must end in an
 * exception or a correct result, never a crash, and leave no native object behind. Tagged
 * {@code races}: its own surefire execution (a fresh forked JVM), so a regression that crashes
 * the JVM fails the build instead of killing the other tests.
 */
@Tag("races")
class NativeLifetimeRaceTest {
    static final int DEFAULT_REPS = 1000;
    static final int REPS = Integer.getInteger("eft4j.test.raceReps", DEFAULT_REPS);

    @AfterEach
    void noLeaks() {
        TestGraphs.assertNoLeaks();
    }

    /**
     * Sources on several graphs, used in turn by the repetitions: the optimum layout (KV
     * concatenated by the graph, rollback by masking) and GroupQueryAttention (KV in place in our
     * buffer, rollback by rewinding).
     */
    private record Sources(OnnxLogitSource[] all) implements AutoCloseable {
        static Sources of(String... graphs) {
            OnnxLogitSource[] s = new OnnxLogitSource[graphs.length];
            for (int i = 0; i < graphs.length; i++) {
                s[i] = TestGraphs.open(graphs[i]);
            }
            return new Sources(s);
        }

        OnnxLogitSource get(int rep) {
            return all[rep % all.length];
        }

        @Override
        public void close() {
            for (OnnxLogitSource s : all) {
                s.close();
            }
        }
    }

    static final String[] KV_PATHS = {"llama_gqa", "gqa"};

    /** Busy-waits 0 to {@code maxMicros} µs: finer than parking, so every phase of a call gets hit. */
    private static void randomDelay(Random rnd, int maxMicros) {
        long until = System.nanoTime() + rnd.nextInt(maxMicros + 1) * 1000L;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    private static Thread start(String name, Runnable r, AtomicReference<Throwable> unexpected) {
        Thread t = new Thread(() -> {
            try {
                r.run();
            } catch (Throwable e) {
                unexpected.compareAndSet(null, e);
            }
        }, name);
        t.start();
        return t;
    }

    private static void join(Thread t) {
        try {
            t.join(60_000);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        assertTrue(!t.isAlive(), t.getName() + " did not finish");
    }

    private static void assertNone(AtomicReference<Throwable> unexpected, int rep) {
        if (unexpected.get() != null) {
            throw new AssertionError("rep " + rep + ": unexpected " + unexpected.get(), unexpected.get());
        }
    }

    /** The two ways a call may fail when its state is closed by another thread. */
    private static boolean closedMessage(IllegalStateException e) {
        String m = e.getMessage();
        return m.endsWith(" is closed") || m.contains("was closed by another thread during the call");
    }

    @Test
    void closeDuringAppend() {
        Random rnd = new Random(11);
        int[] outcomes = new int[3]; // closed before a call, closed during a call, all appends done
        try (Sources sources = Sources.of(KV_PATHS)) {
            for (int rep = 0; rep < REPS; rep++) {
                OnnxLogitSource src = sources.get(rep);
                OnnxDecodingState s = src.open(new int[] {1, 2, 3});
                AtomicReference<Throwable> unexpected = new AtomicReference<>();
                AtomicInteger outcome = new AtomicInteger(2);
                Thread a = start("appender", () -> {
                    try {
                        for (int i = 0; i < 20; i++) {
                            s.append(4 + i);
                        }
                    } catch (IllegalStateException e) {
                        if (!closedMessage(e)) {
                            throw e;
                        }
                        outcome.set(e.getMessage().contains("during the call") ? 1 : 0);
                    }
                }, unexpected);
                randomDelay(rnd, 600);
                s.close();
                assertEquals(0, src.openStates(), "close returned before freeing");
                join(a);
                assertNone(unexpected, rep);
                outcomes[outcome.get()]++;
            }
        }
        System.out.println("closeDuringAppend: closed before a call / during a call / after all appends: "
                + Arrays.toString(outcomes));
    }

    /** Close while the state runs 40 positions at once or recomputes its cache (prefill-sized runs). */
    @Test
    void closeDuringPrefill() {
        Random rnd = new Random(12);
        int[] chunk = new Random(1).ints(40, 0, 64).toArray();
        int[] outcomes = new int[3];
        try (Sources sources = Sources.of(KV_PATHS)) {
            for (int rep = 0; rep < REPS; rep++) {
                OnnxLogitSource src = sources.get(rep);
                OnnxDecodingState s = src.open(new int[] {1});
                AtomicReference<Throwable> unexpected = new AtomicReference<>();
                AtomicInteger outcome = new AtomicInteger(2);
                Thread a = start("prefiller", () -> {
                    try {
                        s.append(chunk);     // one 40-position run
                        s.truncate(2);       // 38 dead columns (masked graph) or a rewind (GroupQueryAttention):
                        s.append(5);         // masked: this append recomputes the cache first (a prefill)
                    } catch (IllegalStateException e) {
                        if (!closedMessage(e)) {
                            throw e;
                        }
                        outcome.set(e.getMessage().contains("during the call") ? 1 : 0);
                    }
                }, unexpected);
                randomDelay(rnd, 800);
                s.close();
                join(a);
                assertNone(unexpected, rep);
                assertEquals(0, src.openStates());
                outcomes[outcome.get()]++;
            }
        }
        System.out.println("closeDuringPrefill: closed before a call / during a call / completed: " + Arrays.toString(outcomes));
    }

    /**
     * Two threads append to one state: each call either runs or throws IllegalStateException
     * naming the other thread; the state then equals a fresh decode of what was appended.
     */
    @Test
    void twoThreadsOnOneState() {
        Random rnd = new Random(13);
        int refused = 0;
        try (Sources sources = Sources.of(KV_PATHS)) {
            for (int rep = 0; rep < REPS; rep++) {
                OnnxLogitSource src = sources.get(rep);
                int seed = rnd.nextInt();
                try (OnnxDecodingState s = src.open(new int[] {1, 2, 3})) {
                    AtomicInteger ok = new AtomicInteger();
                    AtomicInteger busy = new AtomicInteger();
                    AtomicReference<Throwable> unexpected = new AtomicReference<>();
                    Thread[] ts = new Thread[2];
                    for (int t = 0; t < 2; t++) {
                        String other = t == 0 ? "second" : "first";
                        Random r = new Random(seed + t);
                        ts[t] = start(t == 0 ? "first" : "second", () -> {
                            for (int i = 0; i < 5; i++) {
                                randomDelay(r, 100);
                                try {
                                    s.append(7);
                                    ok.incrementAndGet();
                                } catch (IllegalStateException e) {
                                    if (!e.getMessage().contains("in use by thread \"" + other + "\"")) {
                                        throw e;
                                    }
                                    busy.incrementAndGet();
                                }
                            }
                        }, unexpected);
                    }
                    join(ts[0]);
                    join(ts[1]);
                    assertNone(unexpected, rep);
                    refused += busy.get();
                    int[] expected = new int[3 + ok.get()];
                    Arrays.fill(expected, 7);
                    expected[0] = 1;
                    expected[1] = 2;
                    expected[2] = 3;
                    assertEquals(expected.length, s.length(), "length after the race");
                    try (DecodingState fresh = src.open(expected)) {
                        assertClose(toDouble(row(fresh.logits())), row(s.logits()), 1e-4, "rep " + rep);
                    }
                }
            }
        }
        System.out.println("twoThreadsOnOneState: " + refused + " calls refused with the owner's name");
    }

    /**
     * Another thread cancels at random moments; the decoding thread retries a cancelled append.
     * A cancelled call must leave the state exactly as before it, so the final logits equal a
     * fresh decode of the whole sequence.
     */
    @Test
    void cancelDuringAppend() {
        Random rnd = new Random(14);
        int cancelled = 0;
        int[] seq = new Random(2).ints(14, 0, 64).toArray();
        try (Sources sources = Sources.of(KV_PATHS)) {
            float[][] expectedBySource = new float[KV_PATHS.length][];
            for (int i = 0; i < KV_PATHS.length; i++) {
                try (DecodingState fresh = sources.get(i).open(seq)) {
                    expectedBySource[i] = row(fresh.logits());
                }
            }
            for (int rep = 0; rep < REPS; rep++) {
                OnnxLogitSource src = sources.get(rep);
                float[] expected = expectedBySource[rep % KV_PATHS.length];
                OnnxDecodingState s = src.open(Arrays.copyOf(seq, 2));
                AtomicInteger cancels = new AtomicInteger();
                AtomicReference<Throwable> unexpected = new AtomicReference<>();
                Thread a = start("decoder", () -> {
                    int i = 2;
                    while (i < seq.length) {
                        int k = Math.min(1 + (i % 3), seq.length - i); // runs of 1 to 3 tokens
                        try {
                            s.append(Arrays.copyOfRange(seq, i, i + k));
                            i += k;
                        } catch (CancellationException e) {
                            cancels.incrementAndGet();
                            assertEquals(i, s.length(), "a cancelled append changed the length");
                        }
                    }
                }, unexpected);
                while (a.isAlive()) {
                    randomDelay(rnd, 600);
                    s.cancel();
                }
                join(a);
                assertNone(unexpected, rep);
                cancelled += cancels.get();
                assertEquals(seq.length, s.length());
                assertClose(toDouble(expected), row(s.logits()), 1e-4, "rep " + rep);
                s.close();
                s.cancel(); // on a closed state: nothing
            }
        }
        System.out.println("cancelDuringAppend: " + cancelled + " appends cancelled and retried");
    }

    /**
     * One thread opens, steps and closes a few states; another closes the source at a random
     * moment: refused (IllegalStateException naming the open states) while a state is open, else
     * done, after which the first thread's next open fails. Nothing leaks either way.
     */
    @Test
    void sourceCloseWhileStatesOpen(@TempDir Path dir) {
        Random rnd = new Random(15);
        int refused = 0;
        int closedUnderUser = 0;
        Path tiny = TinyGraph.write(dir); // a source per repetition: a graph that opens in milliseconds
        for (int rep = 0; rep < REPS; rep++) {
            OnnxLogitSource src = OnnxLogitSource.open(OnnxOptions.builder(tiny).threads(1).build());
            AtomicReference<Throwable> unexpected = new AtomicReference<>();
            Thread a = start("user", () -> {
                try {
                    for (int i = 0; i < 4; i++) {
                        try (DecodingState s = src.open(new int[] {1, 2})) {
                            s.append(3);
                        }
                    }
                } catch (IllegalStateException e) {
                    if (!e.getMessage().contains("is closed")) {
                        throw e;
                    }
                }
            }, unexpected);
            randomDelay(rnd, 300);
            try {
                src.close();
                closedUnderUser += a.isAlive() ? 1 : 0;
            } catch (IllegalStateException e) {
                assertTrue(e.getMessage().contains("open decoding state"), e.getMessage());
                refused++;
                join(a);
                src.close();
            }
            join(a);
            assertNone(unexpected, rep);
            assertThrows(IllegalStateException.class, () -> src.open(new int[] {1}));
            assertEquals(0, io.github.eft4j.onnx.NativeHandle.liveCount(), "rep " + rep);
        }
        System.out.println("sourceCloseWhileStatesOpen: " + refused + " closes refused while a state was open, "
                + closedUnderUser + " closed between the user's states");
    }

    /**
     * Views kept past later steps (documented misuse): every read returns exactly the values
     * the view had when it was made, or throws IllegalStateException; after close, all throw.
     */
    @Test
    void staleLogitsViewsNeverReadOtherValues() {
        Random rnd = new Random(16);
        // float32 in ORT's tensor, float16 converted, KV in place, and last-row-only logits
        // (multi-token appends run one token at a time into alternating gather buffers)
        String[] graphs = {"llama_gqa", "llama_fp16", "gqa", "last_row"};
        int threw = 0;
        try (Sources sources = Sources.of(graphs)) {
            List<MemorySegment> views = new ArrayList<>();
            List<float[]> values = new ArrayList<>();
            for (int rep = 0; rep < REPS; rep++) {
                OnnxLogitSource src = sources.get(rep);
                try (DecodingState s = src.open(new int[] {1 + rnd.nextInt(60)})) {
                    for (int step = 0; step < 3; step++) {
                        MemorySegment v = s.logits(rnd.nextInt(s.logitRows()));
                        views.add(v);
                        values.add(v.toArray(ValueLayout.JAVA_FLOAT));
                        s.append(rnd.ints(1 + rnd.nextInt(3), 0, 64).toArray());
                        for (int i = Math.max(0, views.size() - 40); i < views.size(); i++) {
                            try {
                                assertArrayEquals(values.get(i), views.get(i).toArray(ValueLayout.JAVA_FLOAT),
                                        "a stale view read other values");
                            } catch (IllegalStateException e) {
                                threw++;
                            }
                        }
                    }
                }
                for (MemorySegment v : views.subList(Math.max(0, views.size() - 3), views.size())) {
                    assertThrows(IllegalStateException.class, () -> v.get(ValueLayout.JAVA_FLOAT, 0), "after close");
                }
            }
        }
        System.out.println("staleLogitsViews: " + threw + " stale reads threw, the rest read their own values");
    }

    /** A view read on another thread while the state closes: values or IllegalStateException. */
    @Test
    void viewReadDuringClose() {
        Random rnd = new Random(17);
        try (Sources sources = Sources.of(KV_PATHS)) {
            for (int rep = 0; rep < REPS; rep++) {
                OnnxLogitSource src = sources.get(rep);
                OnnxDecodingState s = src.open(new int[] {1, 2, 3});
                MemorySegment view = s.logits();
                float[] expected = view.toArray(ValueLayout.JAVA_FLOAT);
                AtomicReference<Throwable> unexpected = new AtomicReference<>();
                Thread r = start("reader", () -> {
                    float[] got = new float[expected.length];
                    try {
                        while (true) {
                            MemorySegment.copy(view, ValueLayout.JAVA_FLOAT, 0, got, 0, got.length);
                            if (!Arrays.equals(expected, got)) {
                                fail("view changed under the reader");
                            }
                        }
                    } catch (IllegalStateException e) {
                        // closed: expected end
                    }
                }, unexpected);
                randomDelay(rnd, 300);
                s.close();
                join(r);
                assertNone(unexpected, rep);
            }
        }
    }

    @Test
    void closeDuringBatchAppend() {
        Random rnd = new Random(18);
        try (Sources sources = Sources.of(KV_PATHS)) {
            for (int rep = 0; rep < REPS; rep++) {
                OnnxLogitSource src = sources.get(rep);
                BatchDecodingState b = src.openBatch(new int[][] {{1, 2, 3}, {4}});
                AtomicReference<Throwable> unexpected = new AtomicReference<>();
                Thread a = start("batch", () -> {
                    try {
                        for (int i = 0; i < 20; i++) {
                            b.append(new int[] {5, 6});
                        }
                    } catch (IllegalStateException e) {
                        if (!closedMessage(e)) {
                            throw e;
                        }
                    }
                }, unexpected);
                randomDelay(rnd, 600);
                b.close();
                join(a);
                assertNone(unexpected, rep);
                assertEquals(0, src.openStates());
            }
        }
    }
}
