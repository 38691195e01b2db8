package io.github.eft4j.combine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What an {@link EFTCombiner} combines: named components with default coefficients, and an
 * optional conservative filter.
 *
 * <pre>{@code
 * EFTSpec up   = EFTSpec.upscale();               // large-base + small-ft - small-base
 * EFTSpec beta = EFTSpec.betaUpscale(1.5);        // small-ft + 1.5 (large-base - small-base)
 * EFTSpec mix  = EFTSpec.lambdaInterpolation(0.3) // base + 0.3 (help - ref) + 0.7 (safe - ref)
 * EFTSpec safe = up.withConservativeFilter(new EFTSpec.ConservativeFilter(
 *         EFTSpec.SMALL_FT, 0.9, EFTSpec.ConservativeMode.REMOVE));
 * }</pre>
 *
 * @param components the components, at least one, with distinct names
 * @param conservative the conservative filter, or {@code null} for none
 */
public record EFTSpec(List<Component> components, ConservativeFilter conservative) {

    /** Component name of the large base model. */
    public static final String LARGE_BASE = "large-base";
    /** Component name of the large fine-tuned model. */
    public static final String LARGE_FT = "large-ft";
    /** Component name of the small base model. */
    public static final String SMALL_BASE = "small-base";
    /** Component name of the small fine-tuned model. */
    public static final String SMALL_FT = "small-ft";
    /** Component name of the base model in reward interpolation. */
    public static final String BASE = "base";
    /** Component name of the "helpful" fine-tuned model in reward interpolation. */
    public static final String HELP = "help";
    /** Component name of the "harmless" fine-tuned model in reward interpolation. */
    public static final String SAFE = "safe";
    /** Component name of the reference (pre-fine-tuning) model in reward interpolation. */
    public static final String REF = "ref";

