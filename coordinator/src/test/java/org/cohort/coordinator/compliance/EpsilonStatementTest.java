package org.cohort.coordinator.compliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.cohort.privacy.accounting.Conversion;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.RdpAccountant;
import org.junit.jupiter.api.Test;

class EpsilonStatementTest {

    @Test
    void matchesThePrivacyModuleForOneSampledGaussian() {
        var s = EpsilonStatement.compute(0.01, 1.1, 1000L, null, 1e-5, "rdp", null);
        double expected = RdpAccountant.withDefaultOrders()
                .compose(new PrivacyEvent.SampledGaussian(0.01, 1.1, 1000))
                .epsilon(1e-5);
        assertThat(s.epsilon()).isEqualTo(expected);
    }

    @Test
    void statesMechanismDeltaAccountantAndInputsWithoutAUnit() {
        var s = EpsilonStatement.compute(0.01, 1.1, 1000L, null, 1e-5, null, null);

        assertThat(s.unit()).isNull();
        assertThat(s.deltaText()).isEqualTo("1e-5");
        assertThat(s.accountant()).isEqualTo("rdp");
        assertThat(s.conversion()).isEqualTo("improved");
        assertThat(s.input().samplingRate()).isEqualTo(0.01);
        assertThat(s.input().noiseMultiplier()).isEqualTo(1.1);
        assertThat(s.input().steps()).isEqualTo(1000);
        assertThat(s.accountingParameters()).contains("optimal order α =");
        assertThat(s.statement())
                .contains(
                        "For one sampled Gaussian mechanism",
                        "q = 0.01",
                        "σ = 1.1",
                        "1000 steps",
                        "ε = " + s.epsilonText(),
                        "δ = 1e-5",
                        "RDP accountant with improved conversion",
                        "unit-free");
        assertThat(s.recompute())
                .isEqualTo("cohort privacy epsilon --q 0.01 --sigma 1.1 --steps 1000 --delta 1e-5 --accountant rdp");
    }

    @Test
    void labelsTheLooserClassicConversion() {
        var improved = EpsilonStatement.compute(150.0 / 60000, 1.3, 6000L, null, 1e-5, "rdp", "improved");
        var classic = EpsilonStatement.compute(150.0 / 60000, 1.3, 6000L, null, 1e-5, "rdp", "classic");
        assertThat(classic.epsilon()).isGreaterThan(improved.epsilon());
        assertThat(classic.method()).isEqualTo("RDP accountant with classic conversion");
        assertThat(classic.epsilon())
                .isEqualTo(RdpAccountant.withDefaultOrders()
                        .compose(new PrivacyEvent.SampledGaussian(150.0 / 60000, 1.3, 6000))
                        .epsilon(1e-5, Conversion.RDP_CLASSIC)
                        .value());
    }

    @Test
    void pldMatchesDpAccountingsPublishedValue() {
        // dp_accounting: q=0.01, σ=0.7, 120 steps, δ=1e-5 → PLD 2.4612381, RDP 3.2392676.
        var pld = EpsilonStatement.compute(0.01, 0.7, 120L, null, 1e-5, "pld", null);
        var rdp = EpsilonStatement.compute(0.01, 0.7, 120L, null, 1e-5, "rdp", null);
        assertThat(pld.epsilon()).isCloseTo(2.4612381, org.assertj.core.data.Percentage.withPercentage(1e-4));
        assertThat(rdp.epsilon()).isCloseTo(3.2392676, org.assertj.core.data.Percentage.withPercentage(1e-4));
        assertThat(pld.method()).isEqualTo("PLD accountant (hockey-stick divergence)");
        assertThat(pld.accountingParameters()).contains("discretization interval 1e-4");
    }

    @Test
    void composesRoundsOneAfterAnother() {
        var event = new PrivacyEvent.SampledGaussian(0.02, 1.0, 50);
        var s = EpsilonStatement.compute(0.02, 1.0, 50L, 3L, 1e-5, "rdp", null);
        assertThat(s.epsilon())
                .isEqualTo(RdpAccountant.withDefaultOrders()
                        .compose(event)
                        .compose(event)
                        .compose(event)
                        .epsilon(1e-5));
        assertThat(s.statement()).contains("50 steps per round for 3 rounds");
        assertThat(s.recompute()).contains("--rounds 3");
    }

    @Test
    void listsEveryMissingOrInvalidParameter() {
        assertThatThrownBy(() -> EpsilonStatement.compute(null, -1.0, 0L, null, 2.0, "gdp", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("q (sampling rate")
                .hasMessageContaining("but it is missing")
                .hasMessageContaining("sigma (noise multiplier")
                .hasMessageContaining("steps (compositions")
                .hasMessageContaining("delta must be in (0, 1)")
                .hasMessageContaining("accountant must be 'rdp' or 'pld'");
        assertThatThrownBy(() -> EpsilonStatement.compute(0.01, 1.0, 2_000_000L, null, 1e-5, "pld", null))
                .hasMessageContaining("use accountant=rdp, or the command-line tool");
    }
}
