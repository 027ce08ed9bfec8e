package org.cohort.coordinator.compliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.cohort.coordinator.audit.AuditEntry;
import org.cohort.coordinator.ledger.SiteCharge;
import org.cohort.coordinator.ledger.TestDatabase;
import org.cohort.coordinator.study.Study;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.RdpAccountant;
import org.cohort.privacy.accounting.Unit;
import org.junit.jupiter.api.Test;

class RoundComplianceTest {
    private static final PrivacyEvent ROUND = new PrivacyEvent.SampledGaussian(0.1, 1.1, 20);

    private final ComplianceFixture f = new ComplianceFixture();

    private Study patientStudy(double budget) {
        return TestDatabase.study(f.ds, "st-1", "heart", TestDatabase.privacy("patient", budget, 1e-5, "rdp"));
    }

    private List<String> kinds() {
        return f.audit.entries(0, 1000).stream().map(AuditEntry::kind).toList();
    }

    @Test
    void recordsChargesAndAuditEntriesOfARoundTogether() {
        patientStudy(10);
        var recorded = f.round("st-1", 1, Unit.PATIENT, ROUND, "cleveland", "hungary");

        assertThat(recorded.charged()).hasSize(2);
        assertThat(recorded.alreadyCharged()).isEmpty();
        assertThat(kinds()).containsExactly("LEDGER_CHARGE", "LEDGER_CHARGE", "ROUND_COMPLETED");
        assertThat(recorded.roundEntry().detailsJson())
                .contains(
                        "\"participants\":[\"cleveland\",\"hungary\"]",
                        "\"resultDigest\":\"" + "bb".repeat(32) + "\"",
                        "\"baseDigest\"",
                        "\"parameters\"",
                        "\"noiseMultiplier\":1.1",
                        "\"samplingRate\":0.1",
                        "\"steps\":20");
        assertThat(f.ledger.history("st-1", "cleveland", Unit.PATIENT).events()).containsExactly(ROUND);
        assertThat(f.audit.verify().valid()).isTrue();
    }

    @Test
    void chargesEachReleaseOnceEvenWhenTheRoundIsRecordedTwice() {
        patientStudy(10);
        f.round("st-1", 1, Unit.PATIENT, ROUND, "cleveland");
        // The same attempt recorded again (a crash after the commit) with one more site.
        var again = f.round("st-1", 1, Unit.PATIENT, ROUND, "cleveland", "va");

        assertThat(again.charged()).extracting(c -> c.siteId()).containsExactly("va");
        assertThat(again.alreadyCharged()).extracting(c -> c.siteId()).containsExactly("cleveland");
        assertThat(f.ledger.history("st-1", "cleveland", Unit.PATIENT).entries())
                .hasSize(1);
        assertThat(kinds()).containsExactly("LEDGER_CHARGE", "ROUND_COMPLETED", "LEDGER_CHARGE", "ROUND_COMPLETED");
        assertThat(again.roundEntry().detailsJson()).contains("already, when the update was received");
    }

