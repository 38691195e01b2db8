package io.github.eft4j.decoder;

import io.github.eft4j.model.DecodingState;
import io.github.eft4j.sampling.SamplingPipeline;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.random.RandomGenerator;

/**
 * One running EFT generation, iterated token by token (like onnxruntime-genai's
 * {@code Generator}). It owns one {@link DecodingState} per component and all work buffers;
 * {@link #close()} releases the states and is idempotent. Iterate on one thread at a time;
 * {@link #cancel()} may be called from any thread.
 *
 * <pre>{@code
 * try (Generation g = decoder.start(prompt, config)) {
 *     while (g.hasNext()) {
 *         int token = g.nextInt();
 *         System.out.print(tokenizer.decode(token));
 *     }
 *     GenerationResult r = g.result();
 * }
 * }</pre>
 *
 * <p><b>Steps.</b> Each {@link #hasNext()} that needs a token runs one decoding step (or, when
 * speculative, one {@link SpeculativeConfig block}) through the decoder's one step unit; see
 * docs/decoder.md. A state consumes a generated token lazily, at the start of the next step, so
 * a finished generation never runs a forward pass whose logits nobody reads. With no allocation
 * per token when tracing, the observer and stop sequences are off (the token buffer is
 * preallocated for 4096 tokens and doubles past that).
 *
 * <p><b>Stopping.</b> Before every token {@link #hasNext()} checks whether the thread iterating
 * was interrupted, {@link #cancel()} was called, or {@link GenerationConfig#timeout()} passed
 * (counted from {@link EFTDecoder#start}); a shared watchdog also stops a forward pass in flight
 * for these reasons (where the source supports {@link DecodingState#cancel()}). The generation
 * then ends with {@link FinishReason#CANCELLED} or {@link FinishReason#TIMEOUT}, the result holds
 * the tokens delivered so far, the states are released, and the interrupt status is kept. Once
 * finished for any reason the states are released; the result stays available.
 */
public final class Generation implements PrimitiveIterator.OfInt, AutoCloseable {
    private final String[] names;
    private final long seed;
    private final RandomGenerator rng;
    private final DecodeStep step;
    private final boolean argmaxOnly;   // greedy, and nothing reads the distribution: see advance()
    private final SequenceOutput out;
    private final SequenceStates states;
    private final SpeculativeBlock block;     // null = plain
    private final StopControl stop;
    private int delivered;
    private boolean closed;                   // closed by the caller or by a failure
    private boolean released;

    /**
     * Starts a generation: prefill, unless a stop is already requested.
     *
     * @param prompts each component's validated prompt
     * @param room the most tokens the sources' contexts leave
     */
    Generation(EFTDecoder decoder, int[][] prompts, int room, GenerationConfig config) {
        this.names = decoder.spec().names().toArray(String[]::new);
        int vocabSize = decoder.vocabSize();
        this.seed = config.seed() != null ? config.seed() : new SplittableRandom().nextLong();
        this.rng = new SplittableRandom(seed);
        this.stop = new StopControl(config.timeout());
        this.step = new DecodeStep(decoder, config.schedule(),
                new SamplingPipeline(config.sampling(), vocabSize, config.processors()), config.observer(),
                config.observerTopK());
        this.argmaxOnly = config.sampling().greedy() && config.sampling().repetitionPenalty() == 1f
                && config.processors().isEmpty() && !config.trace() && config.observer() == null;
        SpeculativeConfig speculative = config.speculative();
        int draft = speculative == null ? -1 : decoder.spec().indexOf(speculative.draftComponent());
        int kMax = speculative == null ? 0 : speculative.maxDraftLength();
        this.out = new SequenceOutput(config, vocabSize, kMax + 1, room);
        this.states = new SequenceStates(decoder.sources(), prompts, kMax, draft, config.executor(),
                () -> stop.stop(FinishReason.CANCELLED));
        this.block = speculative == null ? null
                : new SpeculativeBlock(step, states, out, rng, speculative, draft, config.sampling().greedy(),
                        new SamplingPipeline(config.sampling(), vocabSize, config.processors()));
        Watchdog.register(stop);
        stop.owner = Thread.currentThread();
        try {
            if (stop.poll() == null) {
                states.open(prompts, stop.cancellation);
            }
        } catch (CancellationException e) {
            if (stop.reason() == null) {
                fail(e);
                throw e;
            }
        } catch (RuntimeException | Error e) {
            fail(e);
            throw e;
        } finally {
            stop.owner = null;
        }
        if (stop.reason() != null) {
            end(stop.reason());
        } else if (out.finish() != null) {
            release(null);   // nothing to generate (maxNewTokens 0)
        }
    }

