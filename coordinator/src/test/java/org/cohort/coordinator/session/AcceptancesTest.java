package org.cohort.coordinator.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.cohort.protocol.v1.StudyAcceptance;
import org.junit.jupiter.api.Test;

class AcceptancesTest {
    private static final String TERMS = "sha256:" + "ab".repeat(32);
    private static final String OTHER_TERMS = "sha256:" + "cd".repeat(32);

    private static StudyAcceptance accept(String study, long n) {
        return accept(study, n, TERMS);
    }

    private static StudyAcceptance accept(String study, long n, String terms) {
        return StudyAcceptance.newBuilder()
                .setStudyId(study)
                .setTrainingExamples(n)
                .setTermsDigest(terms)
                .build();
    }

    private static Optional<Acceptances.KnownStudy> known(long limit) {
        return Optional.of(new Acceptances.KnownStudy(limit, TERMS));
    }

    @Test
    void keepsEachStudyWithItsDeclaredTrainingSizeWithinTheStudysMaximum() {
        var read = Acceptances.read(
                List.of(accept("st-a", 240), accept("st-b", 2_000_000), accept("st-c", 0), accept("st-new", 5)),
                study -> study.equals("st-new") ? Optional.empty() : known(1_000_000));
        assertThat(read.declared()).containsOnly(java.util.Map.entry("st-a", 240L), java.util.Map.entry("st-new", 5L));
        assertThat(read.refusals())
                .hasSize(2)
                .anySatisfy(r -> assertThat(r)
                        .contains("study st-b: this site declares 2000000 training examples,"
                                + " above the study's maxSiteExamples of 1000000"))
                .anySatisfy(r -> assertThat(r)
                        .contains("study st-c: this site declares 0 training examples")
                        .contains("study.st-c.training-examples"));
    }

    @Test
    void refusesAStudyAcceptedTwice() {
        var read = Acceptances.read(
                List.of(accept("st-a", 1), accept("st-a", 1_000), accept("st-a", 2)), study -> known(10_000));
        assertThat(read.declared()).isEmpty();
        assertThat(read.refusals()).singleElement().asString().contains("accepted twice");
    }

    @Test
    void doesNotSelectASiteWhosePinnedTermsAreNotTheStudys() {
        var read = Acceptances.read(
                List.of(accept("st-a", 10), accept("st-b", 10, OTHER_TERMS), accept("st-c", 10, "")),
                study -> known(1_000));
        assertThat(read.declared()).containsOnlyKeys("st-a");
        assertThat(read.refusals())
                .hasSize(2)
                .anySatisfy(r -> assertThat(r)
                        .contains(
                                "study st-b: this site pinned terms " + OTHER_TERMS,
                                "but the study's terms are " + TERMS,
                                "GET /api/studies/st-b/terms",
                                "study.st-b.terms=" + TERMS))
                .anySatisfy(r -> assertThat(r).contains("study st-c: this site pinned no terms"));
    }

    @Test
    void refusesAHelloThatAcceptsMoreStudiesThanAnySiteWould() {
        var flood = new java.util.ArrayList<StudyAcceptance>();
        for (int i = 0; i <= Acceptances.MAX_ACCEPTED_STUDIES; i++) {
            flood.add(accept("st-" + i, 10));
        }
        var read = Acceptances.read(flood, study -> known(1_000));
        assertThat(read.declared()).isEmpty();
        assertThat(read.refusals()).singleElement().asString().contains("at most " + Acceptances.MAX_ACCEPTED_STUDIES);
        assertThat(Acceptances.read(flood.subList(0, Acceptances.MAX_ACCEPTED_STUDIES), study -> known(1_000))
                        .declared())
                .hasSize(Acceptances.MAX_ACCEPTED_STUDIES);
    }
}
