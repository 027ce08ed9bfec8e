package org.cohort.privacy.accounting.rdp;

/**
 * A privacy parameter (ε or δ) obtained from an RDP curve, with the Rényi order that gave the
 * tightest value: reporting the order lets anyone check the conversion by hand.
 */
public record RdpBound(double value, double order) {}
