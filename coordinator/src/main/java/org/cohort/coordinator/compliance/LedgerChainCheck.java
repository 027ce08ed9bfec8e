package org.cohort.coordinator.compliance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cohort.coordinator.audit.AuditKind;
import org.cohort.coordinator.audit.VerificationResult.Defect;
import org.cohort.coordinator.audit.VerificationResult.Problem;
import org.cohort.coordinator.ledger.LedgerCharge;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.PrivacyNumbers;
import org.cohort.privacy.accounting.Unit;

/**
 * Holds the privacy ledger's rows against the chain: every row must equal the charge its
 * LEDGER_CHARGE entry recorded, and every recorded charge must still have its row. The rows
 * are what ε is computed from and sit outside the chain, so without this an edited σ or a
 * deleted round lowers a site's ε while the chain still verifies. Pure: the caller reads both.
 */
public final class LedgerChainCheck {

    private LedgerChainCheck() {}

    /**
     * What identifies a charge: the ledger keeps one per key, one per release (round id of the
     * attempt and payload digest). Both are empty for a charge from before per-release charging,
     * which stood for its round number.
     */
    public record Key(String studyId, int roundNumber, String roundId, String siteId, Unit unit, String payloadSha256) {
        static Key of(LedgerCharge c) {
            return new Key(c.studyId(), c.roundNumber(), c.roundId(), c.siteId(), c.unit(), c.payloadSha256());
        }

        @Override
        public String toString() {
            return "study " + studyId + " round " + roundNumber
                    + (payloadSha256.isEmpty()
                            ? ""
                            : " attempt " + roundId + " update "
                                    + payloadSha256.substring(0, Math.min(12, payloadSha256.length())))
                    + " site " + siteId + " (" + unit.label() + ")";
        }
    }

    /** The inputs of a charge's ε, as recorded: a plain Gaussian has q = 1. */
    public record Terms(String type, double samplingRate, double noiseMultiplier, long steps) {
        static Terms of(PrivacyEvent e) {
            var v = PrivacyViews.EventView.of(e);
            return new Terms(v.type(), v.samplingRate(), v.noiseMultiplier(), v.steps());
        }

        /** Exact: the chain stores the shortest decimal that reads back as the same double. */
        boolean sameAs(Terms o) {
            return type.equals(o.type)
                    && Double.compare(samplingRate, o.samplingRate) == 0
                    && Double.compare(noiseMultiplier, o.noiseMultiplier) == 0
                    && steps == o.steps;
        }

        @Override
        public String toString() {
            return type + " q = " + PrivacyNumbers.plain(samplingRate) + ", σ = "
                    + PrivacyNumbers.plain(noiseMultiplier) + ", " + steps + " steps";
        }
    }

    /** Every disagreement, in chain order (then rows without an entry, in ledger order). */
    public static List<Problem> compare(List<LedgerCharge> rows, List<RecordedCharges.Recorded> recorded) {
        Map<Key, LedgerCharge> byKey = new LinkedHashMap<>();
        for (LedgerCharge c : rows) {
            byKey.put(Key.of(c), c);
        }
        String kind = AuditKind.LEDGER_CHARGE.name();
        List<Problem> problems = new ArrayList<>();
        for (var r : recorded) {
            LedgerCharge row = byKey.remove(r.key());
            if (row == null) {
                problems.add(new Problem(
                        r.auditSeq(),
                        kind,
                        Defect.LEDGER_CHARGE_MISSING,
                        "the ledger charge of "
                                + r.key() + " (" + r.terms() + ") recorded by entry #" + r.auditSeq()
                                + " is not in the privacy"
                                + " ledger: its row was deleted, so the site's ε is reported lower than it spent"));
                continue;
            }
            Terms actual = Terms.of(row.event());
            if (!actual.sameAs(r.terms())) {
                problems.add(new Problem(
                        r.auditSeq(),
                        kind,
                        Defect.LEDGER_CHARGE_EDITED,
                        "the ledger charge of "
                                + r.key() + " was edited: the ledger says " + actual + ", entry #" + r.auditSeq()
                                + " recorded " + r.terms() + "; every ε of that site is computed from the edited row"));
            }
        }
        for (var e : byKey.entrySet()) {
            problems.add(new Problem(
                    0,
                    null,
                    Defect.LEDGER_CHARGE_UNRECORDED,
                    "the ledger charge of " + e.getKey()
                            + " (" + Terms.of(e.getValue().event())
                            + ") has no LEDGER_CHARGE entry in the audit chain: it was"
                            + " written into the ledger directly, or its study, round, site or unit was edited"));
        }
        return problems;
    }
}
