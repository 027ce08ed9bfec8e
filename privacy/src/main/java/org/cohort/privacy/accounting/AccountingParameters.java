package org.cohort.privacy.accounting;

import java.util.Arrays;

/** The accountant settings a reported ε depends on, so that it can be recomputed exactly. */
public sealed interface AccountingParameters permits AccountingParameters.Rdp, AccountingParameters.Pld {

    /** Human wording of the settings, short: what a report's one-line description ends with. */
    String describe();

    /**
     * The settings in full words, as the ε statements quote them (the coordinator's and the CLI's
     * alike, so that a statement recomputed with the CLI reads as the coordinator's did).
     */
    String explain();

    /**
     * RDP orders used and the one that gave the reported value (NaN when no order applied,
     * e.g. ε = 0 because nothing was composed).
     */
    record Rdp(double[] orders, double optimalOrder) implements AccountingParameters {
        public Rdp {
            orders = orders.clone();
        }

        @Override
        public double[] orders() {
            return orders.clone();
        }

        @Override
        public String describe() {
            return orders.length + " orders in [" + PrivacyNumbers.plain(orders[0]) + ", "
                    + PrivacyNumbers.plain(orders[orders.length - 1]) + "], optimal α="
                    + PrivacyNumbers.plain(optimalOrder);
        }

        @Override
        public String explain() {
            return orders.length + " Rényi orders from " + PrivacyNumbers.plain(orders[0]) + " to "
                    + PrivacyNumbers.plain(orders[orders.length - 1])
                    + (Double.isNaN(optimalOrder) ? "" : ", optimal order α = " + PrivacyNumbers.plain(optimalOrder));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Rdp r
                    && Arrays.equals(orders, r.orders)
                    && Double.compare(optimalOrder, r.optimalOrder) == 0;
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(orders) + Double.hashCode(optimalOrder);
        }

        @Override
        public String toString() {
            return "Rdp[orders=" + Arrays.toString(orders) + ", optimalOrder=" + optimalOrder + "]";
        }
    }

    /**
     * PLD grid step (nats) and the tail mass dropped at each composition (charged to δ); the
     * Gaussian is discretised with pessimistic connect-the-dots.
     */
    record Pld(double valueDiscretizationInterval, double tailMassTruncation) implements AccountingParameters {
        @Override
        public String describe() {
            return "pessimistic connect-the-dots discretisation " + PrivacyNumbers.delta(valueDiscretizationInterval);
        }

        @Override
        public String explain() {
            return "value discretization interval " + PrivacyNumbers.delta(valueDiscretizationInterval)
                    + " (pessimistic connect-the-dots), tail mass " + PrivacyNumbers.delta(tailMassTruncation)
                    + " added to δ at each composition";
        }
    }
}
