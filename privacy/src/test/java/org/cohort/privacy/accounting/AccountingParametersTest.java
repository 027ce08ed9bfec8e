package org.cohort.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The settings as ε statements word them: the coordinator's and the CLI's read the same. */
class AccountingParametersTest {

    @Test
    void explainsRdpOrdersAndTheOptimalOne() {
        var rdp = new AccountingParameters.Rdp(new double[] {1.25, 2, 64}, 8);
        assertThat(rdp.explain()).isEqualTo("3 Rényi orders from 1.25 to 64, optimal order α = 8");
        assertThat(new AccountingParameters.Rdp(new double[] {2, 3}, Double.NaN).explain())
                .isEqualTo("2 Rényi orders from 2 to 3");
    }

    @Test
    void explainsThePldGridAndTailMass() {
        assertThat(new AccountingParameters.Pld(1e-4, 1e-15).explain())
                .isEqualTo("value discretization interval 1e-4"
                        + " (pessimistic connect-the-dots), tail mass 1e-15 added to δ at each composition");
    }
}
