package io.github.eft4j.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * ONNX Runtime's native libraries extracted once per user into a cache, instead of once per JVM
 * into {@code /tmp/onnxruntime-java*} (about 33 MB per start, plus the 583 MB CUDA provider of the
 * GPU jar whenever CUDA is requested, and left behind when a JVM is killed).
 *
 * <p>The cache is {@code $XDG_CACHE_HOME/eft4j/onnxruntime/<version>-<key>} (or
 * {@code ~/.cache/eft4j/...}), where {@code key} is derived from the names, sizes and CRC-32s of
 * the libraries in the jar (read from the jar's directory, without reading the libraries). It is
 * written into a temporary directory and renamed into place, so a JVM never sees a half-written
 * cache and two JVMs starting at once both end up using one complete copy. A provider library
 * (CUDA) is added to that directory on first use the same way (temporary file, rename).
 * Directories are created {@code rwx------} and used only if owned by this user and not writable
 * by anyone else. Stale temporary directories (over an hour old) and other versions' directories
 * unused for 30 days are removed; nothing else is ever deleted.
 *
 * <p>The official loader is pointed at the directory through its only switch, the system property
 * {@value #NATIVE_PATH}, which {@link OrtStartup} sets just for the loader's static initialiser
 * and removes again. Nothing is cached (ORT's own per-JVM extraction is used) when
 * {@code -D}{@value #OPT_OUT}{@code =false}, when the user set {@value #NATIVE_PATH} or
 * {@code onnxruntime.native.onnxruntime.path}, when the library was loaded before eft-onnx, or
 * when the cache directory cannot be used (logged at WARNING once).
 */
final class NativeLibraryCache {
    /** The official loader's directory property. */
    static final String NATIVE_PATH = "onnxruntime.native.path";
    /** Set to {@code false} to leave extraction to the official loader. */
    static final String OPT_OUT = "eft4j.onnxruntime.cache";
    /** Libraries the official loader loads at start-up (a missing one is skipped, as ORT does). */
    private static final String[] CORE = {"onnxruntime", "onnxruntime4j_jni", "onnxruntime_providers_shared"};
    private static final Pattern VERSION_DIR = Pattern.compile("[0-9A-Za-z.+_]+-[0-9a-f]{16}");
    private static final Duration TMP_AGE = Duration.ofHours(1);
    private static final Duration UNUSED_AGE = Duration.ofDays(30);
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");
    private static final System.Logger LOG = System.getLogger("io.github.eft4j.onnx");

    private static volatile Path directory;
    private static volatile ClassLoader loader;

    private NativeLibraryCache() {
    }

    /**
     * Returns the directory the official loader should load from, extracting it first if needed,
     * or empty when the official loader should do its own extraction.
     *
     * @param cl the class loader that sees the {@code ai.onnxruntime} jar
     * @return the cache directory, or empty
     */
    static Optional<Path> prepare(ClassLoader cl) {
        if ("false".equalsIgnoreCase(System.getProperty(OPT_OUT))) {
            LOG.log(System.Logger.Level.DEBUG, "{0}=false: onnxruntime extracts its libraries itself", OPT_OUT);
            return Optional.empty();
        }
        if (System.getProperty(NATIVE_PATH) != null || System.getProperty("onnxruntime.native.onnxruntime.path") != null) {
            return Optional.empty(); // the user chose where the libraries are
        }
        try {
            String platform = platform();
            Library[] libs = new Library[CORE.length];
            int n = 0;
            for (String name : CORE) {
                Library l = Library.find(cl, platform, name);
                if (l != null) {
                    libs[n++] = l;
                }
            }
            if (n == 0 || libs[0] == null || !libs[0].name.equals("onnxruntime")) {
                return Optional.empty(); // no bundled libraries: ORT loads from java.library.path
            }
            Path root = root();
            Path dir = root.resolve(version(cl) + "-" + key(libs, n));
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                extract(root, dir, libs, n);
            }
            checkPrivate(dir);
            for (int i = 0; i < n; i++) {
                Path f = dir.resolve(libs[i].fileName);
                if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) || Files.size(f) != libs[i].size) {
                    throw new IOException(f + " is missing or has the wrong size (expected " + libs[i].size + " bytes)");
                }
            }
            touch(dir);
            prune(root, dir);
            directory = dir;
            loader = cl;
            LOG.log(System.Logger.Level.DEBUG, "onnxruntime libraries from {0}", dir);
            return Optional.of(dir);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot use the onnxruntime library cache ({0}); onnxruntime extracts "
                    + "its libraries into the temporary directory instead (-D{1}=false silences this)",
                    e.getMessage(), OPT_OUT);
            return Optional.empty();
        }
    }

    /**
     * Adds a provider library (e.g. {@code onnxruntime_providers_cuda}) to the cache directory in
     * use, if there is one and the jar carries the library; a second JVM finds it there.
     *
     * @param name the library's short name
     * @return true if the library is now in the cache directory
     */
    static boolean addProvider(String name) {
        Path dir = directory;
        if (dir == null) {
            return false;
        }
        try {
            Library l = Library.find(loader, platform(), name);
            if (l == null) {
                return false;
            }
            Path f = dir.resolve(l.fileName);
            if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) && Files.size(f) == l.size) {
                return true;
            }
            Path tmp = Files.createTempFile(dir, ".tmp-" + l.fileName + "-", "",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                l.copyTo(tmp);
                // a racing JVM may have renamed the same bytes into place first: replacing is harmless
                Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot add {0} to the onnxruntime library cache {1}: {2}", name, dir,
                    e.getMessage());
            return false;
        }
    }

    /**
     * Returns the cache directory in use, if any.
     *
     * @return the directory, or null when the official loader extracted the libraries
     */
    static Path directory() {
        return directory;
    }

    /** {@code $XDG_CACHE_HOME/eft4j/onnxruntime}, else {@code ~/.cache/eft4j/onnxruntime}. */
    static Path root() throws IOException {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".cache");
        Path eft = base.resolve("eft4j");
        Path root = eft.resolve("onnxruntime");
        for (Path p : new Path[] {base, eft, root}) {
            if (!Files.isDirectory(p)) {
                try {
                    Files.createDirectory(p, PosixFilePermissions.asFileAttribute(PRIVATE));
                } catch (FileAlreadyExistsException e) {
                    // created concurrently
                } catch (UnsupportedOperationException e) {
                    Files.createDirectories(p);
                }
            }
        }
        checkPrivate(eft);
        checkPrivate(root);
        return root;
    }

    /**
     * Refuses a directory another user could have written: it must be a real directory (not a
     * link), owned by this user, and not writable by group or others.
     */
    private static void checkPrivate(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + " is not a directory");
        }
        if (!Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            return;
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(dir + " is writable by group or others (" + PosixFilePermissions.toString(perms) + ")");
        }
        Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        Object me = uid();
        if (me != null && !me.equals(owner)) {
            throw new IOException(dir + " belongs to uid " + owner + ", not to this user (uid " + me + ")");
        }
    }

    /** This process's uid, from {@code /proc/self} (null where there is no procfs). */
    private static Object uid() {
        try {
            return Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void extract(Path root, Path dir, Library[] libs, int n) throws IOException {
        Path tmp = Files.createTempDirectory(root, ".tmp-" + dir.getFileName() + "-",
                PosixFilePermissions.asFileAttribute(PRIVATE));
        try {
            for (int i = 0; i < n; i++) {
                libs[i].copyTo(tmp.resolve(libs[i].fileName));
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                LOG.log(System.Logger.Level.DEBUG, "extracted onnxruntime libraries to {0}", dir);
            } catch (IOException e) {
                if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    throw e;
                } // another JVM renamed its copy into place first: use that one
            }
        } finally {
            deleteTree(tmp);
        }
    }

    /** Marks the directory as used (at most daily) so pruning of unused versions can tell. */
    private static void touch(Path dir) {
        try {
            FileTime now = FileTime.from(Instant.now());
            if (Files.getLastModifiedTime(dir).toInstant().isBefore(Instant.now().minus(Duration.ofDays(1)))) {
                Files.setLastModifiedTime(dir, now);
            }
        } catch (IOException | RuntimeException e) {
            // best effort
        }
    }

    /**
     * Removes this user's temporary directories older than an hour (left by a killed JVM) and
     * other versions' directories unused for 30 days; entries not named like ours are left alone.
     */
    private static void prune(Path root, Path keep) {
        Object me = uid();
        Instant now = Instant.now();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (p.equals(keep) || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                Duration age = Duration.between(Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant(), now);
                boolean stale = name.startsWith(".tmp-") ? age.compareTo(TMP_AGE) > 0
                        : VERSION_DIR.matcher(name).matches() && age.compareTo(UNUSED_AGE) > 0;
                if (stale && (me == null || me.equals(Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)))) {
                    deleteTree(p);
                    LOG.log(System.Logger.Level.DEBUG, "removed stale onnxruntime library cache {0}", p);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot prune " + root, e);
        }
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot delete " + p, e);
        }
    }

    /** The official package's platform folder, e.g. {@code linux-x64}, {@code osx-aarch64}. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.contains("mac") || os.contains("darwin") ? "osx" : os.contains("win") ? "win"
                : os.contains("nux") ? "linux" : os;
        String a = arch.startsWith("amd64") || arch.startsWith("x86_64") ? "x64" : arch;
        return o + "-" + a;
    }

    private static String version(ClassLoader cl) {
        try {
            Package p = Class.forName("ai.onnxruntime.OrtEnvironment", false, cl).getPackage();
            String v = p == null ? null : p.getImplementationVersion();
            if (v != null && v.matches("[0-9A-Za-z.+_]+")) {
                return v;
            }
        } catch (ClassNotFoundException | LinkageError e) {
            // no version: the key alone identifies the libraries
        }
        return "unknown";
    }

    /** 16 hex digits of SHA-256 over each library's name, size and CRC-32. */
    private static String key(Library[] libs, int n) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < n; i++) {
                md.update((libs[i].fileName + ":" + libs[i].size + ":" + libs[i].crc + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A bundled library: where it is in the jar, its size and CRC-32. */
    private record Library(String name, String fileName, URL url, long size, long crc) {
        static Library find(ClassLoader cl, String platform, String name) throws IOException {
            String file = System.mapLibraryName(name).replace("jnilib", "dylib");
            URL url = cl.getResource("ai/onnxruntime/native/" + platform + "/" + file);
            if (url == null) {
                return null;
            }
            URLConnection c = url.openConnection();
            if (c instanceof JarURLConnection j) {
                JarEntry e = j.getJarEntry();
                if (e.getSize() >= 0 && e.getCrc() >= 0) {
                    return new Library(name, file, url, e.getSize(), e.getCrc());
                }
            }
            // not in a jar (an exploded class path): checksum the bytes
            CRC32 crc = new CRC32();
            long size = 0;
            try (InputStream in = url.openStream()) {
                byte[] buf = new byte[1 << 16];
                for (int r; (r = in.read(buf)) > 0; size += r) {
                    crc.update(buf, 0, r);
                }
            }
            return new Library(name, file, url, size, crc.getValue());
        }

        void copyTo(Path target) throws IOException {
            long n;
            try (InputStream in = url.openStream(); OutputStream out = Files.newOutputStream(target)) {
                n = in.transferTo(out);
            }
            if (n != size) {
                throw new IOException("extracted " + n + " bytes of " + fileName + ", expected " + size);
            }
        }
    }
}
