package io.github.eft4j.decoder;

import io.github.eft4j.model.BatchDecodingState;
import io.github.eft4j.model.Cancellation;
import io.github.eft4j.model.LogitSource;
import io.github.eft4j.sampling.SamplingPipeline;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.random.RandomGenerator;

/**
 * Batched generation (see {@link EFTDecoder#generateBatch}): one {@link BatchDecodingState} per
 * component advances every sequence by one token per step; each sequence has its own
 * {@link DecodeStep}, output and random generator, so its tokens equal an unbatched generation
 * with seed {@code seed + s}. A finished sequence keeps being fed its last token until all have
 * finished (one append serves them all); its output ignores them.
 */
final class BatchGeneration {
    private BatchGeneration() {
    }

    /**
     * @param decoder the sources and spec
     * @param ids the prompts, (component, sequence)
     * @param room the most tokens every sequence's context leaves (the batch advances together)
     */
    static List<GenerationResult> run(EFTDecoder decoder, int[][][] ids, int room, GenerationConfig config) {
        LogitSource[] sources = decoder.sources();
        int n = sources.length;
        int b = ids[0].length;
        int vocabSize = decoder.vocabSize();
        long baseSeed = config.seed() != null ? config.seed() : new SplittableRandom().nextLong();
        SequenceOutput[] outs = new SequenceOutput[b];
        DecodeStep[] steps = new DecodeStep[b];
        RandomGenerator[] rngs = new RandomGenerator[b];
        for (int s = 0; s < b; s++) {
            outs[s] = new SequenceOutput(config, vocabSize, 1, room);
            steps[s] = new DecodeStep(decoder, config.schedule(),
                    new SamplingPipeline(config.sampling(), vocabSize, config.processors()), config.observer(),
                    config.observerTopK());
            rngs[s] = new SplittableRandom(baseSeed + s);
        }
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = new float[sources[i].vocabSize()];
        }
        int[] next = new int[b];
        BatchDecodingState[] states = new BatchDecodingState[n];
        Cancellation.Registration[] hooks = new Cancellation.Registration[n];
        long[] passes = new long[n];
        StopControl stop = new StopControl(config.timeout());
        Watchdog.register(stop);
        stop.owner = Thread.currentThread();
        Throwable failed = null;
        try {
            for (int i = 0; i < n && stop.poll() == null; i++) {
                states[i] = sources[i].openBatch(ids[i], stop.cancellation);
                hooks[i] = stop.cancellation.onCancel(states[i]::cancel);
                passes[i]++;
            }
            for (int pos = 0; stop.poll() == null; pos++) {
                boolean any = false;
                for (int s = 0; s < b; s++) {
                    SequenceOutput o = outs[s];
                    if (o.finish() != null) {
                        continue;
                    }
                    any = true;
                    for (int i = 0; i < n; i++) {
                        states[i].copyLogits(s, rows[i]);
                    }
                    DecodeStep st = steps[s];
                    int t = st.next(rows, pos, o.tokens(), rngs[s]);
                    st.emit(o, s, t, TokenOrigin.SAMPLED, -1);
                    next[s] = t;
                }
                if (!any || allFinished(outs)) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    states[i].append(next);
                    passes[i]++;
                }
            }
        } catch (CancellationException e) {
            if (stop.reason() == null) {   // not ours: a failure of the source
                failed = e;
                throw e;
            }
        } catch (RuntimeException | Error e) {
            failed = e;
            throw e;
        } finally {
            stop.release(hooks, states, failed);
        }
        FinishReason reason = stop.reason();
        Map<String, Long> p = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            p.put(decoder.spec().components().get(i).name(), passes[i]);
        }
        List<GenerationResult> results = new ArrayList<>(b);
        for (int s = 0; s < b; s++) {
            if (reason != null && outs[s].finish() == null) {
                outs[s].stop(reason, outs[s].length());
            }
            results.add(outs[s].result(baseSeed + s, p, null));
        }
        return results;
    }

    private static boolean allFinished(SequenceOutput[] outs) {
        for (SequenceOutput o : outs) {
            if (o.finish() == null) {
                return false;
            }
        }
        return true;
    }
}
