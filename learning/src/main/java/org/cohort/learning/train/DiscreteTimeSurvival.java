package org.cohort.learning.train;

/**
 * The discrete-time survival model's per-patient quantities, from the model's per-interval hazards
 * h_1..h_K (sigmoid outputs): the loss it is trained with and the risk score it is ranked by.
 */
public final class DiscreteTimeSurvival {

    /** Hazards are clamped to [MIN_PROBABILITY, 1 − MIN_PROBABILITY] in the loss, so it stays finite. */
    public static final double MIN_PROBABILITY = 1e-7;

    private DiscreteTimeSurvival() {}

    /**
     * One patient's negative log-likelihood (nats) for time in interval {@code interval}: −Σ_{k&lt;j}
     * log(1 − h_k), minus log h_j when the event was observed there. It depends on that patient
     * alone, which is what lets DP-SGD bound one patient's influence by clipping per example (a Cox
     * partial likelihood depends on the whole risk set).
     */
    public static double negativeLogLikelihood(float[] hazards, int interval, boolean event) {
        double loss = 0;
        for (int k = 0; k < interval; k++) {
            loss -= Math.log(Math.max(MIN_PROBABILITY, 1 - (double) hazards[k]));
        }
        if (event) {
            loss -= Math.log(Math.max(MIN_PROBABILITY, hazards[interval]));
        }
        return loss;
    }

    /**
     * A patient's risk score: the cumulative hazard over all intervals, −Σ_k log(1 − h_k), i.e.
     * −log of the predicted probability of surviving past the last cut point. Higher means expected
     * to have the event sooner; only the order matters to the C-index.
     */
    public static double risk(float[] hazards) {
        double cumulative = 0;
        for (float h : hazards) {
            cumulative -= Math.log(Math.max(Double.MIN_NORMAL, 1 - (double) h));
        }
        return cumulative;
    }
}
