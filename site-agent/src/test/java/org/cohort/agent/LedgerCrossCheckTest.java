package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.ArrayList;
import java.util.List;
import org.cohort.agent.LedgerCrossCheck.LocalSend;
import org.cohort.agent.LedgerCrossCheck.Recorded;
import org.cohort.crypto.signature.SignatureVerifier;
import org.cohort.protocol.SignedMessages;
import org.cohort.protocol.v1.ChargeStatement;
import org.cohort.protocol.v1.LedgerEntry;
import org.cohort.protocol.v1.PrivacyUnit;
import org.cohort.protocol.v1.SignedCharge;
import org.junit.jupiter.api.Test;

class LedgerCrossCheckTest {

    /** The first attempt of a round, and the update this site sent in it. */
    private static LedgerEntry charge(int round, double q, double sigma, long steps) {
        return charge(round, 1, q, sigma, steps);
    }

    private static LedgerEntry charge(int round, int attempt, double q, double sigma, long steps) {
        return LedgerEntry.newBuilder()
                .setRoundNumber(round)
                .setRoundId(roundId(round, attempt))
                .setAttempt(attempt)
                .setPayloadSha256(digest(round, attempt))
                .setUnit(PrivacyUnit.PRIVACY_UNIT_PATIENT)
                .setSamplingRate(q)
                .setNoiseMultiplier(sigma)
                .setSteps(steps)
                .build();
    }

    private static LocalSend sent(int round, double q, double sigma, long steps) {
        return sent(round, 1, q, sigma, steps);
    }

    private static LocalSend sent(int round, int attempt, double q, double sigma, long steps) {
        return new LocalSend(
                round,
                roundId(round, attempt),
                digest(round, attempt),
                "",
                PrivacyUnit.PRIVACY_UNIT_PATIENT,
                q,
                sigma,
                steps);
    }

    private static String roundId(int round, int attempt) {
        return "rd-" + round + "-" + attempt;
    }

    /** A payload digest per (round, attempt): each attempt trains again with fresh noise. */
    private static String digest(int round, int attempt) {
        return String.format("%032x%032x", round, attempt);
    }

    private static Recorded signed(LedgerEntry c, long auditSeq) {
        return new Recorded(
                LedgerCrossCheck.Release.of(c), c.getSamplingRate(), c.getNoiseMultiplier(), c.getSteps(), auditSeq);
    }

    /** An honest coordinator: every row it sends is one it signed when charging. */
    private static LedgerCrossCheck.Result compare(List<LocalSend> local, List<LedgerEntry> remote) {
        var recorded = new ArrayList<Recorded>();
        for (int i = 0; i < remote.size(); i++) {
            recorded.add(signed(remote.get(i), 10 + i));
        }
        return LedgerCrossCheck.compare("st", local, remote, recorded, List.of());
    }

    @Test
    void matchingRecordsAgree() {
        var r = compare(
                List.of(sent(1, 0.1, 1.5, 50), sent(2, 0.1, 1.5, 50)),
                List.of(charge(1, 0.1, 1.5, 50), charge(2, 0.1, 1.5, 50)));
        assertThat(r.agrees()).isTrue();
        assertThat(r.notes()).isEmpty();
    }

    @Test
    void anAnswerWithoutAReleaseTheCoordinatorAcceptedIsAMismatchEvenWhenEmpty() {
        var accepted1 =
                new LocalSend(1, roundId(1, 1), digest(1, 1), "", PrivacyUnit.PRIVACY_UNIT_PATIENT, 0.1, 1.5, 50, true);
        var accepted2 =
                new LocalSend(2, roundId(2, 1), digest(2, 1), "", PrivacyUnit.PRIVACY_UNIT_PATIENT, 0.1, 1.5, 50, true);
        // An empty answer used to agree: nothing it sent could mismatch.
        var empty = compare(List.of(accepted1, accepted2), List.of());
        assertThat(empty.agrees()).isFalse();
        assertThat(empty.mismatches())
                .hasSize(2)
                .allSatisfy(m -> assertThat(m).contains("accepted this site's release", "no charge for it"));
        // Cut short: the latest accepted release left out.
        var cut = compare(List.of(accepted1, accepted2), List.of(charge(1, 0.1, 1.5, 50)));
        assertThat(cut.mismatches()).singleElement().asString().contains("round 2");
        // A release never acknowledged (lost in flight, or a secure attempt never unmasked) stays a note.
        var unacknowledged = compare(List.of(accepted1, sent(2, 0.1, 1.5, 50)), List.of(charge(1, 0.1, 1.5, 50)));
        assertThat(unacknowledged.agrees()).isTrue();
    }

