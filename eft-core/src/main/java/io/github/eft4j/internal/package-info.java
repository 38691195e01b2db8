/**
 * Implementation details shared by eft4j's packages (the default batched state, resource
 * helpers). Not part of the API: anything here may change without notice.
 */
package io.github.eft4j.internal;
