package io.github.eft4j.onnx;

import io.github.eft4j.internal.json.Json;
import io.github.eft4j.model.EFTException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Typed, range-checked reads of one JSON object of a model's config files. Every error is an
 * {@link IllegalArgumentException} naming the file, the key, the value found and what was
 * expected. A key that is absent or {@code null} (as Hugging Face writes unset fields) is empty.
 * Integers must be JSON integers that fit an {@code int}: {@code 2e3}, {@code 1000.5} and
 * {@code 3000000000} are rejected, not rounded.
 */
final class JsonFields {
    private final String file;
    private final String prefix;
    private final Map<String, Object> map;

    private JsonFields(String file, String prefix, Map<String, Object> map) {
        this.file = file;
        this.prefix = prefix;
        this.map = map;
    }

    /**
     * Reads a file that must hold one JSON object.
     *
     * @throws IllegalArgumentException if it is not valid JSON or not an object
     * @throws EFTException if it cannot be read
     */
    static JsonFields read(Path path) {
        String text;
        try {
            text = Files.readString(path);
        } catch (IOException e) {
            throw new EFTException("cannot read " + path + ": " + e.getMessage(), e);
        }
        return parse(path.toString(), text);
    }

    /** Parses text that must hold one JSON object; {@code file} names it in messages. */
    @SuppressWarnings("unchecked")
    static JsonFields parse(String file, String text) {
        Object v;
        try {
            v = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(file + ": expected a JSON object, got " + describe(v));
        }
        return new JsonFields(file, "", (Map<String, Object>) m);
    }

    String file() {
        return file;
    }

    Map<String, Object> map() {
        return map;
    }

    boolean has(String key) {
        return map.get(key) != null;
    }

    /** A nested object, e.g. {@code rope_scaling}; empty if absent or null. */
    @SuppressWarnings("unchecked")
    Optional<JsonFields> object(String key) {
        Object v = map.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw error(key, v, "an object");
        }
        return Optional.of(new JsonFields(file, prefix + key + ".", (Map<String, Object>) m));
    }

    /** An integer in {@code [min, max]} (both within int). */
    OptionalInt integer(String key, long min, long max) {
        Object v = map.get(key);
        return v == null ? OptionalInt.empty() : OptionalInt.of(checkInt(key, v, min, max));
    }

    /** The first of several spellings of one integer key that is present (e.g. n_head, num_attention_heads). */
    OptionalInt integer(List<String> keys, long min, long max) {
        for (String k : keys) {
            if (has(k)) {
                return integer(k, min, max);
            }
        }
        return OptionalInt.empty();
    }

    /** An integer or a list of integers, each in {@code [min, max]} (e.g. eos_token_id). */
    List<Integer> integers(String key, long min, long max) {
        Object v = map.get(key);
        List<Integer> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (v instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                Object e = list.get(i);
                if (e == null) {
                    throw error(key + "[" + i + "]", null, "an integer in [" + min + ", " + max + "]");
                }
                out.add(checkInt(key + "[" + i + "]", e, min, max));
            }
            return out;
        }
        out.add(checkInt(key, v, min, max));
        return out;
    }

    /**
     * A finite number in {@code [min, max]}, or {@code (min, max]} when {@code minExclusive}.
     */
    Optional<Double> number(String key, double min, double max, boolean minExclusive) {
        Object v = map.get(key);
        if (v == null) {
            return Optional.empty();
        }
        String range = (minExclusive ? "(" : "[") + fmt(min) + ", " + fmt(max) + "]";
        if (!(v instanceof Number n)) {
            throw error(key, v, "a number in " + range);
        }
        double d = n.doubleValue();
        if (!Double.isFinite(d) || d < min || d > max || minExclusive && d == min) {
            throw error(key, v, "a number in " + range);
        }
        return Optional.of(d);
    }

    Optional<Boolean> bool(String key) {
        Object v = map.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof Boolean b)) {
            throw error(key, v, "true or false");
        }
        return Optional.of(b);
    }

    Optional<String> string(String key) {
        Object v = map.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof String s)) {
            throw error(key, v, "a string");
        }
        return Optional.of(s);
    }

    private int checkInt(String key, Object v, long min, long max) {
        String expected = "an integer in [" + min + ", " + max + "]";
        if (v instanceof Long l) {
            if (l < min || l > max) {
                throw error(key, v, expected);
            }
            return (int) (long) l;
        }
        if (v instanceof Double) {
            throw error(key, v, expected + " (no fraction or exponent)");
        }
        throw error(key, v, expected);
    }

    IllegalArgumentException error(String key, Object value, String expected) {
        return new IllegalArgumentException(file + ": \"" + prefix + key + "\" is " + describe(value) + ", expected "
                + expected);
    }

    private static String describe(Object v) {
        return switch (v) {
            case null -> "null";
            case String s -> "\"" + s + "\"";
            case Map<?, ?> m -> "an object";
            case List<?> l -> "a list";
            default -> v.toString();
        };
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
