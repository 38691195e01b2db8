package io.github.eft4j.examples.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The subset of JSON Schema (draft 2020-12) that {@code docs/trace.schema.json} uses: {@code $ref}
 * to {@code #/$defs/...}, {@code oneOf}, {@code type} (a name or a list), {@code const}, {@code
 * enum}, {@code properties}, {@code required}, {@code additionalProperties} (false or a schema),
 * {@code items}, {@code minItems}, {@code minimum}, {@code pattern}. A keyword outside the subset
 * is an error, so the schema cannot rely on something this validator would skip.
 */
final class SchemaValidator {
    private static final Set<String> KEYWORDS = Set.of("$schema", "$id", "$defs", "$ref", "title", "description", "oneOf", "type",
            "const", "enum", "properties", "required", "additionalProperties", "items", "minItems", "minimum", "pattern");

    private final Map<String, Object> root;

    SchemaValidator(Map<String, Object> root) {
        this.root = root;
    }

    /** The problems of {@code value}, each with its JSON pointer; empty if it is valid. */
    List<String> validate(Object value) {
        List<String> errors = new ArrayList<>();
        check(root, value, "", errors);
        return errors;
    }

    @SuppressWarnings("unchecked")
    private void check(Map<String, Object> schema, Object v, String at, List<String> errors) {
        for (String k : schema.keySet()) {
            if (!KEYWORDS.contains(k)) {
                throw new IllegalStateException("schema keyword '" + k + "' at " + at + " is outside the validated subset");
            }
        }
        if (schema.get("$ref") instanceof String ref) {
            String prefix = "#/$defs/";
            if (!ref.startsWith(prefix)) {
                throw new IllegalStateException("only #/$defs/ references are supported, got " + ref);
            }
            Map<String, Object> target = (Map<String, Object>) ((Map<String, Object>) root.get("$defs")).get(ref.substring(prefix.length()));
            if (target == null) {
                throw new IllegalStateException("dangling $ref " + ref);
            }
            check(target, v, at, errors);
        }
        if (schema.get("oneOf") instanceof List<?> alternatives) {
            int matches = 0;
            List<String> why = new ArrayList<>();
            for (Object alt : alternatives) {
                List<String> e = new ArrayList<>();
                check((Map<String, Object>) alt, v, at, e);
                if (e.isEmpty()) {
                    matches++;
                } else {
                    why.add(e.get(0));
                }
            }
            if (matches != 1) {
                errors.add(at + ": matches " + matches + " of the oneOf alternatives, expected exactly 1" + (matches == 0 ? " " + why : ""));
            }
        }
        if (schema.containsKey("type")) {
            Object t = schema.get("type");
            List<Object> types = t instanceof List<?> l ? (List<Object>) l : List.of(t);
            if (types.stream().noneMatch(x -> hasType(v, (String) x))) {
                errors.add(at + ": " + describe(v) + " is not of type " + types);
                return;
            }
        }
        if (schema.containsKey("const") && !sameValue(schema.get("const"), v)) {
            errors.add(at + ": " + describe(v) + " is not " + schema.get("const"));
        }
        if (schema.get("enum") instanceof List<?> values && values.stream().noneMatch(x -> sameValue(x, v))) {
            errors.add(at + ": " + describe(v) + " is not one of " + values);
        }
        if (schema.get("minimum") instanceof Number min && v instanceof Number n && n.doubleValue() < min.doubleValue()) {
            errors.add(at + ": " + n + " is below the minimum " + min);
        }
        if (schema.get("pattern") instanceof String p && v instanceof String s && !Pattern.compile(p).matcher(s).find()) {
            errors.add(at + ": '" + s + "' does not match " + p);
        }
        if (v instanceof Map<?, ?> obj) {
            Map<String, Object> props = (Map<String, Object>) schema.getOrDefault("properties", Map.of());
            if (schema.get("required") instanceof List<?> req) {
                for (Object r : req) {
                    if (!obj.containsKey(r)) {
                        errors.add(at + ": required property '" + r + "' is missing");
                    }
                }
            }
            Object extra = schema.get("additionalProperties");
            for (Map.Entry<?, ?> e : obj.entrySet()) {
                String key = (String) e.getKey();
                String child = at + "/" + key;
                if (props.containsKey(key)) {
                    check((Map<String, Object>) props.get(key), e.getValue(), child, errors);
                } else if (Boolean.FALSE.equals(extra)) {
                    errors.add(at + ": property '" + key + "' is not allowed");
                } else if (extra instanceof Map<?, ?> m) {
                    check((Map<String, Object>) m, e.getValue(), child, errors);
                }
            }
        }
        if (v instanceof List<?> arr) {
            if (schema.get("minItems") instanceof Number min && arr.size() < min.intValue()) {
                errors.add(at + ": " + arr.size() + " items, expected at least " + min);
            }
            if (schema.get("items") instanceof Map<?, ?> item) {
                for (int i = 0; i < arr.size(); i++) {
                    check((Map<String, Object>) item, arr.get(i), at + "/" + i, errors);
                }
            }
        }
    }

    private static boolean hasType(Object v, String type) {
        return switch (type) {
            case "object" -> v instanceof Map;
            case "array" -> v instanceof List;
            case "string" -> v instanceof String;
            case "boolean" -> v instanceof Boolean;
            case "null" -> v == null;
            case "integer" -> v instanceof Long || v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d);
            case "number" -> v instanceof Long || v instanceof Double;
            default -> throw new IllegalStateException("unknown type " + type);
        };
    }

    /** JSON equality: 1 and 1.0 are the same number. */
    private static boolean sameValue(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return x.doubleValue() == y.doubleValue();
        }
        return Objects.equals(a, b);
    }

    private static String describe(Object v) {
        String s = String.valueOf(v);
        return (v instanceof String ? "'" + s + "'" : s).length() > 60 ? s.substring(0, 60) + "..." : v instanceof String ? "'" + s + "'" : s;
    }
}
