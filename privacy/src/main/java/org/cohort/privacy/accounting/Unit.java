package org.cohort.privacy.accounting;

/**
 * Whom a guarantee protects. A patient-level ε bounds what can be learned about one patient's
 * records at a site (DP-SGD); a site-level ε bounds what can be learned about a whole
 * hospital's participation (DP-FedAvg). The two are not comparable, so every ε carries one.
 */
public enum Unit {
    PATIENT("patient-level"),
    SITE("site-level");

    private final String label;

    Unit(String label) {
        this.label = label;
    }

    /** Human wording, e.g. "patient-level". */
    public String label() {
        return label;
    }
}
