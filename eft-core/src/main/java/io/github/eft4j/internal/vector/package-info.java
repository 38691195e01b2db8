/**
 * Internal, not part of the API: the float32 row kernels of eft4j ({@link
 * io.github.eft4j.internal.vector.VectorKernels}), in a scalar and a Panama (Vector API) twin,
 * chosen once per JVM by {@link io.github.eft4j.internal.vector.VectorizationProvider}, plus the
 * allocation-free selection helpers behind top-k and top-p ({@link
 * io.github.eft4j.internal.vector.Selection}). Run the JVM with
 * {@code --add-modules jdk.incubator.vector} for the Panama kernels.
 */
package io.github.eft4j.internal.vector;
