package org.cohort.privacy.accounting;

import org.cohort.privacy.accounting.rdp.RdpConversion;

/** How the accountant's internal representation was turned into (ε, δ). */
public enum Conversion {
    /**
     * RDP → (ε, δ) by Balle et al. 2020 / Canonne–Kamath–Steinke 2020 (dp_accounting's
     * {@code compute_epsilon}); the default for RDP.
     */
    RDP_IMPROVED("improved conversion", RdpConversion.Method.IMPROVED),
    /** RDP → (ε, δ) by Mironov 2017 Prop. 3: ε = ε_α + log(1/δ)/(α−1). Looser; for comparison. */
    RDP_CLASSIC("classic conversion", RdpConversion.Method.CLASSIC),
    /** PLD: δ(ε) is the hockey-stick divergence of the composed distribution, no extra slack. */
    PLD_HOCKEY_STICK("hockey-stick divergence", null);

    private final String label;
    private final RdpConversion.Method rdpMethod;

    Conversion(String label, RdpConversion.Method rdpMethod) {
        this.label = label;
        this.rdpMethod = rdpMethod;
    }

    public String label() {
        return label;
    }

    /** The RDP conversion theorem, or throws for a conversion that is not an RDP one. */
    RdpConversion.Method rdpMethod() {
        if (rdpMethod == null) {
            throw new IllegalArgumentException(this + " is not an RDP conversion; use RDP_IMPROVED or RDP_CLASSIC");
        }
        return rdpMethod;
    }
}
