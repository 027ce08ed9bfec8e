package org.cohort.privacy.accounting.rdp;

/**
 * Conversions from an RDP curve (ε_α at orders α) to (ε, δ)-DP.
 *
 * <ul>
 *   <li>{@link Method#IMPROVED}: Balle et al. 2020 ("Hypothesis testing interpretations and
 *       Rényi DP", Thm. 21) / Canonne, Kamath, Steinke 2020 (Prop. 12):
 *       ε = ε_α + log(1 - 1/α) - log(δ·α)/(α - 1), together with the KL bound
 *       δ ≤ sqrt(1 - exp(-ε_α)) that gives ε = 0 when it already meets δ. Same as
 *       dp_accounting's {@code compute_epsilon}/{@code compute_delta}.</li>
 *   <li>{@link Method#CLASSIC}: Mironov 2017, Prop. 3: ε = ε_α + log(1/δ)/(α - 1); looser, kept
 *       because older papers and TensorFlow Privacy tutorials report it.</li>
 * </ul>
 */
public final class RdpConversion {

    /** Which RDP → (ε, δ) theorem to apply. */
    public enum Method {
        IMPROVED,
        CLASSIC
    }

    /** The improved bound is unstable as α → 1 and useless there; dp_accounting skips α ≤ 1.01. */
    private static final double MIN_IMPROVED_ORDER = 1.01;

    private RdpConversion() {}

    /** Smallest ε over the orders such that the curve implies (ε, δ)-DP. */
    public static RdpBound epsilon(double[] orders, double[] rdp, double delta, Method method) {
        checkCurve(orders, rdp);
        if (!(delta >= 0 && delta <= 1)) {
            throw new IllegalArgumentException("delta must be in [0, 1], got " + delta);
        }
        if (delta == 0) {
            // Only a curve that is identically zero gives pure DP from RDP at finite orders.
            for (double r : rdp) {
                if (r != 0) {
                    return new RdpBound(Double.POSITIVE_INFINITY, Double.NaN);
                }
            }
            return new RdpBound(0, Double.NaN);
        }
        double best = Double.POSITIVE_INFINITY;
        double bestOrder = Double.NaN;
        for (int i = 0; i < orders.length; i++) {
            double eps = method == Method.IMPROVED
                    ? improvedEpsilon(orders[i], rdp[i], delta)
                    : classicEpsilon(orders[i], rdp[i], delta);
            if (eps < best || Double.isNaN(bestOrder) && !Double.isNaN(eps) && eps <= best) {
                best = eps;
                bestOrder = orders[i];
            }
        }
        return new RdpBound(Math.max(0, best), bestOrder);
    }

    /** Smallest δ over the orders such that the curve implies (ε, δ)-DP. */
    public static RdpBound delta(double[] orders, double[] rdp, double epsilon, Method method) {
        checkCurve(orders, rdp);
        if (!(epsilon >= 0)) {
            throw new IllegalArgumentException("epsilon must be >= 0, got " + epsilon);
        }
        double bestLog = Double.POSITIVE_INFINITY;
        double bestOrder = Double.NaN;
        for (int i = 0; i < orders.length; i++) {
            double logDelta = method == Method.IMPROVED
                    ? improvedLogDelta(orders[i], rdp[i], epsilon)
                    : classicLogDelta(orders[i], rdp[i], epsilon);
            if (logDelta < bestLog || Double.isNaN(bestOrder) && logDelta <= bestLog) {
                bestLog = logDelta;
                bestOrder = orders[i];
            }
        }
        return new RdpBound(Math.min(Math.exp(bestLog), 1.0), bestOrder);
    }

    static double improvedEpsilon(double a, double r, double delta) {
        if (r < 0) {
            // Only numerical noise makes a divergence negative; dp_accounting treats it as zero.
            return 0;
        }
        if (delta * delta + Math.expm1(-r) > 0) {
            // The KL (order-1) bound δ ≤ sqrt(1 - exp(-r)) already meets δ at ε = 0.
            return 0;
        }
        if (Double.isInfinite(a)) {
            // Limit of the formula as α → ∞: pure ε-DP from the order-∞ divergence.
            return r;
        }
        if (a > MIN_IMPROVED_ORDER) {
            return r + Math.log1p(-1 / a) - Math.log(delta * a) / (a - 1);
        }
        return Double.POSITIVE_INFINITY;
    }

    static double classicEpsilon(double a, double r, double delta) {
        if (Double.isInfinite(a)) {
            return r;
        }
        return r - Math.log(delta) / (a - 1);
    }

    static double improvedLogDelta(double a, double r, double epsilon) {
        double logDelta;
        if (r < 0 || r == 0) {
            logDelta = Double.NEGATIVE_INFINITY;
        } else {
            // KL bound, the better one for small α.
            logDelta = 0.5 * Math.log1p(-Math.exp(-r));
        }
        if (Double.isInfinite(a)) {
            return r <= epsilon ? Double.NEGATIVE_INFINITY : logDelta;
        }
        if (a > MIN_IMPROVED_ORDER) {
            double rdpBound = (a - 1) * (r - epsilon + Math.log1p(-1 / a)) - Math.log(a);
            if (!Double.isNaN(rdpBound)) {
                // NaN only arises from ∞ - ∞ (infinite RDP at infinite ε) and carries no information.
                logDelta = Math.min(logDelta, rdpBound);
            }
        }
        return logDelta;
    }

    static double classicLogDelta(double a, double r, double epsilon) {
        if (Double.isInfinite(a)) {
            return r <= epsilon ? Double.NEGATIVE_INFINITY : 0;
        }
        double logDelta = (r - epsilon) * (a - 1);
        // NaN only from ∞ - ∞: an infinite divergence bounds nothing below δ = 1.
        return Double.isNaN(logDelta) ? 0 : Math.min(0, logDelta);
    }

    private static void checkCurve(double[] orders, double[] rdp) {
        if (orders.length != rdp.length) {
            throw new IllegalArgumentException(
                    "orders and rdp must have the same length: " + orders.length + " vs " + rdp.length);
        }
        if (orders.length == 0) {
            throw new IllegalArgumentException("at least one RDP order is needed");
        }
        for (double a : orders) {
            if (!(a >= 1)) {
                throw new IllegalArgumentException("Renyi orders must be >= 1, got " + a);
            }
        }
    }
}
