package org.cohort.coordinator.aggregation;

import org.cohort.coordinator.study.StrategyOptions;

/**
 * Adaptive server optimisers (Reddi et al. 2021, "Adaptive Federated Optimization", Algorithm 2):
 * the round's mean update Δ is a pseudo-gradient, and the server keeps a first moment
 * m ← β₁·m + (1 − β₁)·Δ and a second moment v (its update is what tells {@link FedAdam},
 * {@link FedYogi} and {@link FedAdagrad} apart), then steps x ← x + η·m / (√v + τ). Both moments
 * start at zero, as in Flower's {@code FedAdam}/{@code FedYogi}/{@code FedAdagrad}, and no bias
 * correction is applied, as in the paper.
 *
 * <p>The moments are the strategy's {@linkplain #stateVectors() state}: two float32 vectors of the
 * model's size, read from the state the base version left and written next to the version the
 * round produces, chunk by chunk, so they survive a restart or a change of the driving replica.
 *
 * <p><b>Privacy.</b> The optimiser only ever sees the round's released mean, so it composes with
 * every privacy mode at no privacy cost: under patient-level DP that mean is of updates the sites
 * already privatised; under site-level DP it is DP-FedAvg's noised mean ({@link #afterNoise}: the
 * optimiser is post-processing of the noised average and its state a function of released
 * averages only); under secure aggregation it is the unmasked sum of the survivors divided by
 * their number (weight 1 each, see {@link Strategy#forSecureRound}), noised by the sites inside the
 * ring under site-level DP.
 */
public abstract sealed class ServerOptimizer implements Strategy permits FedAdam, FedYogi, FedAdagrad {
    /** The moment vectors m and v. */
    static final int MOMENTS = 2;

    /**
     * @param eta   η, the server learning rate
     * @param beta1 β₁, the first moment's decay
     * @param beta2 β₂, the second moment's decay (FedAdam, FedYogi)
     * @param tau   τ, the adaptivity: the step divides by √v + τ
     */
    public record Settings(double eta, double beta1, double beta2, double tau) {
        public Settings {
            if (!(eta > 0) || Double.isInfinite(eta)) {
                throw new IllegalArgumentException("the server learning rate must be a positive number, got " + eta);
            }
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("beta1 and beta2 must be in [0, 1), got " + beta1 + ", " + beta2);
            }
            if (!(tau > 0) || Double.isInfinite(tau)) {
                throw new IllegalArgumentException("tau must be a positive number, got " + tau);
            }
        }

        /** The settings of a study's options, defaults already filled in. */
        public static Settings of(StrategyOptions o) {
            return new Settings(o.serverLearningRate(), o.beta1(), o.beta2(), o.tau());
        }
    }

    private final Settings settings;
    /** DP-FedAvg's noise on the sum under site-level DP without secure aggregation; null otherwise. */
    private final DpFedAvg noise;

    ServerOptimizer(Settings settings, DpFedAvg noise) {
        this.settings = settings;
        this.noise = noise;
    }

    public Settings settings() {
        return settings;
    }

    /** The second moment after a round with squared mean update {@code squaredDelta}. */
    abstract double secondMoment(double v, double squaredDelta);

    /** This optimiser stepping from DP-FedAvg's noised mean (site-level DP): post-processing, no extra ε. */
    abstract ServerOptimizer afterNoise(DpFedAvg noised);

    /** Whether it steps from a mean it noises itself (site-level DP without secure aggregation). */
    public boolean noised() {
        return noise != null;
    }

    @Override
    public int stateVectors() {
        return MOMENTS;
    }

    /** Always refused: without the previous moments the step would silently restart the optimiser. */
    @Override
    public Step step(long totalWeight, int contributions) {
        throw new IllegalStateException(name() + " keeps its moments across rounds; step it with its state");
    }

    @Override
    public Step step(long totalWeight, int contributions, State state) {
        if (totalWeight <= 0 || contributions <= 0) {
            throw new IllegalStateException("no contribution to average");
        }
        DpFedAvg.MeanDelta mean = noise != null
                ? noise.noisedMean(contributions)
                : (sum, count) -> {
                    for (int i = 0; i < count; i++) {
                        sum[i] /= totalWeight;
                    }
                };
        double eta = settings.eta();
        double beta1 = settings.beta1();
        double tau = settings.tau();
        return new InPlaceStep() {
            private long offset;

            @Override
            public void next(float[] global, double[] sum, int count, float[] out) {
                mean.inPlace(sum, count);
                float[][] previous = state.read(offset, count);
                float[] m = new float[count];
                float[] v = new float[count];
                for (int i = 0; i < count; i++) {
                    double d = sum[i];
                    double mi = beta1 * previous[0][i] + (1 - beta1) * d;
                    double vi = secondMoment(previous[1][i], d * d);
                    m[i] = (float) mi;
                    v[i] = (float) vi;
                    out[i] = (float) (global[i] + eta * mi / (Math.sqrt(vi) + tau));
                }
                state.write(offset, new float[][] {m, v});
                offset += count;
            }
        };
    }
}
