package org.cohort.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The wording reports, statements, the CLI and the README show (e.g. "ε = 0.724 ... δ = 1e-5"). */
class PrivacyNumbersTest {

    @Test
    void wordsEpsilonWithThreeDecimals() {
        assertThat(PrivacyNumbers.epsilon(0.7238)).isEqualTo("0.724");
        assertThat(PrivacyNumbers.epsilon(1)).isEqualTo("1.000");
        assertThat(PrivacyNumbers.epsilon(1234.5678)).isEqualTo("1235");
        assertThat(PrivacyNumbers.epsilon(Double.POSITIVE_INFINITY)).isEqualTo("∞");
        assertThat(PrivacyNumbers.epsilon(Double.NaN)).isEqualTo("NaN");
    }

    @Test
    void wordsDeltaAndOtherSmallNumbersWithAnExponent() {
        assertThat(PrivacyNumbers.delta(1e-5)).isEqualTo("1e-5");
        assertThat(PrivacyNumbers.delta(2.5e-7)).isEqualTo("2.5e-7");
        assertThat(PrivacyNumbers.delta(0.01)).isEqualTo("0.01");
        assertThat(PrivacyNumbers.delta(0)).isEqualTo("0");
    }

    @Test
    void wordsInputsExactlyWithoutATrailingZero() {
        assertThat(PrivacyNumbers.plain(1.0)).isEqualTo("1");
        assertThat(PrivacyNumbers.plain(0.0025)).isEqualTo("0.0025");
        assertThat(PrivacyNumbers.plain(1e-5)).isEqualTo("0.00001");
        assertThat(PrivacyNumbers.plain(5.1663)).isEqualTo("5.1663");
        assertThat(PrivacyNumbers.plain(-0.0)).isEqualTo("0");
        assertThat(PrivacyNumbers.plain(Double.NEGATIVE_INFINITY)).isEqualTo("-∞");
    }

    @Test
    void wordsTheProbabilityFactor() {
        assertThat(PrivacyNumbers.factor(0.842)).isEqualTo("2.32");
        assertThat(PrivacyNumbers.factor(8)).isEqualTo("2.98e+03");
        assertThat(PrivacyNumbers.factor(701)).isEqualTo("unbounded");
        assertThat(PrivacyNumbers.factor(Double.POSITIVE_INFINITY)).isEqualTo("unbounded");
    }
}
