package org.cohort.agent;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cohort.crypto.signature.SignatureVerifier;
import org.cohort.protocol.PrivacyWords;
import org.cohort.protocol.SignedMessages;
import org.cohort.protocol.v1.ChargeStatement;
import org.cohort.protocol.v1.LedgerEntry;
import org.cohort.protocol.v1.PrivacyUnit;
import org.cohort.protocol.v1.SignedCharge;

/**
 * Compares the coordinator's privacy ledger for this site with the site's own record of what
 * it sent, and with the charges as the coordinator signed them when it made them, release by
 * release: a charge names the attempt (round id) and the update (the payload digest this site
 * signed), so a retried round is two releases and two charges, and the same signed update sent
 * twice is one. Pure: the caller fetches all three. A charge the site cannot account for — an
 * update it never sent, different mechanism parameters, or the same release charged twice — is
 * a mismatch; so is a ledger row that is missing or differs from its signed charge (deleted or
 * edited since, which understates this site's ε), or one that was never signed. An update the
 * coordinator neither charged nor signed a charge for (it never received it in full, or it was a
 * secure attempt abandoned before its sum was unmasked) is only a note, because the site's own
 * ledger already counts it and so errs on the safe side. Charges made before charges were per
 * release carry no digest and are matched by round number.
 */
final class LedgerCrossCheck {
    private static final double RELATIVE_TOLERANCE = 1e-12;

    private LedgerCrossCheck() {}

    /**
     * One privacy-bearing update this site sent, from its local ledger.
     *
     * @param maskedSha256 the digest of the masked input that carried it under secure aggregation
     *                     ("" for a plain upload): the release the coordinator names when it charges
     */
    record LocalSend(
            int round,
            String roundId,
            String payloadSha256,
            String maskedSha256,
            PrivacyUnit unit,
            double samplingRate,
            double noiseMultiplier,
            long steps,
            boolean acknowledged) {
        LocalSend(
                int round,
                String roundId,
                String payloadSha256,
                String maskedSha256,
                PrivacyUnit unit,
                double samplingRate,
                double noiseMultiplier,
                long steps) {
            this(round, roundId, payloadSha256, maskedSha256, unit, samplingRate, noiseMultiplier, steps, false);
        }
    }

    /**
     * Which release a charge is: the attempt's round id and the digest of the update, for one unit.
     * A charge from before per-release charging has neither and stands for its round number.
     */
    record Release(int round, String roundId, String payloadSha256, PrivacyUnit unit) {
        static Release of(int round, String roundId, String payloadSha256, PrivacyUnit unit) {
            return payloadSha256.isEmpty()
                    ? new Release(round, "", "", unit)
                    : new Release(round, roundId, payloadSha256.toLowerCase(Locale.ROOT), unit);
        }

        static Release of(LedgerEntry c) {
            return of(c.getRoundNumber(), c.getRoundId(), c.getPayloadSha256(), c.getUnit());
        }

        /** Whether {@code s} is this release (for a per-round charge: any update of that round). */
        boolean covers(LocalSend s) {
            return unit == s.unit()
                    && (payloadSha256.isEmpty()
                            ? s.round() == round
                            : roundId.equals(s.roundId())
                                    && (payloadSha256.equalsIgnoreCase(s.payloadSha256())
                                            || payloadSha256.equalsIgnoreCase(s.maskedSha256())));
        }

        @Override
        public String toString() {
            return payloadSha256.isEmpty()
                    ? "round " + round + " (" + PrivacyWords.word(unit) + "-level)"
                    : "round " + round + " attempt " + roundId + " (update "
                            + payloadSha256.substring(0, Math.min(12, payloadSha256.length())) + ", "
                            + PrivacyWords.word(unit)
                            + "-level)";
        }
    }

    /** One charge as the coordinator signed it when it charged it; its signature already checked. */
    record Recorded(Release release, double samplingRate, double noiseMultiplier, long steps, long auditSeq) {
        int round() {
            return release.round();
        }

        String terms() {
            return String.format(Locale.ROOT, "q = %s, σ = %s, steps = %d", samplingRate, noiseMultiplier, steps);
        }
    }

    /**
     * The signed charges whose signature verifies with the coordinator's key and that are about
     * this site and study; each other one adds a mismatch.
     */
    static List<Recorded> verified(
            List<SignedCharge> signed,
            SignatureVerifier coordinatorKey,
            String siteId,
            String studyId,
            List<String> mismatches) {
        var out = new ArrayList<Recorded>();
        for (SignedCharge s : signed) {
            ChargeStatement c;
            try {
                c = ChargeStatement.parseFrom(s.getStatement());
            } catch (InvalidProtocolBufferException e) {
                mismatches.add("the coordinator's signed charge in audit entry #" + s.getAuditSeq() + " is unreadable");
                continue;
            }
            if (!coordinatorKey.verify(
                    SignedMessages.ledgerCharge(s.getStatement().toByteArray()),
                    s.getSignature().toByteArray())) {
                mismatches.add("the charge of round " + c.getRoundNumber() + " in audit entry #" + s.getAuditSeq()
                        + " is not signed by the coordinator key this site enrolled with");
            } else if (!c.getSiteId().equals(siteId) || !c.getStudyId().equals(studyId)) {
                mismatches.add("the coordinator sent a signed charge of site " + c.getSiteId() + ", study "
                        + c.getStudyId() + " as if it were this site's (audit entry #" + s.getAuditSeq() + ")");
            } else {
                out.add(new Recorded(
                        Release.of(c.getRoundNumber(), c.getRoundId(), c.getPayloadSha256(), c.getUnit()),
                        c.getSamplingRate(),
                        c.getNoiseMultiplier(),
                        c.getSteps(),
                        s.getAuditSeq()));
            }
        }
        return out;
    }