    @Test
    void aChargeForARoundTheSiteNeverSentIsAMismatch() {
        var r = compare(List.of(sent(1, 0.1, 1.5, 50)), List.of(charge(1, 0.1, 1.5, 50), charge(2, 0.1, 1.5, 50)));
        assertThat(r.agrees()).isFalse();
        assertThat(r.mismatches()).singleElement().asString().contains("round 2", "no such update of study st");
    }

    @Test
    void differentParametersAreAMismatch() {
        var r = compare(List.of(sent(1, 0.1, 1.5, 50)), List.of(charge(1, 0.1, 1.2, 50)));
        assertThat(r.mismatches()).singleElement().asString().contains("σ = 1.2");
        r = compare(List.of(sent(1, 0.1, 1.5, 50)), List.of(charge(1, 0.1, 1.5, 40)));
        assertThat(r.agrees()).isFalse();
    }

    @Test
    void theSameReleaseChargedTwiceIsAMismatch() {
        var r = compare(List.of(sent(1, 0.1, 1.5, 50)), List.of(charge(1, 0.1, 1.5, 50), charge(1, 0.1, 1.5, 50)));
        assertThat(r.mismatches()).anySatisfy(m -> assertThat(m).contains("more than once"));
    }

    @Test
    void aRetriedRoundIsTwoReleasesAndAgreesWhenEachIsChargedOnce() {
        // Round 1 ran twice (the first attempt was abandoned after its update arrived): two updates, two charges.
        var local = List.of(sent(1, 1, 0.1, 1.5, 50), sent(1, 2, 0.1, 1.5, 50), sent(2, 1, 0.1, 1.5, 50));
        var r = compare(
                local, List.of(charge(1, 1, 0.1, 1.5, 50), charge(1, 2, 0.1, 1.5, 50), charge(2, 1, 0.1, 1.5, 50)));
        assertThat(r.agrees()).as(r.mismatches().toString()).isTrue();
        assertThat(r.notes()).isEmpty();
    }

    @Test
    void aChargeForAnAttemptTheSiteNeverSentIsAMismatchEvenIfItSentTheRound() {
        var r = compare(
                List.of(sent(1, 2, 0.1, 1.5, 50)), List.of(charge(1, 1, 0.1, 1.5, 50), charge(1, 2, 0.1, 1.5, 50)));
        assertThat(r.mismatches()).singleElement().asString().contains("attempt rd-1-1", "no such update");
    }

    @Test
    void anUpdateSentButNotReceivedIsOnlyANoteWhenTheRetryIsCharged() {
        var r = compare(
                List.of(sent(1, 1, 0.1, 1.5, 50), sent(1, 2, 0.1, 1.5, 50)), List.of(charge(1, 2, 0.1, 1.5, 50)));
        assertThat(r.agrees()).isTrue();
        assertThat(r.notes()).singleElement().asString().contains("round 1 attempt rd-1-1");
    }

    @Test
    void aSecureReleaseIsNamedByTheDigestOfTheMaskedInputThatCarriedIt() {
        String masked = "ff".repeat(32);
        var local = List.of(
                new LocalSend(1, "rd-1-1", digest(1, 1), masked, PrivacyUnit.PRIVACY_UNIT_PATIENT, 0.1, 1.5, 50));
        LedgerEntry charged =
                charge(1, 0.1, 1.5, 50).toBuilder().setPayloadSha256(masked).build();

        assertThat(compare(local, List.of(charged)).agrees()).isTrue();
    }

    @Test
    void aPerRoundChargeFromBeforeIsMatchedByRoundNumber() {
        LedgerEntry legacy = LedgerEntry.newBuilder()
                .setRoundNumber(1)
                .setUnit(PrivacyUnit.PRIVACY_UNIT_PATIENT)
                .setSamplingRate(0.1)
                .setNoiseMultiplier(1.5)
                .setSteps(50)
                .build();
        var r = compare(
                List.of(sent(1, 0.1, 1.5, 50), sent(2, 0.1, 1.5, 50)), List.of(legacy, charge(2, 0.1, 1.5, 50)));
        assertThat(r.agrees()).as(r.mismatches().toString()).isTrue();
    }

