package org.cohort.coordinator.audit;

import java.time.Instant;

/**
 * The audit chain checked end to end: every link, hash and signature.
 *
 * @param valid          true when every entry checked out
 * @param entriesChecked entries examined (up to and including the first bad one)
 * @param headSeq        the last entry the chain's head records
 * @param headHash       its hash: write it down; a later verification that still reaches it proves
 *                       nothing up to it was rewritten, even by someone holding the database
 * @param signer         fingerprint of the coordinator key the signatures were checked against
 * @param firstProblem   the first bad entry, or null when valid
 * @param summary        one sentence for people
 */
public record VerificationResult(
        boolean valid,
        long entriesChecked,
        long headSeq,
        String headHash,
        String signer,
        Instant checkedAt,
        Problem firstProblem,
        String summary) {

    /** What is wrong with an entry. */
    public enum Defect {
        /** Its time, kind, actor or details do not hash to its stored hash: edited after it was written. */
        HASH_MISMATCH,
        /** Its sequence number or previous-hash link does not follow the entry before: entries removed, inserted or reordered. */
        BROKEN_LINK,
        /** Its signature does not verify with the coordinator's key: the hash itself was rewritten. */
        BAD_SIGNATURE,
        /** It names another signing key than the coordinator's. */
        UNKNOWN_SIGNER,
        /** The chain ends before the head it records: entries were removed from the end. */
        MISSING_ENTRIES,
        /** Entries exist past the recorded head: written outside the audit log. */
        UNEXPECTED_ENTRIES,
        /** The log ends before a head exported earlier: its end was cut and the head reset. */
        HEAD_ROLLED_BACK,
        /** The entry at an exported head's sequence number has another hash: the log was rewritten and re-signed. */
        HEAD_MISMATCH,
        /** A privacy ledger row differs from the charge its LEDGER_CHARGE entry recorded: the row was edited. */
        LEDGER_CHARGE_EDITED,
        /** A LEDGER_CHARGE entry's charge is not in the privacy ledger: the row was deleted. */
        LEDGER_CHARGE_MISSING,
        /** A privacy ledger row has no LEDGER_CHARGE entry: it was written into the ledger directly. */
        LEDGER_CHARGE_UNRECORDED
    }

    /**
     * @param seq     the entry's sequence number
     * @param kind    its kind as stored (may itself be the edited field), null when the entry is missing
     * @param defect  what is wrong
     * @param message what is wrong and what it means, in words
     */
    public record Problem(long seq, String kind, Defect defect, String message) {}
}
