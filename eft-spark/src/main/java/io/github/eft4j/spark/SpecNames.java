package io.github.eft4j.spark;

import io.github.eft4j.combine.EFTSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one place where eft-spark maps spec names to {@link EFTSpec} factories. A name is a form's
 * id ({@link EFTSpec.Form#id()}: {@code up-scaling}, {@code down-scaling}, {@code scale-delta},
 * {@code behaviour-delta}, {@code lambda-interpolation}) or its factory's name
 * ({@code upscale}, {@code downscale}, {@code scaleDelta}, {@code behaviourDelta},
 * {@code lambdaInterpolation}); the forms with a parameter (β, λ) take it from the config or
 * the row.
 */
final class SpecNames {
    /** The default: up-scaling. */
    static final String UP_SCALING = EFTSpec.Form.UP_SCALING.id();

    private static final Map<String, EFTSpec.Form> FACTORIES = Map.of(
            "upscale", EFTSpec.Form.UP_SCALING,
            "downscale", EFTSpec.Form.DOWN_SCALING,
            "scaleDelta", EFTSpec.Form.SCALE_DELTA,
            "behaviourDelta", EFTSpec.Form.BEHAVIOUR_DELTA,
            "lambdaInterpolation", EFTSpec.Form.LAMBDA_INTERPOLATION);

    private SpecNames() {
    }

    /** The form ids, in the library's order. */
    static List<String> names() {
        List<String> out = new ArrayList<>();
        for (EFTSpec.Form f : EFTSpec.Form.values()) {
            if (f != EFTSpec.Form.CUSTOM) {
                out.add(f.id());
            }
        }
        return out;
    }

    /**
     * The form a name stands for.
     *
     * @throws IllegalArgumentException if the name is unknown
     */
    static EFTSpec.Form form(String spec) {
        for (EFTSpec.Form f : EFTSpec.Form.values()) {
            if (f != EFTSpec.Form.CUSTOM && f.id().equals(spec)) {
                return f;
            }
        }
        EFTSpec.Form f = spec == null ? null : FACTORIES.get(spec);
        if (f == null) {
            throw new IllegalArgumentException("unknown spec '" + spec + "'; expected one of " + names()
                    + " (or the factory names " + FACTORIES.keySet().stream().sorted().toList() + ")");
        }
        return f;
    }

    /**
     * The symbol of a spec's one parameter ({@code β}, {@code λ}), or {@code null} if it has none.
     *
     * @throws IllegalArgumentException if the name is unknown
     */
    static String parameterName(String spec) {
        return form(spec).parameter();
    }

    /**
     * Creates a spec.
     *
     * @param spec a known name
     * @param parameter β or λ for the forms that take one; ignored (may be null) for the others
     * @throws IllegalArgumentException if the name is unknown, or a needed parameter is null or not finite
     */
    static EFTSpec create(String spec, Double parameter) {
        EFTSpec.Form f = form(spec);
        if (f.parameter() != null && parameter == null) {
            throw new IllegalArgumentException("spec '" + spec + "' needs " + f.parameter() + "; got none");
        }
        return switch (f) {
            case UP_SCALING -> EFTSpec.upscale();
            case DOWN_SCALING -> EFTSpec.downscale();
            case SCALE_DELTA -> EFTSpec.scaleDelta(parameter);
            case BEHAVIOUR_DELTA -> EFTSpec.behaviourDelta(parameter);
            case LAMBDA_INTERPOLATION -> EFTSpec.lambdaInterpolation(parameter);
            case CUSTOM -> throw new AssertionError(spec);
        };
    }

    /** The component names of a spec, in spec order. */
    static List<String> components(String spec) {
        return create(spec, parameterName(spec) == null ? null : 1.0).names();
    }

    /** Whether a component is a fine-tuned (chat) model, which sees the chat prompt. */
    static boolean fineTuned(String component) {
        return EFTSpec.FINE_TUNED.contains(component);
    }
}
