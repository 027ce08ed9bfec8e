package org.cohort.coordinator.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import org.cohort.coordinator.audit.VerificationResult;
import org.cohort.coordinator.audit.VerificationResult.Defect;
import org.cohort.coordinator.ledger.TestDatabase;
import org.cohort.crypto.signature.SignatureVerifier;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.SignedMessages;
import org.cohort.protocol.v1.ChargeStatement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ledger's rows held against the chain: an edited, deleted or smuggled-in charge is named. */
class ChainVerificationTest {
    private static final PrivacyEvent ROUND = new PrivacyEvent.SampledGaussian(0.1, 1.1, 20);

    private final ComplianceFixture f = new ComplianceFixture();
    private final RecordedCharges recorded = new RecordedCharges(f.audit, TestDatabase.json());
    private final ChainVerification verification = new ChainVerification(f.audit, f.ledger, recorded);

    @BeforeEach
    void threeRounds() {
        TestDatabase.study(f.ds, "st-1", "heart", TestDatabase.privacy("patient", 10, 1e-5, "rdp"));
        for (int n = 1; n <= 3; n++) {
            f.round("st-1", n, Unit.PATIENT, ROUND, "cleveland", "hungary");
        }
    }

    @Test
    void anUntouchedLedgerVerifiesWithTheChain() {
        VerificationResult v = verification.verify();

        assertThat(v.valid()).isTrue();
        assertThat(v.summary()).contains("the privacy ledger's 6 charge(s) each equal the LEDGER_CHARGE entry");
    }

    @Test
    void anEditedChargeIsNamedAlthoughTheChainItselfStillVerifies() {
        double before = f.ledger
                .spent("st-1", "hungary", Unit.PATIENT, 1e-5, org.cohort.privacy.accounting.AccountantKind.RDP)
                .epsilon();
        f.jdbc.sql("UPDATE privacy_charges SET noise_multiplier = 1.6 WHERE site_id = 'hungary' AND round_number = 2")
                .update();
        double after = f.ledger
                .spent("st-1", "hungary", Unit.PATIENT, 1e-5, org.cohort.privacy.accounting.AccountantKind.RDP)
                .epsilon();
        assertThat(after).as("the edit lowers the reported ε").isLessThan(before);
        assertThat(f.audit.verify().valid())
                .as("the chain alone does not cover the ledger rows")
                .isTrue();

        VerificationResult v = verification.verify();

        assertThat(v.valid()).isFalse();
        assertThat(v.firstProblem().defect()).isEqualTo(Defect.LEDGER_CHARGE_EDITED);
        assertThat(v.firstProblem().kind()).isEqualTo("LEDGER_CHARGE");
        assertThat(v.firstProblem().message())
                .contains(
                        "study st-1 round 2 attempt rd-2-1 update",
                        "site hungary (patient-level) was edited",
                        "the ledger says sampled_gaussian q = 0.1, σ = 1.6, 20 steps",
                        "recorded sampled_gaussian q = 0.1, σ = 1.1, 20 steps");
        assertThat(v.summary()).contains("the privacy ledger disagrees with them in 1 charge(s)");
    }

    @Test
    void aDeletedChargeIsNamed() {
        f.jdbc.sql("DELETE FROM privacy_charges WHERE site_id = 'cleveland' AND round_number = 3")
                .update();

        VerificationResult v = verification.verify();

        assertThat(v.firstProblem().defect()).isEqualTo(Defect.LEDGER_CHARGE_MISSING);
        assertThat(v.firstProblem().message())
                .contains(
                        "study st-1 round 3 attempt rd-3-1 update",
                        "site cleveland (patient-level)",
                        "its row was deleted");
    }

    @Test
    void aChargeWrittenIntoTheLedgerDirectlyIsNamed() {
        f.jdbc.sql("""
                INSERT INTO privacy_charges (study_id, round_number, round_id, attempt, site_id, unit, payload_sha256,
                    event_type, sampling_rate, noise_multiplier, steps, charged_at)
                VALUES ('st-1', 4, 'rd-4-1', 1, 'cleveland', 'PATIENT', REPEAT('ab', 32), 'sampled_gaussian', 0.1, 1.1,
                    20, TIMESTAMP '2026-03-01 12:00:00')""").update();

        VerificationResult v = verification.verify();

        assertThat(v.firstProblem().defect()).isEqualTo(Defect.LEDGER_CHARGE_UNRECORDED);
        assertThat(v.firstProblem().message())
                .contains(
                        "study st-1 round 4 attempt rd-4-1 update abababababab site" + " cleveland",
                        "no LEDGER_CHARGE entry");
    }

    @Test
    void eachRecordedChargeCarriesAStatementSignedWithTheChainKey() throws Exception {
        var signed = recorded.signed("st-1", "hungary");

        assertThat(signed).hasSize(3);
        var verifier = SignatureVerifier.ed25519(f.signer.publicKey());
        for (var s : signed) {
            assertThat(verifier.verify(
                            SignedMessages.ledgerCharge(s.getStatement().toByteArray()),
                            s.getSignature().toByteArray()))
                    .isTrue();
            var statement = ChargeStatement.parseFrom(s.getStatement());
            assertThat(statement.getSiteId()).isEqualTo("hungary");
            assertThat(statement.getUnit()).isEqualTo(org.cohort.protocol.v1.PrivacyUnit.PRIVACY_UNIT_PATIENT);
            assertThat(statement.getNoiseMultiplier()).isEqualTo(1.1);
            assertThat(f.audit.entry(s.getAuditSeq()).orElseThrow().kind()).isEqualTo("LEDGER_CHARGE");
        }
        assertThat(signed)
                .extracting(s -> ChargeStatement.parseFrom(s.getStatement()).getRoundNumber())
                .containsExactly(1, 2, 3);
    }
}
