package org.cohort.coordinator.compliance;

import java.util.List;
import java.util.stream.Collectors;
import org.cohort.coordinator.audit.AuditLog;
import org.cohort.coordinator.audit.VerificationResult;
import org.cohort.coordinator.ledger.PrivacyLedger;
import org.springframework.stereotype.Component;

/**
 * What "the audit trail is intact" means to compliance: the chain verifies (links, hashes,
 * signatures, optionally an exported head it must still reach) and the privacy ledger's rows
 * are exactly the charges the chain recorded.
 */
@Component
public class ChainVerification {
    /** Problems named in the summary beyond the first; the rest are counted. */
    private static final int MORE_NAMED = 4;

    private final AuditLog audit;
    private final PrivacyLedger ledger;
    private final RecordedCharges recorded;

    public ChainVerification(AuditLog audit, PrivacyLedger ledger, RecordedCharges recorded) {
        this.audit = audit;
        this.ledger = ledger;
        this.recorded = recorded;
    }

    public VerificationResult verify() {
        return withLedger(audit.verify());
    }

    /** As {@link #verify()}, and the chain must still reach {@code expected}, a head exported earlier. */
    public VerificationResult verify(AuditLog.Head expected) {
        return withLedger(audit.verify(expected));
    }

    private VerificationResult withLedger(VerificationResult chain) {
        if (!chain.valid()) {
            return chain;
        }
        var charges = ledger.all();
        List<VerificationResult.Problem> problems = LedgerChainCheck.compare(charges, recorded.all());
        if (problems.isEmpty()) {
            return new VerificationResult(
                    true,
                    chain.entriesChecked(),
                    chain.headSeq(),
                    chain.headHash(),
                    chain.signer(),
                    chain.checkedAt(),
                    null,
                    chain.summary() + "; the privacy ledger's " + charges.size()
                            + " charge(s) each equal the LEDGER_CHARGE entry that recorded them");
        }
        VerificationResult.Problem first = problems.get(0);
        String more = problems.size() == 1
                ? ""
                : " Also: "
                        + problems.stream()
                                .skip(1)
                                .limit(MORE_NAMED)
                                .map(VerificationResult.Problem::message)
                                .collect(Collectors.joining("; "))
                        + (problems.size() > 1 + MORE_NAMED
                                ? "; and " + (problems.size() - 1 - MORE_NAMED) + " more"
                                : "")
                        + ".";
        return new VerificationResult(
                false,
                chain.entriesChecked(),
                chain.headSeq(),
                chain.headHash(),
                chain.signer(),
                chain.checkedAt(),
                first,
                "the chain's " + chain.entriesChecked() + " entries verify, but the privacy"
                        + " ledger disagrees with them in " + problems.size() + " charge(s): " + first.message() + "."
                        + more);
    }
}
