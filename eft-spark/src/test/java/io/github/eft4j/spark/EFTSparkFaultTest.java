package io.github.eft4j.spark;

import static io.github.eft4j.spark.SparkTestSupport.Generated;
import static io.github.eft4j.spark.SparkTestSupport.PlainLoop;
import static io.github.eft4j.spark.SparkTestSupport.byId;
import static io.github.eft4j.spark.SparkTestSupport.pathConfig;
import static io.github.eft4j.spark.SparkTestSupport.promptRows;
import static io.github.eft4j.spark.SparkTestSupport.prompts;
import static io.github.eft4j.spark.SparkTestSupport.spark;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.onnx.OnnxLogitSource;
import io.github.eft4j.sampling.SamplingConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Failed and killed tasks: a task that fails once (injected) is retried and the output still
 * equals the plain loop; a killed task starts no forward pass after Spark marks it killed; the
 * shared models stay usable, and once they are closed no ONNX Runtime object is left.
 */
class EFTSparkFaultTest {
    private static final int N = 60;
    private static List<Row> rows;
    private static final Map<Long, Generated> expected = new HashMap<>();

    @BeforeAll
    static void plainLoop() {
        rows = promptRows(N);
        try (PlainLoop loop = new PlainLoop()) {
            for (Row r : rows) {
                expected.put(r.getLong(0), loop.generate(EFTSpec.upscale(), r, SamplingConfig.greedyDecoding(), 0, 24));
            }
        }
    }

    @AfterEach
    void noHook() {
        TaskGuard.hook = null;
    }

    private static void assertExpected(List<Row> got) {
        assertEquals(N, got.size());
        for (Row r : got) {
            assertEquals(expected.get(r.getLong(0)), Generated.of(r), "row " + r.getLong(0));
        }
    }

    @Test
    void aTaskThatFailsOnceIsRetriedAndTheOutputIsUnchanged() {
        AtomicInteger passes = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        TaskGuard.hook = task -> {
            // the first attempt of partition 1 fails in the middle of its rows
            if (task != null && task.partitionId() == 1 && task.attemptNumber() == 0 && passes.incrementAndGet() == 150) {
                failed.set(true);
                throw new IllegalStateException("injected executor fault");
            }
        };
        List<Row> got = byId(EFTSpark.generate(prompts(rows, 2), pathConfig().build()));
        assertTrue(failed.get(), "the fault was injected");
        assertExpected(got);
    }

    /** With and without Spark interrupting the task threads ({@code interruptOnCancel}). */
    @ParameterizedTest(name = "interruptOnCancel {0}")
    @ValueSource(booleans = {true, false})
    void aKilledTaskStopsAndLeavesTheModelsUsable(boolean interrupt) throws Exception {
        SparkContext sc = spark().sparkContext();
        CountDownLatch decoding = new CountDownLatch(2);
        AtomicInteger afterKill = new AtomicInteger();
        AtomicInteger passes = new AtomicInteger();
        TaskGuard.hook = task -> {
            passes.incrementAndGet();
            if (task != null && task.isInterrupted()) {
                afterKill.incrementAndGet();   // a forward pass about to start in a killed task
            }
            decoding.countDown();
            try {
                Thread.sleep(5);   // slow steps, so the job is still decoding when it is cancelled
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread job = new Thread(() -> {
            sc.setJobGroup("eft-kill-test", "cancelled by the test", interrupt);
            try {
                EFTSpark.generate(prompts(rows, 2), pathConfig().build()).collectAsList();
            } catch (Throwable t) {
                outcome.set(t);
            } finally {
                sc.clearJobGroup();
            }
        });
        job.start();
        assertTrue(decoding.await(120, TimeUnit.SECONDS), "the job started decoding");
        int before = passes.get();
        sc.cancelJobGroup("eft-kill-test");
        job.join(TimeUnit.SECONDS.toMillis(120));
        assertTrue(!job.isAlive(), "the cancelled job returned");
        assertNotNull(outcome.get(), "the cancelled job failed");
        assertTrue(String.valueOf(outcome.get().getMessage()).contains("cancel"), outcome.get().toString());
        awaitNoLeases();   // the killed tasks have ended and released their models
        // a kill landing between a pass's check and its start is the only way in: one pass per task
        assertTrue(afterKill.get() <= 2, "forward passes started after their task was marked killed: " + afterKill.get());
        assertTrue(passes.get() - before < N * 24 * 3, "decoding stopped early: " + (passes.get() - before) + " passes after the cancel");
        TaskGuard.hook = null;

        // the models the killed tasks used are still loaded and still work
        assertTrue(ModelRegistry.SHARED.size() >= 3);
        assertExpected(byId(EFTSpark.generate(prompts(rows, 2), pathConfig().build())));
    }

    @Test
    void noOnnxRuntimeObjectIsLeftOnceTheModelsClose() {
        TaskGuard.hook = task -> {
            if (task != null && task.partitionId() == 0 && task.attemptNumber() == 0) {
                throw new IllegalStateException("injected executor fault");
            }
        };
        List<Row> got = byId(EFTSpark.generate(prompts(rows, 2), pathConfig().modelIdleMillis(0).build()));
        assertExpected(got);
        awaitNoLeases();
        ModelRegistry.SHARED.closeIdle();
        assertEquals(0, ModelRegistry.SHARED.size());
        assertEquals(0, OnnxLogitSource.liveNativeObjects(), "live ONNX Runtime objects");
    }

    private static void awaitNoLeases() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (ModelRegistry.SHARED.references() > 0) {
            assertTrue(System.nanoTime() < deadline, "tasks still hold " + ModelRegistry.SHARED.references() + " model leases");
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
