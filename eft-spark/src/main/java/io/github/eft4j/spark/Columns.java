package io.github.eft4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The input columns a job reads (by index) and the columns it adds, checked on the driver
 * against the input schema.
 *
 * @param width the number of input columns (they are copied to the output first)
 * @param prompt the prompt column's index
 * @param chatPrompt the chat prompt column's index, or -1
 * @param parameter the per-row parameter column's index, or -1
 * @param seed the seed column's index, or -1
 * @param key the key column's index, or -1
 * @param continuation the continuation column's index (scoring), or -1
 * @param continuationName the continuation column's name, or null
 * @param continuationIds whether the continuation column holds token ids (else text)
 * @param score whether this is a scoring job
 * @param errorColumn whether bad rows get an error column
 */
record Columns(int width, int prompt, int chatPrompt, int parameter, int seed, int key, int continuation,
        String continuationName, boolean continuationIds, boolean score, boolean errorColumn) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Generation's output columns: text, tokens, log-probability, finish reason (and error). */
    static List<StructField> generateFields(boolean errorColumn) {
        List<StructField> f = new ArrayList<>(List.of(
                DataTypes.createStructField(EFTSpark.TEXT, DataTypes.StringType, true),
                DataTypes.createStructField(EFTSpark.TOKENS, DataTypes.createArrayType(DataTypes.IntegerType, false), true),
                DataTypes.createStructField(EFTSpark.LOGPROB, DataTypes.DoubleType, true),
                DataTypes.createStructField(EFTSpark.FINISH_REASON, DataTypes.StringType, true)));
        if (errorColumn) {
            f.add(DataTypes.createStructField(EFTSpark.ERROR, DataTypes.StringType, true));
        }
        return f;
    }

    /** Scoring's output columns. */
    static List<StructField> scoreFields(boolean errorColumn) {
        ArrayType doubles = DataTypes.createArrayType(DataTypes.DoubleType, false);
        MapType perComponent = DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType, false);
        MapType perComponentTokens = DataTypes.createMapType(DataTypes.StringType, doubles, false);
        List<StructField> f = new ArrayList<>(List.of(
                DataTypes.createStructField(EFTSpark.SCORE_TOKENS, DataTypes.createArrayType(DataTypes.IntegerType, false), true),
                DataTypes.createStructField(EFTSpark.SCORE_LOGPROB, DataTypes.DoubleType, true),
                DataTypes.createStructField(EFTSpark.SCORE_TOKEN_LOGPROBS, doubles, true),
                DataTypes.createStructField(EFTSpark.SCORE_COMPONENT_LOGPROBS, perComponent, true),
                DataTypes.createStructField(EFTSpark.SCORE_COMPONENT_TOKEN_LOGPROBS, perComponentTokens, true)));
        if (errorColumn) {
            f.add(DataTypes.createStructField(EFTSpark.SCORE_ERROR, DataTypes.StringType, true));
        }
        return f;
    }

    /**
     * Resolves and type-checks the columns of a job.
     *
     * @param input the input schema
     * @param cfg the config
     * @param continuationColumn the continuation column for scoring, or null for generation
     * @throws IllegalArgumentException naming a missing column, a column of the wrong type, or
     *     an output column the input already has
     */
    static Columns resolve(StructType input, EFTSparkConfig cfg, String continuationColumn) {
        boolean score = continuationColumn != null;
        boolean errors = cfg.onError() == EFTSparkConfig.OnError.COLUMN;
        for (StructField out : score ? scoreFields(errors) : generateFields(errors)) {
            for (String in : input.fieldNames()) {
                if (in.toLowerCase(Locale.ROOT).equals(out.name().toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("the input already has a column '" + in + "'; "
                            + (score ? "score" : "generate") + " adds " + (score ? scoreFields(errors) : generateFields(errors))
                            .stream().map(StructField::name).toList() + ": rename or drop it first");
                }
            }
        }
        int prompt = index(input, "promptColumn", cfg.promptColumn(), Kind.STRING);
        int chat = index(input, "chatPromptColumn", cfg.chatPromptColumn(), Kind.STRING);
        int parameter = index(input, "parameterColumn", cfg.parameterColumn(), Kind.NUMBER);
        int seed = index(input, "seedColumn", cfg.seedColumn(), Kind.INTEGRAL);
        int key = index(input, "keyColumn", cfg.keyColumn(), Kind.KEY);
        int continuation = index(input, "continuation column", continuationColumn, Kind.CONTINUATION);
        boolean ids = continuation >= 0 && input.fields()[continuation].dataType() instanceof ArrayType;
        return new Columns(input.size(), prompt, chat, parameter, seed, key, continuation, continuationColumn, ids, score,
                errors);
    }

    private enum Kind {
        STRING("a string"), NUMBER("numeric"), INTEGRAL("an integral (int or long)"),
        KEY("a string or integral"), CONTINUATION("a string or array<int>");

        final String expected;

        Kind(String expected) {
            this.expected = expected;
        }

        boolean accepts(DataType t) {
            return switch (this) {
                case STRING -> t.equals(DataTypes.StringType);
                case NUMBER -> t instanceof NumericType;
                case INTEGRAL -> t instanceof IntegralType;
                case KEY -> t.equals(DataTypes.StringType) || t instanceof IntegralType;
                case CONTINUATION -> t.equals(DataTypes.StringType)
                        || (t instanceof ArrayType a && a.elementType().equals(DataTypes.IntegerType));
            };
        }
    }

    private static int index(StructType input, String what, String name, Kind kind) {
        if (name == null) {
            return -1;
        }
        int i;
        try {
            i = input.fieldIndex(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " '" + name + "' is not a column of the input; it has "
                    + List.of(input.fieldNames()), e);
        }
        DataType t = input.fields()[i].dataType();
        if (!kind.accepts(t)) {
            throw new IllegalArgumentException(what + " '" + name + "' must be " + kind.expected + " column, got "
                    + t.simpleString());
        }
        return i;
    }
}
