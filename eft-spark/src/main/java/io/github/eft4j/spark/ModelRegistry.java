package io.github.eft4j.spark;

import io.github.eft4j.onnx.ExecutionProvider;
import io.github.eft4j.onnx.ModelFolder;
import io.github.eft4j.onnx.OnnxOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The models of one executor JVM: each folder is loaded once per (location, options) and shared
 * by every task that needs it (sources are thread-safe; each task opens its own decoding
 * states). Reference-counted: a folder closes when its last lease is released and no task has
 * asked for it for the idle time, and at JVM exit.
 */
final class ModelRegistry {
    private static final System.Logger LOG = System.getLogger(ModelRegistry.class.getName());

    /** The registry of this JVM. */
    static final ModelRegistry SHARED = new ModelRegistry();

    /**
     * What identifies a loaded model.
     *
     * @param dir the resolved local folder
     * @param variant the model file variant, or null for the default
     * @param provider the execution provider
     * @param device the CUDA device (0 on CPU)
     * @param threads intra-op threads (0 = shared pool)
     */
    record Key(Path dir, String variant, ExecutionProvider provider, int device, int threads) {
        OnnxOptions options(Path model) {
            OnnxOptions.Builder b = OnnxOptions.builder(model).threads(threads);
            if (provider == ExecutionProvider.CUDA) {
                b.cuda(device).strict(true);
            }
            return b.build();
        }
    }

    private static final class Entry {
        final Key key;
        final Object loadLock = new Object();
        volatile ModelFolder folder;
        int refs;                      // guarded by the registry
        ScheduledFuture<?> pendingClose;

        Entry(Key key) {
            this.key = key;
        }
    }

    /** One task's use of one model; closing it releases the reference. */
    final class Lease implements AutoCloseable {
        private final Entry entry;
        private final long idleMillis;
        private boolean released;

        private Lease(Entry entry, long idleMillis) {
            this.entry = entry;
            this.idleMillis = idleMillis;
        }

        /** The loaded folder. */
        ModelFolder folder() {
            return entry.folder;
        }

        /** Releases the reference. Idempotent. */
        @Override
        public void close() {
            synchronized (ModelRegistry.this) {
                if (released) {
                    return;
                }
                released = true;
            }
            release(entry, idleMillis);
        }
    }

    private final Map<Key, Entry> entries = new HashMap<>();
    private ScheduledExecutorService reaper;
    private boolean hooked;

    /**
     * Takes a reference to a model, loading it if this JVM has not yet (or has closed it).
     * Concurrent callers for one key wait for one load; a failed load is retried by the next
     * caller.
     *
     * @param key what to load
     * @param idleMillis how long the model stays loaded once unused, 0 for not at all
     * @return the lease; close it
     * @throws IllegalArgumentException if the folder is missing or incomplete
     * @throws io.github.eft4j.model.EFTException if ONNX Runtime cannot load it
     */
    Lease acquire(Key key, long idleMillis) {
        Entry e;
        synchronized (this) {
            if (!hooked) {
                Runtime.getRuntime().addShutdownHook(new Thread(this::closeAtExit, "eft4j-spark-models-exit"));
                hooked = true;
            }
            e = entries.computeIfAbsent(key, Entry::new);
            e.refs++;
            if (e.pendingClose != null) {
                e.pendingClose.cancel(false);
                e.pendingClose = null;
            }
        }
        try {
            synchronized (e.loadLock) {
                if (e.folder == null) {
                    long t0 = System.nanoTime();
                    e.folder = ModelFolder.loader(key.dir()).variant(key.variant()).options(key::options).load();
                    LOG.log(System.Logger.Level.INFO, "loaded {0} ({1}, {2} thread(s)) in {3} ms", key.dir(),
                            key.provider(), key.threads(), (System.nanoTime() - t0) / 1_000_000);
                }
            }
        } catch (RuntimeException | Error t) {
            release(e, 0);
            throw t;
        }
        return new Lease(e, idleMillis);
    }

    private synchronized void release(Entry e, long idleMillis) {
        if (--e.refs > 0 || entries.get(e.key) != e) {
            return;
        }
        if (idleMillis == 0 || e.folder == null) {
            entries.remove(e.key);
            closeQuietly(e);
        } else {
            e.pendingClose = reaper().schedule(() -> closeIfIdle(e), idleMillis, TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void closeIfIdle(Entry e) {
        if (e.refs == 0 && entries.get(e.key) == e) {
            entries.remove(e.key);
            closeQuietly(e);
        }
    }

    /**
     * Closes every model no task holds now.
     *
     * @return how many were closed
     */
    synchronized int closeIdle() {
        List<Entry> idle = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (e.refs == 0) {
                idle.add(e);
            }
        }
        for (Entry e : idle) {
            if (e.pendingClose != null) {
                e.pendingClose.cancel(false);
            }
            entries.remove(e.key);
            closeQuietly(e);
        }
        return idle.size();
    }

    /**
     * Returns how many models are loaded or loading.
     *
     * @return the entry count
     */
    synchronized int size() {
        return entries.size();
    }

    /**
     * Returns how many leases are held on all models together.
     *
     * @return the reference count
     */
    synchronized int references() {
        int n = 0;
        for (Entry e : entries.values()) {
            n += e.refs;
        }
        return n;
    }

    /** At JVM exit: closes every model; one a task still decodes with refuses and is left to the OS. */
    private void closeAtExit() {
        List<Entry> all;
        synchronized (this) {
            all = new ArrayList<>(entries.values());
            entries.clear();
        }
        for (Entry e : all) {
            closeQuietly(e);
        }
    }

    private static void closeQuietly(Entry e) {
        ModelFolder f = e.folder;
        if (f == null) {
            return;
        }
        try {
            f.close();
            LOG.log(System.Logger.Level.INFO, "closed {0}", e.key.dir());
        } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "could not close " + e.key.dir() + ": " + ex.getMessage(), ex);
        }
    }

    private ScheduledExecutorService reaper() {
        if (reaper == null) {
            ScheduledThreadPoolExecutor r = new ScheduledThreadPoolExecutor(1, task -> {
                Thread t = new Thread(task, "eft4j-spark-model-reaper");
                t.setDaemon(true);
                return t;
            });
            r.setRemoveOnCancelPolicy(true);
            reaper = r;
        }
        return reaper;
    }
}
