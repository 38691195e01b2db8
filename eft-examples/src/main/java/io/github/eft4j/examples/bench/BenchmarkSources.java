package io.github.eft4j.examples.bench;

import io.github.eft4j.EFTSpec;
import io.github.eft4j.LogitSource;
import io.github.eft4j.Prompt;
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
     */
    record Scenario(String name, EFTSpec spec, Map<String, LogitSource> sources, int vocabSize, List<Prompt> prompts,
            String draftComponent, Runnable onClose) {
    }

    /**
     * Builds the scenarios.
     *
     * @param options {@code --key value} options of the command line, without the dashes
     * @return the scenarios, each run plain and speculative
     */
    List<Scenario> scenarios(Map<String, String> options);

    /**
     * Describes the sources and their cost model for the report header.
     *
     * @param options the same options
     * @return one or more lines
     */
    String describe(Map<String, String> options);
}
