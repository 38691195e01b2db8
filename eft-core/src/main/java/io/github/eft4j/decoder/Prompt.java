package io.github.eft4j.decoder;


import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The prompt token ids of one generation, per component: a fine-tuned chat model sees its
 * chat-formatted prompt, a base model a plain one. Components without their own ids use the
 * shared ids. The continuation is shared by all. Immutable.
 *
 * <pre>{@code
 * Prompt p = Prompt.of(plainIds)                      // base models
 *         .with(EFTSpec.SMALL_FT, chatIds);           // the chat model
 * }</pre>
 */
public final class Prompt {
    private final int[] shared;
    private final Map<String, int[]> perComponent;

    private Prompt(int[] shared, Map<String, int[]> perComponent) {
        this.shared = shared;
        this.perComponent = perComponent;
    }

    /**
     * A prompt that every component sees.
     *
     * @param ids the token ids, not empty
     * @return the prompt
     * @throws IllegalArgumentException if {@code ids} is null or empty
     */
    public static Prompt of(int... ids) {
        return new Prompt(checked("shared prompt", ids), Map.of());
    }

    /**
     * A prompt given per component, without shared ids: every component must be named.
     *
     * @param idsByComponent token ids per component name
     * @return the prompt
     * @throws IllegalArgumentException if a prompt is null or empty
     */
    public static Prompt perComponent(Map<String, int[]> idsByComponent) {
        Map<String, int[]> m = new LinkedHashMap<>();
        idsByComponent.forEach((k, v) -> m.put(k, checked("prompt of component '" + k + "'", v)));
        return new Prompt(null, m);
    }

    /**
     * Returns a copy in which one component sees its own ids.
     *
     * @param component the component name
     * @param ids its prompt token ids, not empty
     * @return the new prompt
     * @throws IllegalArgumentException if {@code ids} is null or empty
     */
    public Prompt with(String component, int... ids) {
        Map<String, int[]> m = new LinkedHashMap<>(perComponent);
        m.put(component, checked("prompt of component '" + component + "'", ids));
        return new Prompt(shared, m);
    }

    /**
     * Returns the ids one component sees (a copy).
     *
     * @param component the component name
     * @return its ids, or the shared ids
     * @throws IllegalArgumentException if the component has no ids and there are no shared ids
     */
    public int[] idsFor(String component) {
        int[] ids = perComponent.get(component);
        if (ids == null) {
            ids = shared;
        }
        if (ids == null) {
            throw new IllegalArgumentException("no prompt for component '" + component + "'; prompts given for "
                    + perComponent.keySet() + " and no shared prompt");
        }
        return ids.clone();
    }

    /**
     * Returns the component names that have their own ids.
     *
     * @return the names, in insertion order
     */
    public java.util.Set<String> components() {
        return java.util.Collections.unmodifiableSet(perComponent.keySet());
    }

    private static int[] checked(String what, int[] ids) {
        if (ids == null || ids.length == 0) {
            throw new IllegalArgumentException(what + " must hold at least one token, got " + (ids == null ? "null" : "none"));
        }
        return ids.clone();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Prompt[");
        if (shared != null) {
            sb.append("shared=").append(shared.length).append(" tokens");
        }
        perComponent.forEach((k, v) -> sb.append(sb.length() > 7 ? ", " : "").append(k).append('=').append(v.length).append(" tokens"));
        return sb.append(']').toString();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Prompt p) || !Arrays.equals(shared, p.shared) || !perComponent.keySet().equals(p.perComponent.keySet())) {
            return false;
        }
        for (var e : perComponent.entrySet()) {
            if (!Arrays.equals(e.getValue(), p.perComponent.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shared) * 31 + perComponent.keySet().hashCode();
    }
}
