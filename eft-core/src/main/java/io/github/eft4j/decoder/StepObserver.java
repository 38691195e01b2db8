package io.github.eft4j.decoder;

/**
 * Sees every decided position of a generation or scoring run (research: how sure was the
 * combination, and which component pulled where). Set with
 * {@link GenerationConfig.Builder#observer(StepObserver, int)}; called on the decoding thread
 * once per position, in plain, speculative (at each verified position) and batched generation
 * and in scoring. Without an observer nothing of this is computed.
 *
 * <pre>{@code
 * StepObserver o = step -> System.out.printf("pos %d: H=%.2f nats, top %d (%.3f)%n",
 *         step.position(), step.entropy(), step.topId(0), Math.exp(step.topLogProb(0)));
 * GenerationConfig cfg = GenerationConfig.builder().observer(o, 5).build();
 * }</pre>
 *
 * <p>A speculative block decides several positions before it delivers their tokens, so after a
 * stop (interrupt, {@link Generation#cancel()}, timeout) the observer may have seen positions
 * that the result does not hold.
 */
@FunctionalInterface
public interface StepObserver {

    /**
     * Called once per decided position.
     *
     * @param step a read-only view of the position, valid only during this call
     */
    void onStep(StepView step);
}