    /**
     * One model in the combination.
     *
     * @param name a unique, non-blank name
     * @param coefficient the default coefficient, finite
     */
    public record Component(String name, double coefficient) {
        /** Validates the name and coefficient. */
        public Component {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("component name must be non-blank, got " + (name == null ? "null" : "'" + name + "'"));
            }
            if (!Double.isFinite(coefficient)) {
                throw new IllegalArgumentException("coefficient of component '" + name + "' must be finite, got " + coefficient);
            }
        }
    }

    /** What the conservative filter does with tokens outside the anchor's top-p nucleus. */
    public enum ConservativeMode {
        /** Tokens outside the nucleus are removed (probability 0). */
        REMOVE,
        /**
         * Tokens outside the nucleus keep the anchor component's own log-probability; the
         * other components' deltas are dropped for them (their masks are not: a token that a
         * component with a nonzero coefficient masks stays masked).
         */
        ANCHOR_ONLY
    }

    /**
     * The paper's conservative filter: only tokens in the top-p nucleus of one anchor component
     * (the paper uses the small fine-tuned model) get the full EFT combination.
     *
     * @param anchor the name of the anchor component
     * @param topP the nucleus mass, in {@code (0, 1]}
     * @param mode what happens outside the nucleus
     */
    public record ConservativeFilter(String anchor, double topP, ConservativeMode mode) {
        /** Validates the arguments. */
        public ConservativeFilter {
            if (anchor == null || anchor.isBlank()) {
                throw new IllegalArgumentException("conservative filter anchor must be a component name, got " + anchor);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("conservative filter top-p must be in (0, 1], got " + topP);
            }
            if (mode == null) {
                throw new IllegalArgumentException("conservative filter mode must be REMOVE or ANCHOR_ONLY, got null");
            }
        }
    }

    /** Validates and copies the components. */
    public EFTSpec {
        if (components == null || components.isEmpty()) {
            throw new IllegalArgumentException("an EFT spec needs at least one component, got " + (components == null ? "null" : "none"));
        }
        components = List.copyOf(components);
        Set<String> names = new HashSet<>();
        for (Component c : components) {
            if (!names.add(c.name())) {
                throw new IllegalArgumentException("duplicate component name '" + c.name() + "' in " + names());
            }
        }
        if (conservative != null && !names.contains(conservative.anchor())) {
            throw new IllegalArgumentException("conservative filter anchor '" + conservative.anchor()
                    + "' is not a component; expected one of " + components.stream().map(Component::name).toList());
        }
    }

    /**
     * Creates a spec from alternating names and coefficients.
     *
     * @param namesAndCoefficients {@code "name", coefficient, "name", coefficient, ...}
     * @return the spec, without a conservative filter
     * @throws IllegalArgumentException if there are no pairs, an odd number of arguments, a pair
     *     that is not (String, Number), a duplicate name or a non-finite coefficient
     */
    public static EFTSpec of(Object... namesAndCoefficients) {
        if (namesAndCoefficients.length == 0 || namesAndCoefficients.length % 2 != 0) {
            throw new IllegalArgumentException("expected name/coefficient pairs, got " + namesAndCoefficients.length + " arguments");
        }
        List<Component> list = new ArrayList<>();
        for (int i = 0; i < namesAndCoefficients.length; i += 2) {
            if (!(namesAndCoefficients[i] instanceof String n) || !(namesAndCoefficients[i + 1] instanceof Number c)) {
                throw new IllegalArgumentException("argument pair " + i / 2 + " must be (String, Number), got ("
                        + namesAndCoefficients[i] + ", " + namesAndCoefficients[i + 1] + ")");
            }
            list.add(new Component(n, c.doubleValue()));
        }
        return new EFTSpec(list, null);
    }

    /**
     * Up-scaling: large base + (small fine-tuned − small base).
     *
     * @return components {@value #LARGE_BASE} (+1), {@value #SMALL_FT} (+1), {@value #SMALL_BASE} (−1)
     */
    public static EFTSpec upscale() {
        return of(LARGE_BASE, 1.0, SMALL_FT, 1.0, SMALL_BASE, -1.0);
    }

    /**
     * Down-scaling: small base + (large fine-tuned − large base).
     *
     * @return components {@value #SMALL_BASE} (+1), {@value #LARGE_FT} (+1), {@value #LARGE_BASE} (−1)
     */
    public static EFTSpec downscale() {
        return of(SMALL_BASE, 1.0, LARGE_FT, 1.0, LARGE_BASE, -1.0);
    }

    /**
     * β-amplified up-scaling: small fine-tuned + β·(large base − small base).
     *
     * @param beta the scale of the large-minus-small delta, finite
     * @return components {@value #SMALL_FT} (+1), {@value #LARGE_BASE} (+β), {@value #SMALL_BASE} (−β)
     * @throws IllegalArgumentException if {@code beta} is NaN or infinite
     */
    public static EFTSpec betaUpscale(double beta) {
        if (!Double.isFinite(beta)) {
            throw new IllegalArgumentException("beta must be finite, got " + beta);
        }
        return of(SMALL_FT, 1.0, LARGE_BASE, beta, SMALL_BASE, -beta);
    }

    /**
     * Reward interpolation: base + λ·(help − ref) + (1−λ)·(safe − ref).
     *
     * @param lambda the weight of the helpful reward, finite (usually in [0, 1])
     * @return components {@value #BASE} (+1), {@value #HELP} (+λ), {@value #SAFE} (+1−λ), {@value #REF} (−1)
     * @throws IllegalArgumentException if {@code lambda} is NaN or infinite
     */
    public static EFTSpec lambdaInterpolation(double lambda) {
        if (!Double.isFinite(lambda)) {
            throw new IllegalArgumentException("lambda must be finite, got " + lambda);
        }
        return of(BASE, 1.0, HELP, lambda, SAFE, 1.0 - lambda, REF, -1.0);
    }

    /**
     * Returns a copy with a conservative filter.
     *
     * @param filter the filter, or {@code null} for none
     * @return the new spec
     * @throws IllegalArgumentException if the filter's anchor is not one of the components
     */
    public EFTSpec withConservativeFilter(ConservativeFilter filter) {
        return new EFTSpec(components, filter);
    }

    /**
     * Returns a copy with new coefficients, in component order.
     *
     * @param coefficients one finite coefficient per component
     * @return the new spec
     * @throws IllegalArgumentException if the count differs from the number of components or a
     *     coefficient is NaN or infinite
     */
    public EFTSpec withCoefficients(double... coefficients) {
        if (coefficients.length != components.size()) {
            throw new IllegalArgumentException("expected " + components.size() + " coefficients, got " + coefficients.length);
        }
        List<Component> list = new ArrayList<>();
        for (int i = 0; i < coefficients.length; i++) {
            list.add(new Component(components.get(i).name(), coefficients[i]));
        }
        return new EFTSpec(list, conservative);
    }

    /**
     * Returns the number of components.
     *
     * @return the component count
     */
    public int size() {
        return components.size();
    }

    /**
     * Returns the component names in order.
     *
     * @return the names
     */
    public List<String> names() {
        return components.stream().map(Component::name).toList();
    }

    /**
     * Returns the index of a component.
     *
     * @param name the component name
     * @return its index
     * @throws IllegalArgumentException if there is no such component
     */
    public int indexOf(String name) {
        for (int i = 0; i < components.size(); i++) {
            if (components.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no component named '" + name + "'; expected one of " + names());
    }

    /**
     * Returns the default coefficients as a new array, in component order.
     *
     * @return the coefficients
     */
    public float[] coefficients() {
        float[] c = new float[components.size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = (float) components.get(i).coefficient();
        }
        return c;
    }
}
