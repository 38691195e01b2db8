package io.github.eft4j.combine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The named forms: coefficients, delta, implicit reward, formulas. */
class EFTSpecTest {

    private static Map<String, Double> coefficients(EFTSpec s) {
        return s.components().stream().collect(java.util.stream.Collectors.toMap(EFTSpec.Component::name, EFTSpec.Component::coefficient));
    }

    @Test
    void eachFactoryHasItsFormCoefficientsAndDelta() {
        EFTSpec up = EFTSpec.upscale();
        assertEquals(EFTSpec.Form.UP_SCALING, up.form());
        assertEquals(Map.of("large-base", 1.0, "small-ft", 1.0, "small-base", -1.0), coefficients(up));
        assertEquals(List.of("small-ft", "small-base"), up.delta());

        EFTSpec down = EFTSpec.downscale();
        assertEquals(Map.of("small-base", 1.0, "large-ft", 1.0, "large-base", -1.0), coefficients(down));
        assertEquals(List.of("large-ft", "large-base"), down.delta());

        EFTSpec sd = EFTSpec.scaleDelta(1.5);
        assertEquals(EFTSpec.Form.SCALE_DELTA, sd.form());
        assertEquals(Map.of("small-ft", 1.0, "large-base", 1.5, "small-base", -1.5), coefficients(sd));
        assertEquals(List.of("large-base", "small-base"), sd.delta());
        assertEquals(1.5, sd.parameter().getAsDouble());

        EFTSpec bd = EFTSpec.behaviourDelta(1.5);
        assertEquals(EFTSpec.Form.BEHAVIOUR_DELTA, bd.form());
        assertEquals(Map.of("large-base", 1.0, "small-ft", 1.5, "small-base", -1.5), coefficients(bd));
        assertEquals(List.of("small-ft", "small-base"), bd.delta());
        assertEquals(1.5, bd.parameter().getAsDouble());

        EFTSpec mix = EFTSpec.lambdaInterpolation(0.25);
        assertEquals(Map.of("large-base", 1.0, "small-ft", 0.25, "small-ft2", 0.75, "small-base", -1.0), coefficients(mix));
        assertEquals(List.of("small-ft", "small-ft2", "small-base"), mix.delta());
        assertEquals(0.25, mix.parameter().getAsDouble());
        assertTrue(up.parameter().isEmpty());
    }

    @Test
    void bothBetaFormsAtOneAreUpScalingButReadTheirDeltaDifferently() {
        float[] lp = {-1f, -2f, -4f}; // large-base, small-ft, small-base for upscale/behaviour; order differs for scale
        assertEquals(coefficients(EFTSpec.upscale()), coefficients(EFTSpec.scaleDelta(1)));
        assertEquals(coefficients(EFTSpec.upscale()), coefficients(EFTSpec.behaviourDelta(1)));
        EFTSpec bd = EFTSpec.behaviourDelta(2);
        assertEquals(2 * (-2 - -4), bd.implicitReward(bd.coefficients(), lp), 1e-9, "β(small-ft − small-base)");
        EFTSpec sd = EFTSpec.scaleDelta(2);
        float[] lpScale = {-2f, -1f, -4f}; // small-ft, large-base, small-base
        assertEquals(2 * (-1 - -4), sd.implicitReward(sd.coefficients(), lpScale), 1e-9, "β(large-base − small-base)");
    }

    @Test
    void implicitRewardFollowsTheDeltaNotThePosition() {
        // the base is not first: the old "every component after index 0" rule would give large-base − small-base
        EFTSpec s = EFTSpec.of(EFTSpec.SMALL_FT, 1.0, EFTSpec.LARGE_BASE, 1.0, EFTSpec.SMALL_BASE, -1.0)
                .withDelta(EFTSpec.SMALL_FT, EFTSpec.SMALL_BASE);
        float[] lp = {-2f, -1f, -4f};
        assertEquals(-2 - -4, s.implicitReward(s.coefficients(), lp), 1e-9);
        assertEquals(EFTSpec.Form.CUSTOM, s.form());
        // a switched-off component with a masked token adds nothing (no 0·-inf = NaN)
        EFTSpec off = EFTSpec.upscale();
        assertEquals(-2.0, off.implicitReward(new float[] {1, 1, 0}, new float[] {-1, -2, Float.NEGATIVE_INFINITY}), 0);
        assertThrows(IllegalArgumentException.class, () -> off.implicitReward(new float[2], new float[3]));
    }

    @Test
    void customSpecsTakeEveryComponentButTheFirstAsDelta() {
        EFTSpec s = EFTSpec.of("a", 1.0, "b", 0.5, "c", -0.5);
        assertEquals(EFTSpec.Form.CUSTOM, s.form());
        assertEquals(List.of("b", "c"), s.delta());
        assertEquals(List.of(), EFTSpec.of("only", 1.0).delta());
        assertEquals(0.0, EFTSpec.of("only", 1.0).implicitReward(new float[] {1}, new float[] {-3}));
    }

    @Test
    void changedCoefficientsAreCustomAndKeepTheDelta() {
        EFTSpec s = EFTSpec.upscale().withCoefficients(1, 2, -2);
        assertEquals(EFTSpec.Form.CUSTOM, s.form());
        assertEquals(EFTSpec.upscale().delta(), s.delta());
        EFTSpec f = EFTSpec.upscale().withConservativeFilter(new EFTSpec.ConservativeFilter(EFTSpec.SMALL_FT, 0.9, EFTSpec.ConservativeMode.REMOVE));
        assertEquals(EFTSpec.Form.UP_SCALING, f.form(), "a filter does not change the formula");
    }

    @Test
    void formulasNameEveryComponent() {
        assertEquals("large-base + small-ft − small-base", EFTSpec.upscale().formula());
        assertEquals("small-ft + 1.5·large-base − 1.5·small-base", EFTSpec.scaleDelta(1.5).formula());
        assertEquals("large-base + 0.25·small-ft + 0.75·small-ft2 − small-base", EFTSpec.lambdaInterpolation(0.25).formula());
        assertEquals("scale-delta", EFTSpec.Form.SCALE_DELTA.id());
        assertEquals("large-base + β·(small-ft − small-base)", EFTSpec.Form.BEHAVIOUR_DELTA.formula());
    }

    @Test
    void badInputNamesTheValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EFTSpec.scaleDelta(Double.NaN)).getMessage().contains("beta"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EFTSpec.lambdaInterpolation(Double.POSITIVE_INFINITY))
                .getMessage().contains("lambda"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EFTSpec.upscale().withDelta("nope"));
        assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("large-base"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EFTSpec.upscale().withDelta("small-ft", "small-ft"));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new EFTSpec(null, EFTSpec.upscale().components(), List.of(), null));
    }

    @Test
    @SuppressWarnings("removal")
    void betaUpscaleIsTheScaleDeltaForm() {
        assertEquals(EFTSpec.scaleDelta(0.5), EFTSpec.betaUpscale(0.5));
        assertArrayEquals(EFTSpec.scaleDelta(0.5).coefficients(), EFTSpec.betaUpscale(0.5).coefficients());
    }
}
