package org.cohort.privacy.accounting;

import java.util.List;

/**
 * Composes privacy events and answers "what (ε, δ) has been spent". Implementations are
 * immutable: {@link #compose} returns a new accountant, so a ledger can keep the state of every
 * round.
 */
public sealed interface PrivacyAccountant permits RdpAccountant, PldAccountant {

    /** An accountant of the given kind with the reference libraries' default settings. */
    static PrivacyAccountant create(AccountantKind kind) {
        return switch (kind) {
            case RDP -> RdpAccountant.withDefaultOrders();
            case PLD -> PldAccountant.create();
        };
    }

    AccountantKind kind();

    /** This accountant after {@code event} too. */
    PrivacyAccountant compose(PrivacyEvent event);

    /** This accountant after each of {@code events}, in order. */
    PrivacyAccountant composeAll(List<? extends PrivacyEvent> events);

    /** Events composed so far, in order. */
    List<PrivacyEvent> events();

    /** Smallest ε (with this accountant's default conversion) such that (ε, δ)-DP holds. */
    double epsilon(double delta);

    /** Smallest δ such that (ε, δ)-DP holds. */
    double delta(double epsilon);

    /** ε at {@code delta} with everything needed to state and recompute it. */
    PrivacyReport report(double delta, Unit unit);
}
