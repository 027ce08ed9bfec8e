package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.cohort.protocol.v1.DatasetSpec;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;
import org.cohort.protocol.v1.TrainingPlan;
import org.junit.jupiter.api.Test;

class TaskReadinessTest {
    private static final RoundTask TASK = RoundTask.newBuilder().setKind(TaskKind.TRAIN)
            .setPrivacy(PrivacyPlan.newBuilder().setMode("patient").setAccountant("rdp"))
            .setPlan(TrainingPlan.newBuilder().setOptimizer("adam"))
            .setDataset(DatasetSpec.newBuilder().setFormat("csv")).build();

    @Test
    void acceptsATaskItKnowsHowToComplete() {
        assertThat(TaskReadiness.problem(TASK)).isEmpty();
        assertThat(TaskReadiness.problem(TASK.toBuilder().setKind(TaskKind.EVALUATE)
                .setPlan(TrainingPlan.getDefaultInstance()).build())).isEmpty();
    }

    @Test
    void refusesWhatItWouldGiveUpHalfWay() {
        assertThat(TaskReadiness.problem(TASK.toBuilder().setKind(TaskKind.TASK_KIND_UNSPECIFIED).build()))
                .hasValueSatisfying(why -> assertThat(why).contains("kind TASK_KIND_UNSPECIFIED", "nothing spent"));
        assertThat(TaskReadiness.problem(TASK.toBuilder().setPlan(TrainingPlan.newBuilder().setOptimizer("lbfgs"))
                .build())).hasValueSatisfying(why -> assertThat(why).contains("optimizer 'lbfgs'", "sgd, adam, nesterov"));
        assertThat(TaskReadiness.problem(TASK.toBuilder().setPrivacy(PrivacyPlan.newBuilder().setMode("patient")
                .setAccountant("moments")).build())).hasValueSatisfying(why -> assertThat(why).contains("'moments'"));
        assertThat(TaskReadiness.problem(TASK.toBuilder().setPrivacy(PrivacyPlan.newBuilder().setMode("local"))
                .build())).hasValueSatisfying(why -> assertThat(why).contains("privacy mode 'local'"));
        assertThat(TaskReadiness.problem(TASK.toBuilder().setDataset(DatasetSpec.newBuilder().setFormat("parquet"))
                .build())).hasValueSatisfying(why -> assertThat(why).contains("dataset format 'parquet'"));
    }
}
