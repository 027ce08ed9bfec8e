package org.cohort.privacy.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Expected values computed with mpmath at 40 digits. */
class LogMathTest {

    @ParameterizedTest
    @CsvSource({
        "0.5, -0.7350111298370844",
        "3.0, -10.720363041981113",
        "10.0, -102.87988902484489",
        "25.9, -674.6373518953192",
        "26.1, -685.0450329033094",
        "30.0, -903.9741171106439",
        "100.0, -10005.177585122665",
        "1000.0, -1000007.4801207219"
    })
    void logErfcIsAccurateIntoTheFarTail(double x, double expected) {
        assertThat(LogMath.logErfc(x)).isCloseTo(expected, within(1e-12 * Math.abs(expected)));
    }

    @ParameterizedTest
    @CsvSource({
        "-40.0, -804.6084420137538",
        "-25.0, -316.63940800802027",
        "-19.0, -184.36612866916096",
        "-5.0, -15.064998393988725",
        "0.0, -0.6931471805599453",
        "1.0, -0.17275377902344988",
        "7.0, -1.279812543886654e-12",
        "10.0, -7.619853024160525e-24"
    })
    void logNormalCdfIsAccurateInBothTails(double x, double expected) {
        assertThat(LogMath.logNormalCdf(x)).isCloseTo(expected, within(1e-12 * Math.abs(expected)));
    }

    @ParameterizedTest
    @CsvSource({
        "-0.75, 1.5757045971498584",
        "-2.5, -0.056243716497674054",
        "-10.3, -14.457515440024208",
        "0.25, 1.2880225246980774",
        "3.5, 1.2009736023470743",
        "1025.0, 6078.211884750051"
    })
    void logAbsGammaHandlesNegativeArguments(double x, double expected) {
        assertThat(LogMath.logAbsGamma(x)).isCloseTo(expected, within(1e-13 * Math.max(1, Math.abs(expected))));
    }

    @Test
    void normalQuantileKeepsRelativeAccuracyFarInTheTail() {
        // The PLD truncation point: Φ^-1(exp(-50)/2).
        assertThat(LogMath.normalQuantile(0.5 * Math.exp(-50))).isCloseTo(-9.745474864965935, within(1e-12));
        assertThat(LogMath.normalQuantile(0.5)).isCloseTo(0, within(1e-15));
        assertThat(LogMath.normalQuantile(0.975)).isCloseTo(1.959963984540054, within(1e-13));
    }

    @Test
    void logAddAndLogSubTreatMinusInfinityAsZero() {
        assertThat(LogMath.logAdd(Double.NEGATIVE_INFINITY, 2.0)).isEqualTo(2.0);
        assertThat(LogMath.logAdd(Math.log(3), Math.log(5))).isCloseTo(Math.log(8), within(1e-15));
        assertThat(LogMath.logAdd(1000, 1000)).isCloseTo(1000 + Math.log(2), within(1e-12));
        assertThat(LogMath.logSub(Math.log(5), Math.log(3))).isCloseTo(Math.log(2), within(1e-15));
        assertThat(LogMath.logSub(7, 7)).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThatThrownBy(() -> LogMath.logSub(1, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void logAExpBPlusCMatchesDirectFormula() {
        assertThat(LogMath.logAExpBPlusC(0.3, 1.2, 0.7)).isCloseTo(Math.log(0.3 * Math.exp(1.2) + 0.7), within(1e-15));
        assertThat(LogMath.logAExpBPlusC(2.0, 0.5, -1.0)).isCloseTo(Math.log(2 * Math.exp(0.5) - 1), within(1e-15));
        assertThat(LogMath.logAExpBPlusC(-0.5, 0.1, 1.0)).isCloseTo(Math.log(1 - 0.5 * Math.exp(0.1)), within(1e-15));
    }
}
