package io.github.eft4j.internal;

/** Closing groups of resources so that one failing close never leaks the others. */
public final class Closeables {
    private Closeables() {
    }

    /**
     * Closes every non-null resource, in order, even when one close fails (native memory must not
     * leak). Close failures are added to {@code primary} as suppressed exceptions; without a
     * primary, the first failure is thrown after all were closed, the later ones suppressed in it.
     *
     * @param resources the resources; null entries are skipped
     * @param primary the exception already on its way, or null
     */
    public static void closeAll(AutoCloseable[] resources, Throwable primary) {
        RuntimeException failure = null;
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Exception e) {
                RuntimeException re = e instanceof RuntimeException x ? x : new IllegalStateException("close failed: " + e, e);
                if (primary != null) {
                    primary.addSuppressed(re);
                } else if (failure == null) {
                    failure = re;
                } else {
                    failure.addSuppressed(re);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