    @Test
    void chargesEveryAttemptOfARetriedRoundAsItsOwnRelease() {
        patientStudy(10);
        // Attempt 1 of round 1 was abandoned after cleveland's update arrived; attempt 2 trained again.
        assertThat(chargedOnReceipt(1, 1, "cleveland")).isTrue();
        assertThat(chargedOnReceipt(1, 2, "cleveland")).isTrue();

        var charges = f.ledger.charges("st-1", "cleveland", Unit.PATIENT);
        assertThat(charges).extracting(c -> c.roundNumber() + "/" + c.attempt()).containsExactly("1/1", "1/2");
        double twoReleases =
                RdpAccountant.withDefaultOrders().compose(ROUND).compose(ROUND).epsilon(1e-5);
        assertThat(f.ledger
                        .spent(
                                "st-1",
                                "cleveland",
                                Unit.PATIENT,
                                1e-5,
                                org.cohort.privacy.accounting.AccountantKind.RDP)
                        .epsilon())
                .isCloseTo(twoReleases, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(kinds()).containsExactly("LEDGER_CHARGE", "LEDGER_CHARGE");
        assertThat(f.audit.entries(0, 10).get(1).detailsJson())
                .contains(
                        "\"attempt\":2",
                        "\"roundId\":\"rd-1-2\"",
                        "\"payloadSha256\":\""
                                + release(1, 2, "cleveland").release().payloadSha256() + "\"",
                        "\"siteSignature\"",
                        "\"released\":\"a plain update received and verified\"");
    }

    @Test
    void theSameSignedUpdateReceivedAgainIsChargedOnce() {
        patientStudy(10);
        // Received, then its replica was lost and the site re-sent the same signed update to another one.
        assertThat(chargedOnReceipt(1, 1, "cleveland")).isTrue();
        assertThat(chargedOnReceipt(1, 1, "cleveland")).isFalse();
        // At round close it is named, not charged again.
        var recorded = f.round("st-1", 1, Unit.PATIENT, ROUND, "cleveland");

        assertThat(recorded.charged()).isEmpty();
        assertThat(f.ledger.history("st-1", "cleveland", Unit.PATIENT).entries())
                .hasSize(1);
        assertThat(kinds()).containsExactly("LEDGER_CHARGE", "ROUND_COMPLETED");
    }

    @Test
    void anUpdateAlreadyChargedIsNeverOverBudgetAgain() {
        double oneRound = RdpAccountant.withDefaultOrders().compose(ROUND).epsilon(1e-5);
        double twoRounds =
                RdpAccountant.withDefaultOrders().compose(ROUND).compose(ROUND).epsilon(1e-5);
        Study study = patientStudy((oneRound + twoRounds) / 2);
        chargedOnReceipt(1, 1, "cleveland");

        // Sent again: nothing more to pay. A retry is a new release and does not fit.
        assertThat(f.rounds.overBudget(study, release(1, 1, "cleveland"))).isEmpty();
        assertThat(f.rounds.overBudget(study, release(1, 2, "cleveland"))).isPresent();
    }

    /** Charges the plain update of the given round attempt as received; whether it was charged now. */
    private boolean chargedOnReceipt(int round, int attempt, String site) {
        return f.rounds.chargeRelease(release(round, attempt, site), RoundCompliance.Released.UPLOAD_RECEIVED);
    }

    private static org.cohort.coordinator.ledger.ReleaseCharge release(int round, int attempt, String site) {
        return new org.cohort.coordinator.ledger.ReleaseCharge(
                TestDatabase.release("st-1", round, attempt, site), new SiteCharge(site, Unit.PATIENT, ROUND));
    }

    @Test
    void leavesNothingOnRecordWhenTheAuditCannotBeWritten() {
        patientStudy(10);
        f.signer.breakIt();

        assertThatThrownBy(() -> f.round("st-1", 1, Unit.PATIENT, ROUND, "cleveland", "hungary"))
                .hasMessageContaining("signing key unavailable");
        assertThat(f.ledger.charges("st-1")).isEmpty();
        assertThat(f.audit.entries(0, 10)).isEmpty();
    }

    @Test
    void refusesRoundThatWouldExceedBudget() {
        double oneRound = RdpAccountant.withDefaultOrders().compose(ROUND).epsilon(1e-5);
        double twoRounds =
                RdpAccountant.withDefaultOrders().compose(ROUND).compose(ROUND).epsilon(1e-5);
        Study study = patientStudy((oneRound + twoRounds) / 2);
        f.round("st-1", 1, Unit.PATIENT, ROUND, "cleveland");

        var decision = f.rounds.checkRound(study, 2, List.of("cleveland", "hungary"));

        assertThat(decision.allowed()).isFalse();
        assertThat(decision.reason()).contains("round 2 refused", "cleveland", "patient-level budget", "δ = 1e-5");
        assertThat(decision.sites())
                .filteredOn(RoundCompliance.SiteAssessment::exceeds)
                .extracting(RoundCompliance.SiteAssessment::siteId)
                .containsExactly("cleveland");
        // Hungary has no charge yet: its first patient-level round's cost is not known to the coordinator.
        assertThat(decision.sites())
                .filteredOn(s -> s.siteId().equals("hungary"))
                .first()
                .extracting(RoundCompliance.SiteAssessment::nextEvent)
                .isNull();
        AuditEntry refusal = f.audit.entries(0, 100).getLast();
        assertThat(refusal.kind()).isEqualTo("ROUND_REFUSED");
        assertThat(refusal.detailsJson()).contains("\"exceeds\":true", "\"epsilonBudget\"", "\"accountant\":\"rdp\"");

        // The orchestrator asks again on its next tick: still refused, audited once.
        assertThat(f.rounds
                        .checkRound(study, 2, List.of("cleveland", "hungary"))
                        .allowed())
                .isFalse();
        assertThat(kinds()).containsOnlyOnce("ROUND_REFUSED");
    }

    @Test
    void refusesAnUpdateWhoseOwnChargeWouldPassTheBudget() {
        double oneRound = RdpAccountant.withDefaultOrders().compose(ROUND).epsilon(1e-5);
        double twoRounds =
                RdpAccountant.withDefaultOrders().compose(ROUND).compose(ROUND).epsilon(1e-5);
        Study study = patientStudy((oneRound + twoRounds) / 2);
        f.round("st-1", 1, Unit.PATIENT, ROUND, "cleveland");

        // Cleveland has spent one round: a second would pass the budget. Hungary has spent nothing.
        assertThat(f.rounds.overBudget(study, release(2, 1, "cleveland")))
                .hasValueSatisfying(why -> assertThat(why).contains("cleveland", "past the study's", "δ = 1e-5"));
        assertThat(f.rounds.overBudget(study, release(2, 1, "hungary"))).isEmpty();
        // A charge that alone exceeds the budget (e.g. a site that trained with too little noise).
        var tooLittleNoise = new PrivacyEvent.SampledGaussian(0.1, 0.3, 20);
        assertThat(f.rounds.overBudget(
                        study,
                        new org.cohort.coordinator.ledger.ReleaseCharge(
                                TestDatabase.release("st-1", 2, "hungary"),
                                new SiteCharge("hungary", Unit.PATIENT, tooLittleNoise))))
                .isPresent();
        assertThat(f.rounds.overBudget(
                        TestDatabase.study(f.ds, "st-2", "plain", null),
                        new org.cohort.coordinator.ledger.ReleaseCharge(
                                TestDatabase.release("st-1", 2, "hungary"),
                                new SiteCharge("hungary", Unit.PATIENT, tooLittleNoise))))
                .isEmpty();
    }

    @Test
    void allowsRoundThatStaysWithinBudget() {
        Study study = patientStudy(10);
        f.round("st-1", 1, Unit.PATIENT, ROUND, "cleveland");

        var decision = f.rounds.checkRound(study, 2, Map.of("cleveland", ROUND));

        assertThat(decision.allowed()).isTrue();
        assertThat(decision.sites().getFirst().assessment().epsilonAfter())
                .isEqualTo(RdpAccountant.withDefaultOrders()
                        .compose(ROUND)
                        .compose(ROUND)
                        .epsilon(1e-5));
        assertThat(kinds()).doesNotContain("ROUND_REFUSED");
    }

    @Test
    void allowsEveryRoundOfAStudyWithoutPrivacy() {
        Study study = TestDatabase.study(f.ds, "st-2", "plain", null);
        assertThat(f.rounds.checkRound(study, 1, List.of("cleveland")).allowed())
                .isTrue();
    }

    @Test
    void expectsASiteLevelFirstRoundToCostTheFullGaussian() {
        Study study = TestDatabase.study(f.ds, "st-3", "site-level", TestDatabase.privacy("site", 2.0, 1e-5, "rdp"));
        var expected = f.rounds.expectedNextEvents(study, List.of("va"));
        assertThat(expected).containsEntry("va", new PrivacyEvent.SampledGaussian(1.0, 1.1, 1));
    }

    @Test
    void digestsParametersAsTheModelRegistryDoes() throws Exception {
        float[] params = new float[40_000];
        for (int i = 0; i < params.length; i++) {
            params[i] = (float) Math.sin(i);
        }
        ByteBuffer all = ByteBuffer.allocate(params.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float p : params) {
            all.putFloat(p);
        }
        String expected =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(all.array()));
        assertThat(RoundCompliance.sha256Hex(params)).isEqualTo(expected);
    }
}
