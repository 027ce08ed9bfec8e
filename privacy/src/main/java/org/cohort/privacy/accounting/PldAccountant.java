package org.cohort.privacy.accounting;

import java.util.ArrayList;
import java.util.List;
import org.cohort.privacy.accounting.pld.PrivacyLossDistribution;

/**
 * Privacy loss distribution accountant: each event becomes a discretised PLD (pessimistic
 * connect-the-dots), repeated steps are self-composed with one FFT, different events are
 * convolved, and ε(δ) is read off the hockey-stick divergence, taking the worse of the add and
 * remove directions. Tighter than RDP; mirrors dp_accounting's {@code PLDAccountant} with
 * add/remove adjacency, so the same inputs give the same ε.
 */
public final class PldAccountant implements PrivacyAccountant {

    private final double discretization;
    private final PrivacyLossDistribution pld;
    private final boolean nonPrivate;
    private final List<PrivacyEvent> events;

    private PldAccountant(
            double discretization, PrivacyLossDistribution pld, boolean nonPrivate, List<PrivacyEvent> events) {
        this.discretization = discretization;
        this.pld = pld;
        this.nonPrivate = nonPrivate;
        this.events = events;
    }

    /** Grid step 1e-4 nats, dp_accounting's default. */
    public static PldAccountant create() {
        return withValueDiscretizationInterval(PrivacyLossDistribution.DEFAULT_VALUE_DISCRETIZATION_INTERVAL);
    }

    /**
     * A coarser step is faster and looser (still an upper bound); a finer one is tighter and
     * costs memory and time in proportion.
     */
    public static PldAccountant withValueDiscretizationInterval(double valueDiscretizationInterval) {
        return new PldAccountant(
                valueDiscretizationInterval,
                PrivacyLossDistribution.identity(valueDiscretizationInterval),
                false,
                List.of());
    }

    @Override
    public AccountantKind kind() {
        return AccountantKind.PLD;
    }

    public double valueDiscretizationInterval() {
        return discretization;
    }

    /** The composed distribution (for inspection; it is immutable). */
    public PrivacyLossDistribution distribution() {
        return pld;
    }

    @Override
    public PldAccountant compose(PrivacyEvent event) {
        double tail = PrivacyLossDistribution.DEFAULT_TAIL_MASS_TRUNCATION;
        PrivacyLossDistribution next = pld;
        boolean leaks = nonPrivate;
        switch (event) {
            case PrivacyEvent.SampledGaussian g -> {
                if (g.samplingRate() == 0) {
                    // Nobody's data is touched: nothing to charge.
                } else if (g.noiseMultiplier() == 0) {
                    leaks = true;
                } else {
                    PrivacyLossDistribution step = PrivacyLossDistribution.sampledGaussian(
                            g.noiseMultiplier(), g.samplingRate(), discretization);
                    next = pld.compose(step.selfCompose(g.steps(), tail), tail);
                }
            }
            case PrivacyEvent.Gaussian g -> {
                if (g.noiseMultiplier() == 0) {
                    leaks = true;
                } else {
                    // k Gaussian releases are exactly one release with σ/√k: no numerical composition.
                    double sigma = g.noiseMultiplier() / Math.sqrt(g.count());
                    next = pld.compose(PrivacyLossDistribution.sampledGaussian(sigma, 1.0, discretization), tail);
                }
            }
        }
        List<PrivacyEvent> nextEvents = new ArrayList<>(events);
        nextEvents.add(event);
        return new PldAccountant(discretization, next, leaks, List.copyOf(nextEvents));
    }

    @Override
    public PldAccountant composeAll(List<? extends PrivacyEvent> toCompose) {
        PldAccountant a = this;
        for (PrivacyEvent e : toCompose) {
            a = a.compose(e);
        }
        return a;
    }

    @Override
    public List<PrivacyEvent> events() {
        return events;
    }

    @Override
    public double epsilon(double delta) {
        Checks.delta(delta);
        return nonPrivate ? Double.POSITIVE_INFINITY : pld.epsilonForDelta(delta);
    }

    @Override
    public double delta(double epsilon) {
        Checks.epsilon(epsilon);
        return nonPrivate ? 1.0 : Math.min(1.0, pld.deltaForEpsilon(epsilon));
    }

    @Override
    public PrivacyReport report(double delta, Unit unit) {
        return new PrivacyReport(
                epsilon(delta),
                delta,
                AccountantKind.PLD,
                Conversion.PLD_HOCKEY_STICK,
                unit,
                events,
                new AccountingParameters.Pld(discretization, PrivacyLossDistribution.DEFAULT_TAIL_MASS_TRUNCATION));
    }

    @Override
    public String toString() {
        return "PldAccountant[interval=" + discretization + ", events=" + events + "]";
    }
}
