package io.github.eft4j.spark;

import io.github.eft4j.model.EFTException;
import io.github.eft4j.onnx.ExecutionProvider;
import io.github.eft4j.onnx.ModelFolder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * One task's leases on the models of its spec, taken from the executor's {@link ModelRegistry}.
 * Closing releases them (the models stay loaded for the next task, or close when idle).
 */
final class TaskModels implements AutoCloseable {
    private final Map<String, ModelRegistry.Lease> leases;   // spec order
    private boolean closed;

    private TaskModels(Map<String, ModelRegistry.Lease> leases) {
        this.leases = leases;
    }

    /**
     * Takes a lease on every component's model and checks that they share one tokenizer.
     *
     * @param cfg the config
     * @param task the task (its GPU resource picks the CUDA device), or null
     * @throws EFTException naming the component, its location and this executor if a model
     *     cannot be loaded here
     * @throws IllegalArgumentException if the tokenizers differ
     */
    static TaskModels open(EFTSparkConfig cfg, TaskContext task) {
        int device = cfg.provider() == ExecutionProvider.CUDA ? cudaDevice(cfg, task) : 0;
        Map<String, ModelRegistry.Lease> leases = new LinkedHashMap<>();
        try {
            for (String component : SpecNames.components(cfg.spec())) {
                String location = cfg.models().get(component);
                ModelRegistry.Lease lease;
                try {
                    Path dir = ModelLocation.resolve(location);
                    lease = ModelRegistry.SHARED.acquire(
                            new ModelRegistry.Key(dir, cfg.variant(), cfg.provider(), device, cfg.intraOpThreads()), cfg.modelIdleMillis());
                } catch (RuntimeException e) {
                    throw new EFTException("eft-spark: cannot load component '" + component + "' from '" + location
                            + "' on executor " + executorId() + ": " + e.getMessage(), e);
                }
                leases.put(component, lease);
            }
            List<ModelFolder> folders = new ArrayList<>();
            leases.values().forEach(l -> folders.add(l.folder()));
            ModelFolder.requireSameTokenizer(folders);
            return new TaskModels(leases);
        } catch (RuntimeException | Error e) {
            leases.values().forEach(ModelRegistry.Lease::close);
            throw e;
        }
    }

    /** The first GPU Spark assigned to the task, else the configured device, else 0. */
    private static int cudaDevice(EFTSparkConfig cfg, TaskContext task) {
        if (cfg.cudaDevice() >= 0) {
            return cfg.cudaDevice();
        }
        if (task != null) {
            ResourceInformation gpu = task.resourcesJMap().get("gpu");
            if (gpu != null && gpu.addresses().length > 0) {
                try {
                    return Integer.parseInt(gpu.addresses()[0].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("the task's gpu resource address '" + gpu.addresses()[0]
                            + "' is not a device number; set cudaDevice", e);
                }
            }
        }
        return 0;
    }

    private static String executorId() {
        SparkEnv env = SparkEnv.get();
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "unknown host";
        }
        return (env == null ? "(no Spark)" : env.executorId()) + " on " + host;
    }

    /** The folder of one component. */
    ModelFolder folder(String component) {
        return leases.get(component).folder();
    }

    /** The folders, in spec order. */
    List<ModelFolder> folders() {
        List<ModelFolder> out = new ArrayList<>();
        leases.values().forEach(l -> out.add(l.folder()));
        return out;
    }

    /** Releases the leases. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        leases.values().forEach(ModelRegistry.Lease::close);
    }
}
