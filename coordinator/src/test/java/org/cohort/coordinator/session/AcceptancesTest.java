package org.cohort.coordinator.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.OptionalLong;
import org.cohort.protocol.v1.StudyAcceptance;
import org.junit.jupiter.api.Test;

class AcceptancesTest {
    private static StudyAcceptance accept(String study, long n) {
        return StudyAcceptance.newBuilder().setStudyId(study).setTrainingExamples(n).build();
    }

    @Test
    void keepsEachStudyWithItsDeclaredTrainingSizeWithinTheStudysMaximum() {
        var read = Acceptances.read(List.of(accept("st-a", 240), accept("st-b", 2_000_000), accept("st-c", 0),
                accept("st-new", 5)), study -> study.equals("st-new") ? OptionalLong.empty() : OptionalLong.of(1_000_000));
        assertThat(read.declared()).containsOnly(java.util.Map.entry("st-a", 240L), java.util.Map.entry("st-new", 5L));
        assertThat(read.refusals()).hasSize(2)
                .anySatisfy(r -> assertThat(r).contains("study st-b: this site declares 2000000 training examples,"
                        + " above the study's maxSiteExamples of 1000000"))
                .anySatisfy(r -> assertThat(r).contains("study st-c: this site declares 0 training examples")
                        .contains("study.st-c.training-examples"));
    }

    @Test
    void refusesAStudyAcceptedTwice() {
        var read = Acceptances.read(List.of(accept("st-a", 1), accept("st-a", 1_000), accept("st-a", 2)),
                study -> OptionalLong.of(10_000));
        assertThat(read.declared()).isEmpty();
        assertThat(read.refusals()).singleElement().asString().contains("accepted twice");
    }
}
