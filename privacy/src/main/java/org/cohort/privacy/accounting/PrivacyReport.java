package org.cohort.privacy.accounting;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A privacy guarantee as shown to people: ε never travels without its unit, δ, the accountant
 * and conversion that produced it, and the events it was computed from, so anyone can
 * recompute it.
 */
public record PrivacyReport(
        double epsilon,
        double delta,
        AccountantKind accountant,
        Conversion conversion,
        Unit unit,
        List<PrivacyEvent> inputs,
        AccountingParameters parameters) {

    public PrivacyReport {
        if (accountant == null || conversion == null || unit == null || parameters == null) {
            throw new IllegalArgumentException("a privacy report needs accountant, conversion, unit and parameters");
        }
        if ((accountant == AccountantKind.PLD) != (conversion == Conversion.PLD_HOCKEY_STICK)) {
            throw new IllegalArgumentException(conversion + " does not belong to the " + accountant + " accountant");
        }
        inputs = List.copyOf(inputs);
    }

    /**
     * One line, e.g. "ε = 0.724 (patient-level, δ = 1e-5, RDP accountant with improved
     * conversion; sampled Gaussian q=0.0025, σ=1.3, 6000 steps)".
     */
    public String describe() {
        String method = switch (accountant) {
            case RDP -> accountant.label() + " with " + conversion.label();
            case PLD -> accountant.label() + ", " + parameters.describe();
        };
        String events = inputs.isEmpty()
                ? "no events"
                : inputs.stream().map(PrivacyEvent::describe).collect(Collectors.joining(" + "));
        return "ε = " + PrivacyNumbers.epsilon(epsilon) + " (" + unit.label() + ", δ = " + PrivacyNumbers.delta(delta)
                + ", " + method + "; " + events + ")";
    }
}