    @Test
    void anUnchargedRetryIsOnlyANoteAndTheOpenRoundIsNothing() {
        // Round 1 failed (sent, not charged, nothing signed), round 2 charged, round 3 still open.
        var r = compare(
                List.of(sent(1, 0.1, 1.5, 50), sent(2, 0.1, 1.5, 50), sent(3, 0.1, 1.5, 50)),
                List.of(charge(2, 0.1, 1.5, 50)));
        assertThat(r.agrees()).isTrue();
        assertThat(r.notes()).singleElement().asString().contains("round 1");
    }

    @Test
    void aDeletedLedgerRowWhoseChargeWasSignedIsAMismatchNotANote() {
        var local = List.of(sent(1, 0.1, 1.5, 50), sent(2, 0.1, 1.5, 50));
        var rowsLeft = List.of(charge(2, 0.1, 1.5, 50));
        var signedWhenCharged = List.of(signed(charge(1, 0.1, 1.5, 50), 7), signed(charge(2, 0.1, 1.5, 50), 9));

        var r = LedgerCrossCheck.compare("st", local, rowsLeft, signedWhenCharged, List.of());

        assertThat(r.agrees()).isFalse();
        assertThat(r.mismatches())
                .singleElement()
                .asString()
                .contains("no charge for round 1", "audit entry #7", "was deleted", "understates");
        assertThat(r.notes()).isEmpty();
    }

    @Test
    void anEditedLedgerRowDiffersFromItsSignedCharge() {
        var r = LedgerCrossCheck.compare(
                "st",
                List.of(sent(1, 0.1, 1.5, 50)),
                List.of(charge(1, 0.1, 2.5, 50)),
                List.of(signed(charge(1, 0.1, 1.5, 50), 7)),
                List.of());

        assertThat(r.mismatches())
                .anySatisfy(m -> assertThat(m)
                        .contains(
                                "round 1",
                                "σ = 2.5",
                                "differs from the one it signed",
                                "audit entry #7",
                                "was edited"));
    }

    @Test
    void aLedgerRowNeverSignedIsAMismatch() {
        var r = LedgerCrossCheck.compare(
                "st",
                List.of(sent(1, 0.1, 1.5, 50), sent(2, 0.1, 1.5, 50)),
                List.of(charge(1, 0.1, 1.5, 50), charge(2, 0.1, 1.5, 50)),
                List.of(signed(charge(1, 0.1, 1.5, 50), 7)),
                List.of());

        assertThat(r.mismatches()).singleElement().asString().contains("round 2", "never signed");
    }

    @Test
    void acceptsOnlyChargesSignedByTheCoordinatorForThisSiteAndStudy() throws Exception {
        KeyPair coordinator = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair stranger = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        var key = SignatureVerifier.ed25519(coordinator.getPublic().getEncoded());
        var good = signedCharge(coordinator, "site-a", "st", 1, 3);
        var forged = signedCharge(stranger, "site-a", "st", 2, 5);
        var otherSite = signedCharge(coordinator, "site-b", "st", 1, 4);
        var mismatches = new ArrayList<String>();

        var recorded = LedgerCrossCheck.verified(List.of(good, forged, otherSite), key, "site-a", "st", mismatches);

        assertThat(recorded)
                .singleElement()
                .extracting(Recorded::round, Recorded::auditSeq)
                .containsExactly(1, 3L);
        assertThat(mismatches).hasSize(2);
        assertThat(mismatches.get(0)).contains("round 2", "#5", "not signed by the coordinator key");
        assertThat(mismatches.get(1)).contains("site-b");
    }

    private static SignedCharge signedCharge(KeyPair key, String site, String study, int round, long seq)
            throws Exception {
        byte[] statement = ChargeStatement.newBuilder()
                .setStudyId(study)
                .setSiteId(site)
                .setRoundNumber(round)
                .setUnit(PrivacyUnit.PRIVACY_UNIT_PATIENT)
                .setSamplingRate(0.1)
                .setNoiseMultiplier(1.5)
                .setSteps(50)
                .build()
                .toByteArray();
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key.getPrivate());
        s.update(SignedMessages.ledgerCharge(statement));
        return SignedCharge.newBuilder()
                .setStatement(ByteString.copyFrom(statement))
                .setSignature(ByteString.copyFrom(s.sign()))
                .setAuditSeq(seq)
                .build();
    }
}
