package org.cohort.coordinator.aggregation;

import java.util.List;
import java.util.Locale;
import org.cohort.coordinator.study.StrategyOptions;
import org.cohort.coordinator.study.StudySpec;

/**
 * How a round's reports become the next global model (Flower's strategy idea): sites send
 * deltas (local − global); the strategy accumulates them as they stream in and turns the
 * aggregate into the next global parameters. Adding a strategy touches one class.
 *
 * <p>A strategy may keep {@linkplain #stateVectors() state} from round to round (a server
 * optimiser's moments): the round reads the state the previous version left and writes the
 * state of the version it produces, chunk by chunk as it does the model ({@link State}).
 */
public interface Strategy {
    /** The strategies a study may name; a study naming another is refused at creation. */
    List<String> NAMES = List.of(
            "fedavg",
            "fedadam",
            "fedyogi",
            "fedadagrad",
            "fedprox",
            "fedbuff",
            "median",
            "trimmed-mean",
            "krum",
            "multi-krum",
            "scaffold");

    /** Name used in study specifications, e.g. "fedavg". */
    String name();

    /**
     * μ of the proximal term μ/2·‖w − w_global‖² every site adds to its local loss ({@link FedProx});
     * 0, plain local training, for every other strategy. It travels in each task's training plan.
     */
    default double proximalMu() {
        return 0;
    }

    /**
     * How many model-sized vectors each site's update carries, one after the other: 1 (the delta),
     * or 2 for {@link Scaffold} (the delta, then the change of the site's control variate). The
     * upload, its masked form under secure aggregation and the round's sum all have this many times
     * the model's length.
     */
    default int uploadVectors() {
        return 1;
    }

    /**
     * Whether sites keep control variates (SCAFFOLD): each training task then tells them to fetch
     * the server's c with the model, and they correct every local step by c − c_i.
     */
    default boolean controlVariates() {
        return false;
    }

    /**
     * How many updates a training round waits for before it publishes ({@link FedBuff}'s K); 0 for
     * every synchronous strategy, whose round waits for each selected site (or its deadline).
     */
    default int bufferSize() {
        return 0;
    }

    /** A fresh accumulator for one round. */
    default WeightedSum newAccumulator(int numParameters) {
        return new WeightedSum(numParameters);
    }

    /** Vectors of the model's size the strategy carries from one round to the next (0: none). */
    default int stateVectors() {
        return 0;
    }

    /** Applies the round's aggregate to the current global parameters; returns new parameters. */
    default float[] nextGlobal(float[] global, WeightedSum aggregate) {
        if (global.length != aggregate.numParameters()) {
            throw new IllegalArgumentException("aggregate has " + aggregate.numParameters()
                    + " parameters but the global model has " + global.length);
        }
        return step(aggregate.totalWeight(), aggregate.contributions()).next(global, aggregate.sum());
    }

    /**
     * The round's step for a sum of {@code contributions} updates of total weight
     * {@code totalWeight}, applied chunk by chunk (so neither the sum nor the model need fit in
     * the heap); one instance per round, applied to each chunk once, in order.
     *
     * @throws IllegalStateException for a strategy with state: it needs {@link #step(long, int, State)}
     */
    Step step(long totalWeight, int contributions);

    /**
     * The round's step of a strategy with state: as {@link #step(long, int)}, reading the previous
     * round's state and writing the next one through {@code state}, chunk by chunk in the same order.
     */
    default Step step(long totalWeight, int contributions, State state) {
        return step(totalWeight, contributions);
    }

    /** Next global parameters for one chunk, from the same chunk of the global model and of the sum Σ wᵢ·Δᵢ. */
    @FunctionalInterface
    interface Step {
        float[] next(float[] global, double[] sum);

        /**
         * The same for the first {@code count} values of reused buffers, into {@code out} (which may be
         * {@code global}); {@code sum} may be overwritten. Strategies override it to allocate nothing.
         */
        default void next(float[] global, double[] sum, int count, float[] out) {
            float[] next = next(java.util.Arrays.copyOf(global, count), java.util.Arrays.copyOf(sum, count));
            System.arraycopy(next, 0, out, 0, count);
        }
    }

    /**
     * A step written for reused buffers (the merge's path); its allocating form copies the sum once,
     * since the step may overwrite it.
     */
    @FunctionalInterface
    interface InPlaceStep extends Step {
        @Override
        void next(float[] global, double[] sum, int count, float[] out);

        @Override
        default float[] next(float[] global, double[] sum) {
            float[] next = new float[global.length];
            next(global, sum.clone(), global.length, next);
            return next;
        }
    }

    /**
     * A stateful strategy's vectors across rounds: what the previous version left (zeros before the
     * first round) and what the version being made will carry, chunk by chunk.
     */
    interface State {
        /** {@code count} values of each vector from parameter {@code offset}, as the previous round left them. */
        float[][] read(long offset, int count);

        /** The next state's values of each vector from parameter {@code offset}. */
        void write(long offset, float[][] values);
    }

    /**
     * The strategy a study runs: its named one, or DP-FedAvg when the study asks for site-level DP.
     * Under site-level DP a server optimiser steps from DP-FedAvg's noised mean instead.
     */
    static Strategy forStudy(StudySpec spec) {
        var dp = spec.privacy();
        Strategy named = named(spec.strategy(), spec.strategyOptions());
        if (dp != null && dp.siteLevel()) {
            var noised = new DpFedAvg(dp.clipNorm(), dp.noiseMultiplier());
            return named instanceof ServerOptimizer optimizer ? optimizer.afterNoise(noised) : noised;
        }
        return named;
    }

    /**
     * The strategy of a securely aggregated round: the study's named one, except that under
     * site-level DP the sites already noised the sum inside the ring, so it is averaged without
     * adding noise again (DP-FedAvg's noise is in the sum, its clipping at the sites); a server
     * optimiser steps from that mean as from any other.
     */
    static Strategy forSecureRound(StudySpec spec) {
        var dp = spec.privacy();
        Strategy named = named(spec.strategy(), spec.strategyOptions());
        return dp != null && dp.siteLevel() && !(named instanceof ServerOptimizer) ? new FedAvg(1.0) : named;
    }

    static Strategy named(String name) {
        return named(name, null);
    }

    /** The strategy called {@code name} with the study's options (defaults where absent). */
    static Strategy named(String name, StrategyOptions options) {
        String n = name == null ? "fedavg" : name.toLowerCase(Locale.ROOT);
        StrategyOptions o = (options == null ? StrategyOptions.NONE : options).withDefaults(n);
        return switch (n) {
            case "fedavg" -> new FedAvg(o.serverLearningRate());
            case "fedprox" -> new FedProx(o.mu(), o.serverLearningRate());
            case "fedbuff" -> new FedBuff(o.bufferSize(), o.maxStaleness(), o.serverLearningRate());
            case "fedadam" -> new FedAdam(ServerOptimizer.Settings.of(o));
            case "fedyogi" -> new FedYogi(ServerOptimizer.Settings.of(o));
            case "fedadagrad" -> new FedAdagrad(ServerOptimizer.Settings.of(o));
            case "median" -> new CoordinateMedian();
            case "trimmed-mean" -> new TrimmedMean(o.trimFraction());
            case "krum" -> new Krum(o.f());
            case "multi-krum" -> new MultiKrum(o.f(), o.m());
            case "scaffold" -> new Scaffold(o.serverLearningRate());
            default -> throw new IllegalArgumentException("unknown strategy '" + name + "'; available: " + NAMES);
        };
    }
}