    /**
     * Returns whether another token follows, running the next step or block if needed. Returns
     * false, with the generation finished, once a stop was requested (interrupt,
     * {@link #cancel()}, timeout).
     *
     * @return true if {@link #nextInt()} has a token
     * @throws IllegalStateException if this generation is closed
     * @throws IllegalArgumentException if a source produced NaN logits (the message names it
     *     and the step); the generation is closed then, and {@link #result()} reports the
     *     tokens produced before the failure with {@link FinishReason#CANCELLED}
     */
    @Override
    public boolean hasNext() {
        ensureOpen();
        while (true) {
            if (out.finish() != null && delivered == out.length()) {
                return false;
            }
            FinishReason r = stop.poll();
            if (r != null) {
                end(r);
                return false;
            }
            if (delivered < out.length()) {
                return true;
            }
            advance();
        }
    }

    /** Runs one plain step or one speculative block; a stop request in flight ends the generation. */
    private void advance() {
        stop.owner = Thread.currentThread();
        try {
            if (block != null) {
                block.run();
            } else {
                int pos = out.length();
                states.begin(out.tokens(), pos, 0);
                states.advanceAll(-1);
                // Greedy with nothing reading the distribution: the argmax of the unnormalized
                // scores is the token (EFTCombiner.argmax, one pass over the rows).
                int token = argmaxOnly ? step.argmax(states.at(0), pos) : step.next(states.at(0), pos, out.tokens(), rng);
                step.emit(out, 0, token, TokenOrigin.SAMPLED, -1);
            }
        } catch (CancellationException e) {
            if (stop.reason() == null) {   // not ours: a failure of the source
                fail(e);
                throw e;
            }
            end(stop.reason());
        } catch (RuntimeException | Error e) {
            fail(e);
            throw e;
        } finally {
            stop.owner = null;
        }
        if (out.finish() != null) {
            release(null);
        }
    }

    /**
     * Returns the next generated token.
     *
     * @return the token id
     * @throws NoSuchElementException if the generation has finished
     * @throws IllegalStateException if this generation is closed
     */
    @Override
    public int nextInt() {
        if (!hasNext()) {
            throw new NoSuchElementException("generation finished: " + out.finish());
        }
        return out.tokens()[delivered++];
    }

    /**
     * Returns whether the generation has finished (no further token).
     *
     * @return true once a stop rule fired, the token limit was reached, or a stop was requested
     *     and noticed
     */
    public boolean isFinished() {
        return out.finish() != null && delivered == out.length();
    }

    /**
     * Asks the generation to stop; safe from any thread (a Spark task's kill handler, a UI). The
     * thread iterating notices it before its next token (a forward pass in flight is stopped
     * where the source supports it): {@link #hasNext()} then returns false and the result holds
     * the tokens delivered so far with {@link FinishReason#CANCELLED}. Idempotent; no effect on
     * a generation that has delivered its last token.
     */
    public void cancel() {
        stop.stop(FinishReason.CANCELLED);
    }

    /**
     * Returns the seed in use.
     *
     * @return the configured seed, or the fresh one drawn for this generation
     */
    public long seed() {
        return seed;
    }

    /**
     * Returns the result: the tokens (after a stop request: those delivered; after a close: every
     * generated one, a speculative block may have produced more than were delivered), the finish
     * reason ({@link FinishReason#CANCELLED} if closed or failed before the end), the trace,
     * forward passes and speculative statistics.
     *
     * @return the result
     * @throws IllegalStateException if the generation is neither finished nor closed
     */
    public GenerationResult result() {
        if (!closed && out.finish() == null) {
            throw new IllegalStateException("generation is still running: iterate to the end or close it first");
        }
        Map<String, Long> p = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            p.put(names[i], states.passes(i));
        }
        return out.result(seed, p, block != null ? block.stats() : null);
    }

    /** Closes every decoding state. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            out.cancel();
            release(null);
        }
    }

    /** Ends for a stop request: keeps the delivered tokens, releases the states. */
    private void end(FinishReason reason) {
        out.stop(reason, delivered);
        release(null);
    }

    /** A step failed: closed, every produced token kept as CANCELLED, states released into {@code e}. */
    private void fail(Throwable e) {
        closed = true;
        out.cancel();
        release(e);
    }

    private void release(Throwable primary) {
        if (!released) {
            released = true;
            Watchdog.unregister(stop);
            states.release(primary);
        }
    }

    /** Package-private for tests: the decoding state of one component. */
    DecodingState state(int component) {
        return states.state(component);
    }

    /** Package-private for tests: tokens generated so far (delivered or not). */
    int generatedCount() {
        return out.length();
    }

    /** Package-private for tests: continuation tokens component {@code i} has consumed. */
    int consumed(int component) {
        return states.consumed(component);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("generation is closed");
        }
    }
}
