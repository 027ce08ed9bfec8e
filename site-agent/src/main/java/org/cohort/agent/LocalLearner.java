package org.cohort.agent;

import org.cohort.protocol.v1.RoundTask;

/**
 * What the agent does with the site's data in a round: evaluate the incoming global model on
 * held-out rows and, for training tasks, train locally and return the update (local − global).
 */
public interface LocalLearner {

    /**
     * Result of one task. {@code delta} is null for evaluation-only tasks; {@code privacy} is the
     * privacy cost actually incurred (null when the study has no differential privacy); {@code
     * heldOut} a noised confusion matrix (a multiclass study's DP evaluation) and {@code scores} the
     * held-out score histogram of a binary study (exact in clear, noised in its DP evaluation), each
     * null when the task measures none; {@code errors} a regression study's held-out error sums (exact
     * in clear, noised in its DP evaluation), null for other tasks.
     */
    record Outcome(
            float[] delta,
            long exampleCount,
            double trainLoss,
            long trainMillis,
            long testExamples,
            long testCorrect,
            double testLoss,
            PrivacyCharge privacy,
            org.cohort.protocol.NoisedConfusion heldOut,
            org.cohort.protocol.ScoreHistogram scores,
            org.cohort.protocol.ErrorSums errors) {
        public Outcome(
                float[] delta,
                long exampleCount,
                double trainLoss,
                long trainMillis,
                long testExamples,
                long testCorrect,
                double testLoss,
                PrivacyCharge privacy,
                org.cohort.protocol.NoisedConfusion heldOut,
                org.cohort.protocol.ScoreHistogram scores) {
            this(
                    delta,
                    exampleCount,
                    trainLoss,
                    trainMillis,
                    testExamples,
                    testCorrect,
                    testLoss,
                    privacy,
                    heldOut,
                    scores,
                    null);
        }

        public Outcome(
                float[] delta,
                long exampleCount,
                double trainLoss,
                long trainMillis,
                long testExamples,
                long testCorrect,
                double testLoss,
                PrivacyCharge privacy,
                org.cohort.protocol.NoisedConfusion heldOut) {
            this(
                    delta,
                    exampleCount,
                    trainLoss,
                    trainMillis,
                    testExamples,
                    testCorrect,
                    testLoss,
                    privacy,
                    heldOut,
                    null);
        }

        public Outcome(
                float[] delta,
                long exampleCount,
                double trainLoss,
                long trainMillis,
                long testExamples,
                long testCorrect,
                double testLoss) {
            this(delta, exampleCount, trainLoss, trainMillis, testExamples, testCorrect, testLoss, null, null);
        }

        public Outcome(
                float[] delta,
                long exampleCount,
                double trainLoss,
                long trainMillis,
                long testExamples,
                long testCorrect,
                double testLoss,
                PrivacyCharge privacy) {
            this(delta, exampleCount, trainLoss, trainMillis, testExamples, testCorrect, testLoss, privacy, null);
        }

        /** An evaluation under DP: nothing measured in clear, only the noised confusion matrix and its charge. */
        public static Outcome noisedEvaluation(
                long exampleCount, org.cohort.protocol.NoisedConfusion heldOut, PrivacyCharge charge) {
            return new Outcome(null, exampleCount, 0, 0, 0, 0, 0, charge, heldOut);
        }

        /** A binary study's evaluation under DP: only the noised score histogram and its charge. */
        public static Outcome noisedEvaluation(
                long exampleCount, org.cohort.protocol.ScoreHistogram scores, PrivacyCharge charge) {
            return new Outcome(null, exampleCount, 0, 0, 0, 0, 0, charge, null, scores);
        }

        /** A regression study's evaluation under DP: only the noised error sums and their charge. */
        public static Outcome noisedEvaluation(
                long exampleCount, org.cohort.protocol.ErrorSums errors, PrivacyCharge charge) {
            return new Outcome(null, exampleCount, 0, 0, 0, 0, 0, charge, null, null, errors);
        }

        /** The same outcome with the held-out score histogram measured in clear. */
        public Outcome withScores(org.cohort.protocol.ScoreHistogram newScores) {
            return new Outcome(
                    delta,
                    exampleCount,
                    trainLoss,
                    trainMillis,
                    testExamples,
                    testCorrect,
                    testLoss,
                    privacy,
                    heldOut,
                    newScores,
                    errors);
        }

        /** The same outcome with a regression study's held-out error sums measured in clear. */
        public Outcome withErrors(org.cohort.protocol.ErrorSums newErrors) {
            return new Outcome(
                    delta,
                    exampleCount,
                    trainLoss,
                    trainMillis,
                    testExamples,
                    testCorrect,
                    testLoss,
                    privacy,
                    heldOut,
                    scores,
                    newErrors);
        }

        /** The same outcome with another update (the agent's clipped copy of the trainer's). */
        public Outcome withDelta(float[] newDelta) {
            return new Outcome(
                    newDelta,
                    exampleCount,
                    trainLoss,
                    trainMillis,
                    testExamples,
                    testCorrect,
                    testLoss,
                    privacy,
                    heldOut,
                    scores,
                    errors);
        }

        public double testAccuracy() {
            return testExamples == 0 ? 0 : (double) testCorrect / testExamples;
        }
    }

    Outcome run(RoundTask task, String modelConfigJson, float[] globalParameters);

    /**
     * As {@link #run(RoundTask, String, float[])}, under SCAFFOLD with the server's c and this site's
     * c_i ({@code variates}, null for other strategies): a training outcome's delta is then the model
     * delta followed by Δc_i (option II), twice the model's length.
     */
    default Outcome run(
            RoundTask task,
            String modelConfigJson,
            float[] globalParameters,
            org.cohort.learning.train.ControlVariates variates) {
        if (variates != null) {
            throw new IllegalStateException(getClass().getSimpleName()
                    + " does not train with SCAFFOLD's control variates; run the study with the agent's built-in"
                    + " learner");
        }
        return run(task, modelConfigJson, globalParameters);
    }

    /** Training rows this site has for the task's dataset, or -1 when the learner cannot say. */
    default int trainingRows(RoundTask task) {
        return -1;
    }

    /**
     * The privacy cost this task would incur, known before training so the site's ceiling can
     * be checked first. Null when the study has no differential privacy.
     */
    default PrivacyCharge plannedCharge(RoundTask task) {
        return null;
    }

    /**
     * Why this site's data does not meet the task's privacy unit (patient-level DP needs one row per
     * patient), or empty when it does; asked before training, so such a task costs nothing.
     */
    default java.util.Optional<String> unitProblem(RoundTask task) {
        return java.util.Optional.empty();
    }

    /**
     * Why this learner could not train or evaluate the downloaded model on this site's data for
     * {@code task} (a configuration it cannot build, parameters of another length, another input
     * width or class count than the data), or empty when it can: asked before training, so such a
     * task is refused and costs no ε.
     */
    default java.util.Optional<String> modelProblem(RoundTask task, String modelConfigJson, float[] parameters) {
        return java.util.Optional.empty();
    }

    /** Releases what the learner holds (an external trainer's process); called when its agent closes. */
    default void close() {}
}
