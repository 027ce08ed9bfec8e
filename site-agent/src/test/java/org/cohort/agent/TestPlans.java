package org.cohort.agent;

import org.cohort.protocol.v1.Accountant;
import org.cohort.protocol.v1.PrivacyMode;
import org.cohort.protocol.v1.PrivacyPlan;

/** Test plumbing: the privacy plans the agent's tests hand it, as a coordinator would send them. */
final class TestPlans {
    private TestPlans() {}

    /**
     * Patient-level DP-SGD (clip 1, σ = 1.5, expected batch 32, δ = 1e-5, RDP) over a five-round
     * study with the given ε budget.
     */
    static PrivacyPlan patient(double epsilonBudget) {
        return PrivacyPlan.newBuilder()
                .setMode(PrivacyMode.PRIVACY_MODE_PATIENT)
                .setClipNorm(1.0)
                .setNoiseMultiplier(1.5)
                .setExpectedBatchSize(32)
                .setDelta(1e-5)
                .setEpsilonBudget(epsilonBudget)
                .setAccountant(Accountant.ACCOUNTANT_RDP)
                .setStudyRounds(5)
                .build();
    }
}
