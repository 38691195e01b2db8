package io.github.eft4j.spark;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkFiles;

/**
 * Model locations of {@link EFTSparkConfig}: a local path, a {@code file:} URI, or
 * {@code archive:NAME#PATH} (a folder inside an archive shipped with {@code --archives}).
 */
final class ModelLocation {
    static final String ARCHIVE = "archive:";

    private ModelLocation() {
    }

    /**
     * Checks the syntax on the driver (paths themselves are only known on the executors).
     *
     * @throws IllegalArgumentException if the location is blank, an archive location has no
     *     archive name, or it has a scheme other than {@code file:} and {@code archive:}
     */
    static void check(String component, String location) {
        if (location == null || location.isBlank()) {
            throw new IllegalArgumentException("model location of component '" + component + "' must be a path, got "
                    + (location == null ? "null" : "'" + location + "'"));
        }
        if (location.startsWith(ARCHIVE)) {
            String rest = location.substring(ARCHIVE.length());
            int hash = rest.indexOf('#');
            String name = hash < 0 ? rest : rest.substring(0, hash);
            if (name.isEmpty() || name.contains("/")) {
                throw new IllegalArgumentException("model location of component '" + component + "' is '" + location
                        + "'; expected archive:NAME#PATH with NAME the archive's file name or #alias in --archives");
            }
            return;
        }
        int colon = location.indexOf(':');
        int slash = location.indexOf('/');
        boolean scheme = colon > 1 && (slash < 0 || colon < slash);   // "C:\x" is a path, "hdfs://" a scheme
        if (scheme && !location.startsWith("file:")) {
            throw new IllegalArgumentException("model location of component '" + component + "' is '" + location
                    + "'; model folders must be local to each executor: a path, a file: URI, or archive:NAME#PATH "
                    + "for a folder shipped with --archives");
        }
    }

    /**
     * Resolves a location on this executor.
     *
     * @throws IllegalArgumentException if an archive was not shipped here
     */
    static Path resolve(String location) {
        if (location.startsWith(ARCHIVE)) {
            String rest = location.substring(ARCHIVE.length());
            int hash = rest.indexOf('#');
            String name = hash < 0 ? rest : rest.substring(0, hash);
            String inside = hash < 0 ? "" : rest.substring(hash + 1);
            Path root = Path.of(SparkFiles.get(name));
            if (!Files.isDirectory(root)) {
                throw new IllegalArgumentException("archive '" + name + "' is not unpacked on this executor (expected "
                        + root + "); ship it with --archives or spark.archives");
            }
            return inside.isEmpty() ? root : root.resolve(inside).normalize();
        }
        if (location.startsWith("file:")) {
            return Path.of(URI.create(location));
        }
        return Path.of(location).toAbsolutePath().normalize();
    }
}
