package org.cohort.coordinator.aggregation;

/**
 * SCAFFOLD (Karimireddy et al. 2020, "SCAFFOLD: Stochastic Controlled Averaging for Federated
 * Learning", Algorithm 1 with option II): the server keeps a control variate c, an estimate of the
 * global gradient, and each site i its own c_i. Every local step follows g − c_i + c, which
 * cancels the drift of non-IID local optima; at the end the site sets
 * c_i⁺ = c_i − c + (x − y_i)/(K·η) and sends Δy_i = y_i − x with Δc_i = c_i⁺ − c_i. The server steps
 * x ← x + η_g·mean(Δy_i) and c ← c + (|S|/N)·mean(Δc_i), |S| the sites whose updates the round
 * holds and N the sites it tasked.
 *
 * <p>Both vectors travel in one upload, Δy_i then Δc_i ({@link #uploadVectors()} = 2), so the
 * round's sum, plain or masked, is of the concatenation: under secure aggregation the coordinator
 * learns only Σ Δy_i and Σ Δc_i, nothing about one site's c_i. c is the strategy's
 * {@linkplain #stateVectors() state}, kept next to each model version like a server optimiser's
 * moments (so it survives restarts and a change of the driving replica), and each training task
 * tells the sites to fetch it with the model. Means are weighted as FedAvg's are (by declared
 * training size in plain rounds, 1 per survivor under secure aggregation).
 *
 * <p><b>Privacy.</b> Under patient-level DP the site's Δc_i is −c − Δy_i/(K·η): a function of
 * the released (DP-SGD) Δy_i, the public c and the public K and η, so post-processing at no extra
 * ε; the correction c − c_i each step adds is likewise built from released values only (c_i is
 * the previous rounds' post-processing). Site-level DP is refused at study creation: DP-FedAvg
 * clips and noises Δy_i alone, and Δc_i would be a second, unbounded release of the site.
 *
 * @param serverLearningRate η_g, the server step (1, as in the paper's experiments)
 */
public record Scaffold(double serverLearningRate) implements Strategy {
    /** The vectors of a SCAFFOLD upload (Δy, Δc) and its single state vector (c). */
    static final int UPLOAD_VECTORS = 2;

    public Scaffold {
        if (!(serverLearningRate > 0) || Double.isInfinite(serverLearningRate)) {
            throw new IllegalArgumentException(
                    "scaffold's server learning rate must be a positive number, got " + serverLearningRate);
        }
    }

    @Override
    public String name() {
        return "scaffold";
    }

    @Override
    public int uploadVectors() {
        return UPLOAD_VECTORS;
    }

    @Override
    public int stateVectors() {
        return 1;
    }

    @Override
    public boolean controlVariates() {
        return true;
    }

    /** Always refused: SCAFFOLD's step needs the Δc sum and c; see {@link #step(long, int, int, State)}. */
    @Override
    public Step step(long totalWeight, int contributions) {
        throw new IllegalStateException("scaffold steps the model and its control variate together; use its"
                + " control step with the round's state");
    }

    @Override
    public Step step(long totalWeight, int contributions, State state) {
        throw new IllegalStateException("scaffold needs the sum of the sites' Δc and the number of sites tasked;"
                + " use Scaffold#step(totalWeight, contributions, tasked, state)");
    }

    /**
     * The round's step over chunks of the model, given the same chunk of Σ wᵢ·Δyᵢ and of Σ wᵢ·Δcᵢ.
     *
     * @param tasked N, the sites the round tasked (at least {@code contributions})
     */
    public ControlStep step(long totalWeight, int contributions, int tasked, State state) {
        if (totalWeight <= 0 || contributions <= 0) {
            throw new IllegalStateException("no contribution to average");
        }
        if (tasked < contributions) {
            throw new IllegalStateException(
                    "the round holds " + contributions + " updates but tasked only " + tasked + " sites");
        }
        double participation = (double) contributions / tasked;
        return new ControlStep() {
            private long offset;

            @Override
            public void next(float[] global, double[] deltaSum, double[] controlSum, int count, float[] out) {
                float[] c = state.read(offset, count)[0];
                float[] nextC = new float[count];
                for (int i = 0; i < count; i++) {
                    // Rounded as FedAvg rounds its mean, then stepped.
                    float meanDelta = (float) (deltaSum[i] / totalWeight);
                    out[i] = (float) (global[i] + serverLearningRate * meanDelta);
                    nextC[i] = (float) (c[i] + participation * (controlSum[i] / totalWeight));
                }
                state.write(offset, new float[][] {nextC});
                offset += count;
            }
        };
    }

    /** SCAFFOLD's step for one chunk: next parameters into {@code out}, next c into the state. */
    @FunctionalInterface
    public interface ControlStep {
        void next(float[] global, double[] deltaSum, double[] controlSum, int count, float[] out);

        /** The whole model at once from the concatenated sum [Σ wᵢ·Δyᵢ, Σ wᵢ·Δcᵢ] (models that fit the heap). */
        default float[] next(float[] global, double[] concatenatedSum) {
            int n = global.length;
            if (concatenatedSum.length != (long) UPLOAD_VECTORS * n) {
                throw new IllegalArgumentException("a scaffold sum holds Δy then Δc, " + UPLOAD_VECTORS * (long) n
                        + " values for this model, not " + concatenatedSum.length);
            }
            float[] out = new float[n];
            next(
                    global,
                    java.util.Arrays.copyOfRange(concatenatedSum, 0, n),
                    java.util.Arrays.copyOfRange(concatenatedSum, n, 2 * n),
                    n,
                    out);
            return out;
        }
    }
}
