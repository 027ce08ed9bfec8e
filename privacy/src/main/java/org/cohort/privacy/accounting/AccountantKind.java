package org.cohort.privacy.accounting;

/** The accounting method behind a reported ε. */
public enum AccountantKind {
    /** Rényi DP of each event summed per order, then converted to (ε, δ). */
    RDP("RDP accountant"),
    /** Privacy loss distributions composed numerically; tighter than RDP. */
    PLD("PLD accountant");

    private final String label;

    AccountantKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
