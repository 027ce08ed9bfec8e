package org.cohort.privacy.accounting;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.DoubleStream;
import java.util.stream.IntStream;
import org.cohort.privacy.accounting.rdp.RdpBound;
import org.cohort.privacy.accounting.rdp.RdpConversion;
import org.cohort.privacy.accounting.rdp.SampledGaussianRdp;

/**
 * Rényi DP accountant: each event's RDP curve is summed order by order (heterogeneous events
 * compose by simple addition), and (ε, δ) is read off with the improved conversion unless the
 * classic one is asked for. Results match dp_accounting's {@code RdpAccountant} and
 * TensorFlow Privacy's {@code compute_rdp}/{@code get_privacy_spent}.
 */
public final class RdpAccountant implements PrivacyAccountant {

    /**
     * dp_accounting's {@code DEFAULT_RDP_ORDERS}: 1.1, 1.2, …, 10.9, 11, 12, …, 63, 128, 256, 512,
     * 1024 — dense where the optimum usually lies for DP-SGD.
     */
    public static final List<Double> DEFAULT_ORDERS = DoubleStream.concat(
                    DoubleStream.concat(
                            IntStream.range(1, 100).mapToDouble(x -> 1 + x / 10.0),
                            IntStream.range(11, 64).mapToDouble(x -> x)),
                    DoubleStream.of(128, 256, 512, 1024))
            .boxed()
            .toList();

    private final double[] orders;
    private final double[] rdp;
    private final List<PrivacyEvent> events;

    private RdpAccountant(double[] orders, double[] rdp, List<PrivacyEvent> events) {
        this.orders = orders;
        this.rdp = rdp;
        this.events = events;
    }

    public static RdpAccountant withDefaultOrders() {
        return withOrders(
                DEFAULT_ORDERS.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** An empty accountant evaluating the given Rényi orders (each > 1, +∞ allowed). */
    public static RdpAccountant withOrders(double... orders) {
        if (orders.length == 0) {
            throw new IllegalArgumentException("at least one RDP order is needed");
        }
        for (double a : orders) {
            if (!(a > 1)) {
                throw new IllegalArgumentException("RDP orders must be > 1 (or +infinity), got " + a);
            }
        }
        return new RdpAccountant(orders.clone(), new double[orders.length], List.of());
    }

    @Override
    public AccountantKind kind() {
        return AccountantKind.RDP;
    }

    @Override
    public RdpAccountant compose(PrivacyEvent event) {
        double[] next = rdp.clone();
        double[] add = switch (event) {
            case PrivacyEvent.SampledGaussian g ->
                SampledGaussianRdp.rdp(g.samplingRate(), g.noiseMultiplier(), g.steps(), orders);
            case PrivacyEvent.Gaussian g -> SampledGaussianRdp.rdp(1.0, g.noiseMultiplier(), g.count(), orders);
        };
        for (int i = 0; i < next.length; i++) {
            next[i] += add[i];
        }
        List<PrivacyEvent> nextEvents = new ArrayList<>(events);
        nextEvents.add(event);
        return new RdpAccountant(orders, next, List.copyOf(nextEvents));
    }

    @Override
    public RdpAccountant composeAll(List<? extends PrivacyEvent> toCompose) {
        RdpAccountant a = this;
        for (PrivacyEvent e : toCompose) {
            a = a.compose(e);
        }
        return a;
    }

    @Override
    public List<PrivacyEvent> events() {
        return events;
    }

    /** The orders this accountant evaluates. */
    public double[] orders() {
        return orders.clone();
    }

    /** Accumulated RDP at each order. */
    public double[] rdp() {
        return rdp.clone();
    }

    /** ε with the improved conversion. */
    @Override
    public double epsilon(double delta) {
        return epsilon(delta, Conversion.RDP_IMPROVED).value();
    }

    /** ε and the optimal order with the chosen RDP conversion. */
    public RdpBound epsilon(double delta, Conversion conversion) {
        Checks.delta(delta);
        return RdpConversion.epsilon(orders, rdp, delta, conversion.rdpMethod());
    }

    /** δ with the improved conversion. */
    @Override
    public double delta(double epsilon) {
        return delta(epsilon, Conversion.RDP_IMPROVED).value();
    }

    public RdpBound delta(double epsilon, Conversion conversion) {
        Checks.epsilon(epsilon);
        return RdpConversion.delta(orders, rdp, epsilon, conversion.rdpMethod());
    }

    @Override
    public PrivacyReport report(double delta, Unit unit) {
        return report(delta, unit, Conversion.RDP_IMPROVED);
    }

    public PrivacyReport report(double delta, Unit unit, Conversion conversion) {
        RdpBound bound = epsilon(delta, conversion);
        return new PrivacyReport(
                bound.value(),
                delta,
                AccountantKind.RDP,
                conversion,
                unit,
                events,
                new AccountingParameters.Rdp(orders, bound.order()));
    }

    @Override
    public String toString() {
        return "RdpAccountant[" + orders.length + " orders, events=" + events + ", rdp=" + Arrays.toString(rdp) + "]";
    }
}
