package org.cohort.learning.train;

/**
 * A survival model's quality on one test set.
 *
 * @param concordance Harrell's C-index as its pair counts
 * @param meanLoss mean negative log-likelihood per patient of the discrete-time model (NaN when empty)
 * @param examples test patients
 */
public record SurvivalEvaluation(Concordance concordance, double meanLoss, long examples) {

    /** The C-index (NaN when no pair is comparable). */
    public double cIndex() {
        return concordance.index();
    }
}
