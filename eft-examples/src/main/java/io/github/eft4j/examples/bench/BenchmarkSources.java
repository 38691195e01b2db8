package io.github.eft4j.examples.bench;

import io.github.eft4j.combine.EFTSpec;
import io.github.eft4j.decoder.Prompt;
import io.github.eft4j.model.LogitSource;
import java.util.List;
import java.util.Map;

/**
 * Supplies the models {@link SpeculativeBenchmark} decodes with: in-memory synthetic sources
 * ({@link SyntheticBenchmarkSources}, the default) or, from another class named with
 * {@code --factory}, real ONNX graphs. An implementation needs a public no-argument
 * constructor.
 */
public interface BenchmarkSources {

    /**
     * One set of models to measure, plain vs speculative.
     *
     * @param name a short label for the report
     * @param spec the EFT spec (its draft component must be {@code draftComponent})
     * @param sources one source per spec component
     * @param vocabSize the shared vocabulary size, or -1 to infer it from the sources
     * @param prompts the prompts to generate from
     * @param draftComponent the component that drafts
     * @param onClose releases the sources after the scenario ran
     * @param maxNewTokens new tokens per prompt for this scenario (graphs with few positions), or 0
     *     for the benchmark's {@code --tokens}
     */
    record Scenario(String name, EFTSpec spec, Map<String, LogitSource> sources, int vocabSize, List<Prompt> prompts,
            String draftComponent, Runnable onClose, int maxNewTokens) {

        /** Validates the token cap. */
        public Scenario {
            if (maxNewTokens < 0) {
                throw new IllegalArgumentException("maxNewTokens must be >= 0 (0 = --tokens), got " + maxNewTokens);
            }
        }

        /**
         * A scenario that generates the benchmark's {@code --tokens} per prompt.
         *
         * @param name a short label for the report
         * @param spec the EFT spec
         * @param sources one source per spec component
         * @param vocabSize the shared vocabulary size, or -1 to infer it
         * @param prompts the prompts
         * @param draftComponent the component that drafts
         * @param onClose releases the sources
         */
        public Scenario(String name, EFTSpec spec, Map<String, LogitSource> sources, int vocabSize, List<Prompt> prompts,
                String draftComponent, Runnable onClose) {
            this(name, spec, sources, vocabSize, prompts, draftComponent, onClose, 0);
        }
    }

    /**
     * Builds the scenarios.
     *
     * @param options {@code --key value} options of the command line, without the dashes
     * @return the scenarios, each run plain and speculative
     */
    List<Scenario> scenarios(Map<String, String> options);

    /**
     * Describes the sources and their cost model for the report header; called after
     * {@link #scenarios}, so it may report what building them measured.
     *
     * @param options the same options
     * @return one or more lines
     */
    String describe(Map<String, String> options);
}
