package org.cohort.simulation;

import org.cohort.agent.LocalLearner;
import org.cohort.agent.PrivacyCharge;
import org.cohort.protocol.v1.RoundTask;

/**
 * Test plumbing: a learner whose {@code run} is replaced (to pause, tamper or misbehave) while its
 * training size and planned privacy charge stay those of the learner it wraps.
 *
 * @param inner the learner whose training size and planned charge are kept
 * @param run what runs a task instead (it may call {@code inner})
 */
record ReplacedRun(LocalLearner inner, LocalLearner run) implements LocalLearner {
    @Override
    public Outcome run(RoundTask task, String modelConfigJson, float[] globalParameters) {
        return run.run(task, modelConfigJson, globalParameters);
    }

    @Override
    public int trainingRows(RoundTask task) {
        return inner.trainingRows(task);
    }

    @Override
    public PrivacyCharge plannedCharge(RoundTask task) {
        return inner.plannedCharge(task);
    }
}
