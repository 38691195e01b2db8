package io.github.eft4j.spark;

import io.github.eft4j.combine.EFTSpec;
import java.util.List;
import java.util.Set;

/**
 * The one place where eft-spark maps spec names to {@link EFTSpec} factories, and says which
 * components are fine-tuned (they get the chat prompt). When eft-core gains named factories,
 * only this class changes.
 */
final class SpecNames {
    /** Up-scaling: large-base + small-ft − small-base. No parameter. */
    static final String UPSCALE = "upscale";
    /** Down-scaling: small-base + large-ft − large-base. No parameter. */
    static final String DOWNSCALE = "downscale";
    /** small-ft + β·(large-base − small-base). Parameter β. */
    static final String BETA_UPSCALE = "beta-upscale";
    /** base + λ·(help − ref) + (1−λ)·(safe − ref). Parameter λ. */
    static final String LAMBDA_INTERPOLATION = "lambda-interpolation";

    private static final List<String> NAMES = List.of(UPSCALE, DOWNSCALE, BETA_UPSCALE, LAMBDA_INTERPOLATION);
    private static final Set<String> FINE_TUNED = Set.of(EFTSpec.SMALL_FT, EFTSpec.LARGE_FT, EFTSpec.HELP, EFTSpec.SAFE);

    private SpecNames() {
    }

    /** The known spec names, in documentation order. */
    static List<String> names() {
        return NAMES;
    }

    /**
     * The name of a spec's one parameter ({@code "beta"}, {@code "lambda"}), or {@code null} if it
     * has none.
     *
     * @throws IllegalArgumentException if the name is unknown
     */
    static String parameterName(String spec) {
        return switch (check(spec)) {
            case BETA_UPSCALE -> "beta";
            case LAMBDA_INTERPOLATION -> "lambda";
            default -> null;
        };
    }

    /**
     * Creates a spec.
     *
     * @param spec a known name
     * @param parameter β or λ for the specs that take one; ignored (may be null) for the others
     * @throws IllegalArgumentException if the name is unknown, or a needed parameter is null or not finite
     */
    static EFTSpec create(String spec, Double parameter) {
        String p = parameterName(spec);
        if (p != null && parameter == null) {
            throw new IllegalArgumentException("spec '" + spec + "' needs " + p + "; got none");
        }
        return switch (spec) {
            case UPSCALE -> EFTSpec.upscale();
            case DOWNSCALE -> EFTSpec.downscale();
            case BETA_UPSCALE -> EFTSpec.betaUpscale(parameter);
            case LAMBDA_INTERPOLATION -> EFTSpec.lambdaInterpolation(parameter);
            default -> throw new AssertionError(spec);
        };
    }

    /** The component names of a spec, in spec order. */
    static List<String> components(String spec) {
        return create(spec, parameterName(spec) == null ? null : 1.0).names();
    }

    /** Whether a component is a fine-tuned (chat) model, which sees the chat prompt. */
    static boolean fineTuned(String component) {
        return FINE_TUNED.contains(component);
    }

    private static String check(String spec) {
        if (spec == null || !NAMES.contains(spec)) {
            throw new IllegalArgumentException("unknown spec '" + spec + "'; expected one of " + NAMES);
        }
        return spec;
    }
}
