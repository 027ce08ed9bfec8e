package org.cohort.privacy.accounting;

/**
 * One charged event in a history, under an identifier that names where it came from (for
 * example "study-7/round-12/site-3"). Identifiers are unique within a history, which is what
 * stops a resumed round from being charged twice.
 */
public record PrivacyLedgerEntry(String id, PrivacyEvent event) {
    public PrivacyLedgerEntry {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("a ledger entry needs a non-blank id");
        }
        if (event == null) {
            throw new IllegalArgumentException("a ledger entry needs an event");
        }
    }
}
