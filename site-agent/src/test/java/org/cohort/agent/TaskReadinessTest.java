package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.cohort.protocol.v1.DatasetSpec;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;
import org.cohort.protocol.v1.TrainingPlan;
import org.junit.jupiter.api.Test;

class TaskReadinessTest {
    private static final RoundTask TASK = RoundTask.newBuilder()
            .setKind(TaskKind.TRAIN)
            .setPrivacy(PrivacyPlan.newBuilder()
                    .setMode(org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_PATIENT)
                    .setAccountant(org.cohort.protocol.v1.Accountant.ACCOUNTANT_RDP))
            .setPlan(TrainingPlan.newBuilder().setOptimizer("adam"))
            .setDataset(DatasetSpec.newBuilder().setFormat("csv"))
            .build();

    @Test
    void acceptsATaskItKnowsHowToComplete() {
        assertThat(TaskReadiness.problem(TASK)).isEmpty();
        assertThat(TaskReadiness.problem(TASK.toBuilder()
                        .setKind(TaskKind.EVALUATE)
                        .setPlan(TrainingPlan.getDefaultInstance())
                        .build()))
                .isEmpty();
    }

    @Test
    void refusesAFedProxMuThatIsNegativeOrNotFiniteAndTakesAnyOther() {
        for (double mu : new double[] {-0.01, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            assertThat(TaskReadiness.problem(TASK.toBuilder()
                            .setPlan(TrainingPlan.newBuilder()
                                    .setOptimizer("sgd")
                                    .setProximalMu(mu))
                            .build()))
                    .as("mu %s", mu)
                    .hasValueSatisfying(why -> assertThat(why)
                            .contains(
                                    "proximal term mu (FedProx) is " + mu,
                                    "finite number of at least 0",
                                    "nothing spent"));
        }
        var prox = TASK.toBuilder()
                .setPlan(TrainingPlan.newBuilder().setOptimizer("sgd").setProximalMu(0.5))
                .build();
        assertThat(TaskReadiness.problem(prox)).isEmpty();
        assertThat(Dl4jLearner.trainingPlan(prox.toBuilder()
                                .setPlan(prox.getPlan().toBuilder()
                                        .setLearningRate(0.1)
                                        .setBatchSize(8)
                                        .setLocalEpochs(1))
                                .build())
                        .proximalMu())
                .as("mu reaches the local training plan")
                .isEqualTo(0.5);
    }

    @Test
    void refusesWhatItWouldGiveUpHalfWay() {
        assertThat(TaskReadiness.problem(
                        TASK.toBuilder().setKind(TaskKind.TASK_KIND_UNSPECIFIED).build()))
                .hasValueSatisfying(why -> assertThat(why).contains("kind TASK_KIND_UNSPECIFIED", "nothing spent"));
        assertThat(TaskReadiness.problem(TASK.toBuilder()
                        .setPlan(TrainingPlan.newBuilder().setOptimizer("lbfgs"))
                        .build()))
                .hasValueSatisfying(why -> assertThat(why).contains("optimizer 'lbfgs'", "sgd, adam, nesterov"));
        assertThat(TaskReadiness.problem(TASK.toBuilder()
                        .setPrivacy(PrivacyPlan.newBuilder()
                                .setMode(org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_PATIENT)
                                .setAccountantValue(9))
                        .build()))
                .hasValueSatisfying(why -> assertThat(why).contains("accountant number 9"));
        // A newer coordinator's mode this agent does not know arrives as an unrecognised number.
        assertThat(TaskReadiness.problem(TASK.toBuilder()
                        .setPrivacy(PrivacyPlan.newBuilder().setModeValue(7))
                        .build()))
                .hasValueSatisfying(why -> assertThat(why).contains("privacy mode number 7"));
        assertThat(TaskReadiness.problem(TASK.toBuilder()
                        .setPrivacy(PrivacyPlan.newBuilder()
                                .setMode(org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_PATIENT))
                        .build()))
                .as("a private task with no accountant")
                .hasValueSatisfying(why -> assertThat(why).contains("accountant"));
        assertThat(TaskReadiness.problem(TASK.toBuilder()
                        .setDataset(DatasetSpec.newBuilder().setFormat("parquet"))
                        .build()))
                .hasValueSatisfying(why -> assertThat(why).contains("dataset format 'parquet'"));
    }
}
