package io.github.eft4j.internal.jinja;

import java.util.LinkedHashMap;
import java.util.Map;

/** The object {@code namespace(...)} returns: the one value a template may assign attributes to. */
final class Namespace {
    final Map<String, Object> attrs = new LinkedHashMap<>();
}