    record Result(List<String> mismatches, List<String> notes) {
        boolean agrees() {
            return mismatches.isEmpty();
        }
    }

    /**
     * @param remote           the coordinator's ledger rows for this site and study
     * @param recorded         the same charges as signed when they were made ({@link #verified})
     * @param signatureTrouble mismatches {@link #verified} found
     */
    static Result compare(
            String studyId,
            List<LocalSend> local,
            List<LedgerEntry> remote,
            List<Recorded> recorded,
            List<String> signatureTrouble) {
        var mismatches = new ArrayList<String>(signatureTrouble);
        var notes = new ArrayList<String>();
        Map<Release, Integer> chargesPerRelease = new HashMap<>();
        for (LedgerEntry c : remote) {
            Release release = Release.of(c);
            if (chargesPerRelease.merge(release, 1, Integer::sum) == 2) {
                mismatches.add(release + " is charged more than once");
            }
            boolean sent = local.stream()
                    .anyMatch(s -> release.covers(s)
                            && same(s.samplingRate(), c.getSamplingRate())
                            && same(s.noiseMultiplier(), c.getNoiseMultiplier())
                            && s.steps() == c.getSteps());
            if (!sent) {
                mismatches.add(String.format(
                        Locale.ROOT,
                        "the coordinator charged %s (q = %s, σ = %s, steps = %d) but this site's ledger has no such"
                                + " update of study %s with those parameters",
                        release,
                        c.getSamplingRate(),
                        c.getNoiseMultiplier(),
                        c.getSteps(),
                        studyId));
            }
        }
        compareWithSigned(remote, recorded, mismatches);
        int lastCharged = Math.max(
                remote.stream().mapToInt(LedgerEntry::getRoundNumber).max().orElse(0),
                recorded.stream().mapToInt(Recorded::round).max().orElse(0));
        for (LocalSend s : local) {
            boolean charged = chargesPerRelease.keySet().stream().anyMatch(r -> r.covers(s))
                    || recorded.stream().anyMatch(r -> r.release().covers(s));
            if (!charged && s.acknowledged()) {
                // Charged before it was accepted: an answer without it (empty, or cut short) hides a release.
                mismatches.add(String.format(
                        Locale.ROOT,
                        "round %d attempt %s: the coordinator accepted this site's"
                                + " release (update %s) but its ledger answer has no charge for it: the answer is"
                                + " incomplete, and the coordinator would understate this site's ε",
                        s.round(),
                        s.roundId(),
                        s.payloadSha256()
                                .substring(0, Math.min(12, s.payloadSha256().length()))));
            } else if (!charged && s.round() <= lastCharged) {
                notes.add(String.format(
                        Locale.ROOT,
                        "round %d attempt %s: an update was sent but not charged by the"
                                + " coordinator (it never received it in full, or a secure attempt ended before its sum was"
                                + " unmasked); it stays in this site's own ε",
                        s.round(),
                        s.roundId()));
            }
        }
        return new Result(List.copyOf(mismatches), List.copyOf(notes));
    }

    /** Every signed charge must still be in the ledger, unchanged; every row must have been signed. */
    private static void compareWithSigned(List<LedgerEntry> remote, List<Recorded> recorded, List<String> mismatches) {
        for (Recorded r : recorded) {
            var rows = remote.stream()
                    .filter(c -> Release.of(c).equals(r.release()))
                    .toList();
            if (rows.isEmpty()) {
                mismatches.add(String.format(
                        Locale.ROOT,
                        "the coordinator's ledger has no charge for %s although it"
                                + " signed one when charging it (audit entry #%d: %s): the ledger row was deleted, and the"
                                + " coordinator now understates this site's ε",
                        r.release(),
                        r.auditSeq(),
                        r.terms()));
            } else if (rows.stream()
                    .noneMatch(c -> c.getSamplingRate() == r.samplingRate()
                            && c.getNoiseMultiplier() == r.noiseMultiplier()
                            && c.getSteps() == r.steps())) {
                LedgerEntry c = rows.get(0);
                mismatches.add(String.format(
                        Locale.ROOT,
                        "the coordinator's ledger charge for %s (q = %s, σ = %s,"
                                + " steps = %d) differs from the one it signed when charging it (audit entry #%d: %s): the"
                                + " ledger row was edited",
                        r.release(),
                        c.getSamplingRate(),
                        c.getNoiseMultiplier(),
                        c.getSteps(),
                        r.auditSeq(),
                        r.terms()));
            }
        }
        if (recorded.isEmpty() && !remote.isEmpty()) {
            mismatches.add("the coordinator sent " + remote.size() + " ledger charge(s) but none of them signed: this"
                    + " site cannot tell whether they were edited");
            return;
        }
        for (LedgerEntry c : remote) {
            if (recorded.stream().noneMatch(r -> r.release().equals(Release.of(c)))) {
                mismatches.add("the coordinator's ledger charges " + Release.of(c) + " but never signed that charge:"
                        + " it was written into the ledger directly");
            }
        }
    }

    private static boolean same(double a, double b) {
        return a == b || Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
    }
}
