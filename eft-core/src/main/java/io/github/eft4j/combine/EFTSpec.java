package io.github.eft4j.combine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * What an {@link EFTCombiner} combines: a named {@linkplain Form form}, named components with
 * default coefficients, the components that form the delta (the implicit reward), and an
 * optional conservative filter.
 *
 * <p>One factory per form of the paper, and one set of component names ({@link #LARGE_BASE},
 * {@link #LARGE_FT}, {@link #SMALL_BASE}, {@link #SMALL_FT}, {@link #SMALL_FT2}):
 * <pre>{@code
 * EFTSpec up   = EFTSpec.upscale();              // large-base + (small-ft − small-base)
 * EFTSpec down = EFTSpec.downscale();            // small-base + (large-ft − large-base)
 * EFTSpec sd   = EFTSpec.scaleDelta(1.5);        // small-ft + 1.5·(large-base − small-base)
 * EFTSpec bd   = EFTSpec.behaviourDelta(1.5);    // large-base + 1.5·(small-ft − small-base)
 * EFTSpec mix  = EFTSpec.lambdaInterpolation(0.3);
 *         // large-base + 0.3·(small-ft − small-base) + 0.7·(small-ft2 − small-base)
 * EFTSpec safe = up.withConservativeFilter(new EFTSpec.ConservativeFilter(
 *         EFTSpec.SMALL_FT, 0.9, EFTSpec.ConservativeMode.REMOVE));
 * }</pre>
 *
 * <p><b>Implicit reward.</b> Every form reads {@code log p = anchor + delta}: the delta is the
 * weighted log-probabilities of the {@link #delta()} components, the anchor the rest. {@link
 * #implicitReward(float[], float[])} computes the delta of one token; decoder traces report it.
 * For up-scaling and the behaviour-delta form the delta is the fine-tuning reward {@code
 * log π_small-ft − log π_small-base} (times β); for the scale-delta form it is the scale delta
 * {@code β·(log π_large-base − log π_small-base)} added to the small fine-tuned model.
 *
 * @param form the named form, {@link Form#CUSTOM} for any other combination
 * @param components the components, at least one, with distinct names
 * @param delta the names of the components whose weighted log-probabilities form the delta,
 *     distinct, each a component (may be empty: a single model has no delta)
 * @param conservative the conservative filter, or {@code null} for none
 */
public record EFTSpec(Form form, List<Component> components, List<String> delta, ConservativeFilter conservative) {

    /** Component name of the large base model. */
    public static final String LARGE_BASE = "large-base";
    /** Component name of the large fine-tuned model. */
    public static final String LARGE_FT = "large-ft";
    /** Component name of the small base model. */
    public static final String SMALL_BASE = "small-base";
    /** Component name of the small fine-tuned model. */
    public static final String SMALL_FT = "small-ft";
    /**
     * Component name of the second small fine-tuned model (a second reward, from the same small
     * base) in {@link #lambdaInterpolation(double)}.
     */
    public static final String SMALL_FT2 = "small-ft2";

    /** The fine-tuned components of the vocabulary: they get a chat format, bases plain text. */
    public static final Set<String> FINE_TUNED = Set.of(LARGE_FT, SMALL_FT, SMALL_FT2);
    /** The base components of the vocabulary. */
    public static final Set<String> BASES = Set.of(LARGE_BASE, SMALL_BASE);

    /**
     * The named forms of the combination, each made by one factory. {@link #id()} is the name used
     * on the command line, in traces and in reports.
     */
    public enum Form {
        /** {@link EFTSpec#upscale()}. */
        UP_SCALING("up-scaling", "large-base + (small-ft − small-base)", null),
        /** {@link EFTSpec#downscale()}. */
        DOWN_SCALING("down-scaling", "small-base + (large-ft − large-base)", null),
        /** {@link EFTSpec#scaleDelta(double)}. */
        SCALE_DELTA("scale-delta", "small-ft + β·(large-base − small-base)", "β"),
        /** {@link EFTSpec#behaviourDelta(double)}. */
        BEHAVIOUR_DELTA("behaviour-delta", "large-base + β·(small-ft − small-base)", "β"),
        /** {@link EFTSpec#lambdaInterpolation(double)}. */
        LAMBDA_INTERPOLATION("lambda-interpolation", "large-base + λ·(small-ft − small-base) + (1−λ)·(small-ft2 − small-base)", "λ"),
        /** Any other combination ({@link EFTSpec#of(Object...)}, changed coefficients). */
        CUSTOM("custom", "Σ c_i · log π_i", null);

        private final String id;
        private final String formula;
        private final String parameter;

        Form(String id, String formula, String parameter) {
            this.id = id;
            this.formula = formula;
            this.parameter = parameter;
        }

        /**
         * Returns the form's name.
         *
         * @return e.g. {@code scale-delta}
         */
        public String id() {
            return id;
        }

        /**
         * Returns the formula in component names, with the parameter as a symbol.
         *
         * @return e.g. {@code small-ft + β·(large-base − small-base)}
         */
        public String formula() {
            return formula;
        }

        /**
         * Returns the symbol of the form's parameter.
         *
         * @return {@code β}, {@code λ}, or {@code null} for forms without one
         */
        public String parameter() {
            return parameter;
        }

        @Override
        public String toString() {
            return id;
        }
    }

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

    /** Validates and copies the components and the delta. */
    public EFTSpec {
        if (form == null) {
            throw new IllegalArgumentException("form must not be null; use Form.CUSTOM for a combination of your own");
        }
        if (components == null || components.isEmpty()) {
            throw new IllegalArgumentException("an EFT spec needs at least one component, got " + (components == null ? "null" : "none"));
        }
        components = List.copyOf(components);
        Set<String> names = new LinkedHashSet<>();
        for (Component c : components) {
            if (!names.add(c.name())) {
                throw new IllegalArgumentException("duplicate component name '" + c.name() + "' in " + names);
            }
        }
        if (delta == null) {
            throw new IllegalArgumentException("delta must list component names (may be empty), got null");
        }
        delta = List.copyOf(delta);
        Set<String> seen = new HashSet<>();
        for (String d : delta) {
            if (!names.contains(d)) {
                throw new IllegalArgumentException("delta component '" + d + "' is not a component; expected some of " + names);
            }
            if (!seen.add(d)) {
                throw new IllegalArgumentException("delta component '" + d + "' is listed twice in " + delta);
            }
        }
        if (conservative != null && !names.contains(conservative.anchor())) {
            throw new IllegalArgumentException("conservative filter anchor '" + conservative.anchor()
                    + "' is not a component; expected one of " + names);
        }
    }

    /**
     * A {@link Form#CUSTOM} spec whose delta is every component but the first (the paper's
     * reading {@code log π_0 + Σ_{i≥1} c_i log π_i}); {@link #withDelta(String...)} changes that.
     *
     * @param components the components, at least one, with distinct names
     * @param conservative the conservative filter, or {@code null} for none
     * @throws IllegalArgumentException as the canonical constructor
     */
    public EFTSpec(List<Component> components, ConservativeFilter conservative) {
        this(Form.CUSTOM, components, allButFirst(components), conservative);
    }

    private static List<String> allButFirst(List<Component> components) {
        if (components == null || components.isEmpty()) {
            return List.of(); // the canonical constructor names the real problem
        }
        List<String> d = new ArrayList<>();
        for (int i = 1; i < components.size(); i++) {
            d.add(components.get(i) == null ? null : components.get(i).name());
        }
        return d;
    }

    /**
     * Creates a {@link Form#CUSTOM} spec from alternating names and coefficients; its delta is
     * every component but the first.
     *
     * @param namesAndCoefficients {@code "name", coefficient, "name", coefficient, ...}
     * @return the spec, without a conservative filter
     * @throws IllegalArgumentException if there are no pairs, an odd number of arguments, a pair
     *     that is not (String, Number), a duplicate name or a non-finite coefficient
     */
    public static EFTSpec of(Object... namesAndCoefficients) {
        return new EFTSpec(pairs(namesAndCoefficients), null);
    }

    private static List<Component> pairs(Object... namesAndCoefficients) {
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
        return list;
    }

    private static EFTSpec form(Form form, List<String> delta, Object... namesAndCoefficients) {
        return new EFTSpec(form, pairs(namesAndCoefficients), delta, null);
    }

    private static double finite(String what, double x) {
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException(what + " must be finite, got " + x);
        }
        return x;
    }

    /**
     * Up-scaling ({@link Form#UP_SCALING}): large base + (small fine-tuned − small base). The
     * delta is the small model's fine-tuning reward {@code small-ft − small-base}.
     *
     * @return components {@value #LARGE_BASE} (+1), {@value #SMALL_FT} (+1), {@value #SMALL_BASE}
     *     (−1); delta {@value #SMALL_FT}, {@value #SMALL_BASE}
     */
    public static EFTSpec upscale() {
        return form(Form.UP_SCALING, List.of(SMALL_FT, SMALL_BASE), LARGE_BASE, 1.0, SMALL_FT, 1.0, SMALL_BASE, -1.0);
    }

    /**
     * Down-scaling ({@link Form#DOWN_SCALING}): small base + (large fine-tuned − large base). The
     * delta is the large model's fine-tuning reward {@code large-ft − large-base}.
     *
     * @return components {@value #SMALL_BASE} (+1), {@value #LARGE_FT} (+1), {@value #LARGE_BASE}
     *     (−1); delta {@value #LARGE_FT}, {@value #LARGE_BASE}
     */
    public static EFTSpec downscale() {
        return form(Form.DOWN_SCALING, List.of(LARGE_FT, LARGE_BASE), SMALL_BASE, 1.0, LARGE_FT, 1.0, LARGE_BASE, -1.0);
    }

    /**
     * β on the scale delta ({@link Form#SCALE_DELTA}): small fine-tuned + β·(large base − small
     * base). β = 1 is {@link #upscale()}; β = 0 is the small fine-tuned model alone. The delta is
     * the scale delta {@code β·(large-base − small-base)}.
     *
     * @param beta the weight of the scale delta, finite
     * @return components {@value #SMALL_FT} (+1), {@value #LARGE_BASE} (+β), {@value #SMALL_BASE}
     *     (−β); delta {@value #LARGE_BASE}, {@value #SMALL_BASE}
     * @throws IllegalArgumentException if {@code beta} is NaN or infinite
     */
    public static EFTSpec scaleDelta(double beta) {
        finite("beta", beta);
        return form(Form.SCALE_DELTA, List.of(LARGE_BASE, SMALL_BASE), SMALL_FT, 1.0, LARGE_BASE, beta, SMALL_BASE, -beta);
    }

    /**
     * β on the behaviour delta ({@link Form#BEHAVIOUR_DELTA}): large base + β·(small fine-tuned −
     * small base), i.e. the fine-tuning reward amplified (β &gt; 1) or damped (β &lt; 1). β = 1 is
     * {@link #upscale()}; β = 0 is the large base alone. The delta is {@code β·(small-ft −
     * small-base)}.
     *
     * @param beta the weight of the behaviour delta, finite
     * @return components {@value #LARGE_BASE} (+1), {@value #SMALL_FT} (+β), {@value #SMALL_BASE}
     *     (−β); delta {@value #SMALL_FT}, {@value #SMALL_BASE}
     * @throws IllegalArgumentException if {@code beta} is NaN or infinite
     */
    public static EFTSpec behaviourDelta(double beta) {
        finite("beta", beta);
        return form(Form.BEHAVIOUR_DELTA, List.of(SMALL_FT, SMALL_BASE), LARGE_BASE, 1.0, SMALL_FT, beta, SMALL_BASE, -beta);
    }

    /**
     * The former name of {@link #scaleDelta(double)}.
     *
     * @param beta the weight of the scale delta, finite
     * @return {@code scaleDelta(beta)}
     * @throws IllegalArgumentException if {@code beta} is NaN or infinite
     * @deprecated "β-amplified up-scaling" did not say which delta β weighs; use {@link
     *     #scaleDelta(double)} or {@link #behaviourDelta(double)}
     */
    @Deprecated(forRemoval = true)
    public static EFTSpec betaUpscale(double beta) {
        return scaleDelta(beta);
    }

    /**
     * λ interpolation of two fine-tuned small models ({@link Form#LAMBDA_INTERPOLATION}): large
     * base + λ·(small-ft − small-base) + (1−λ)·(small-ft2 − small-base), the paper's test-time
     * interpolation between two rewards (e.g. helpful and harmless). The delta is both rewards.
     *
     * @param lambda the weight of the first reward, finite (usually in [0, 1])
     * @return components {@value #LARGE_BASE} (+1), {@value #SMALL_FT} (+λ), {@value #SMALL_FT2}
     *     (+1−λ), {@value #SMALL_BASE} (−1); delta {@value #SMALL_FT}, {@value #SMALL_FT2},
     *     {@value #SMALL_BASE}
     * @throws IllegalArgumentException if {@code lambda} is NaN or infinite
     */
    public static EFTSpec lambdaInterpolation(double lambda) {
        finite("lambda", lambda);
        return form(Form.LAMBDA_INTERPOLATION, List.of(SMALL_FT, SMALL_FT2, SMALL_BASE),
                LARGE_BASE, 1.0, SMALL_FT, lambda, SMALL_FT2, 1.0 - lambda, SMALL_BASE, -1.0);
    }

    /**
     * The implicit reward of one token: {@code Σ c_i · log π_i(y)} over the {@link #delta()}
     * components, with the given (this step's) coefficients. Components with coefficient 0 are
     * skipped, so that a masked token ({@code -inf}) of a switched-off component adds nothing.
     * Allocation-free.
     *
     * @param coefficients this step's coefficients, in component order
     * @param componentLogProbs each component's log-probability of the token, in component order
     * @return the delta's value; 0 when the delta is empty
     * @throws IllegalArgumentException if an array's length differs from the number of components
     */
    public double implicitReward(float[] coefficients, float[] componentLogProbs) {
        int n = components.size();
        if (coefficients.length != n || componentLogProbs.length != n) {
            throw new IllegalArgumentException("expected " + n + " coefficients and log-probabilities " + names()
                    + ", got " + coefficients.length + " and " + componentLogProbs.length);
        }
        double r = 0;
        for (int i = 0; i < n; i++) {
            if (coefficients[i] != 0 && inDelta(components.get(i).name())) {
                r += (double) coefficients[i] * componentLogProbs[i];
            }
        }
        return r;
    }

    private boolean inDelta(String name) {
        for (int j = 0; j < delta.size(); j++) {
            if (delta.get(j).equals(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns the parameter of the form: β for {@link Form#SCALE_DELTA} and {@link
     * Form#BEHAVIOUR_DELTA}, λ for {@link Form#LAMBDA_INTERPOLATION}.
     *
     * @return the parameter, or empty for forms without one
     */
    public OptionalDouble parameter() {
        return switch (form) {
            case SCALE_DELTA -> OptionalDouble.of(components.get(indexOf(LARGE_BASE)).coefficient());
            case BEHAVIOUR_DELTA, LAMBDA_INTERPOLATION -> OptionalDouble.of(components.get(indexOf(SMALL_FT)).coefficient());
            default -> OptionalDouble.empty();
        };
    }

    /**
     * Returns the combination with its coefficients, e.g. {@code large-base + 1.5·small-ft −
     * 1.5·small-base}.
     *
     * @return the formula with numbers
     */
    public String formula() {
        StringBuilder sb = new StringBuilder();
        for (Component c : components) {
            double x = c.coefficient();
            String mag = Math.abs(x) == 1 ? "" : number(Math.abs(x)) + "·";
            if (sb.isEmpty()) {
                sb.append(x < 0 ? "−" : "").append(mag).append(c.name());
            } else {
                sb.append(x < 0 ? " − " : " + ").append(mag).append(c.name());
            }
        }
        return sb.toString();
    }

    private static String number(double x) {
        return x == Math.rint(x) && Math.abs(x) < 1e15 ? Long.toString((long) x) : Double.toString(x);
    }

    /**
     * Returns a copy whose delta is the given components (the form becomes {@link Form#CUSTOM}
     * unless the delta is unchanged).
     *
     * @param names component names, each at most once; none for no delta
     * @return the new spec
     * @throws IllegalArgumentException if a name is not a component or repeats
     */
    public EFTSpec withDelta(String... names) {
        List<String> d = List.of(names);
        return new EFTSpec(d.equals(delta) ? form : Form.CUSTOM, components, d, conservative);
    }

    /**
     * Returns a copy with a conservative filter.
     *
     * @param filter the filter, or {@code null} for none
     * @return the new spec
     * @throws IllegalArgumentException if the filter's anchor is not one of the components
     */
    public EFTSpec withConservativeFilter(ConservativeFilter filter) {
        return new EFTSpec(form, components, delta, filter);
    }

    /**
     * Returns a copy with new coefficients, in component order. The form becomes {@link
     * Form#CUSTOM} (its factory's coefficients no longer hold); the delta is kept.
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
        return new EFTSpec(Form.CUSTOM, list, delta, conservative);
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
