package org.cohort.privacy.accounting.pld;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PrivacyLossDistributionTest {

    @Test
    void connectTheDotsReproducesExactDeltaAtGridPoints() {
        // On the grid the discretised δ(ε) equals the mechanism's exact hockey-stick divergence.
        for (Adjacency adjacency : Adjacency.values()) {
            GaussianPrivacyLoss loss = new GaussianPrivacyLoss(0.9, 0.1, adjacency);
            PrivacyLossPmf pmf = PrivacyLossDistribution.connectTheDots(loss, 1e-3);
            for (double eps : new double[] {0.0, 0.05, 0.1, 0.5, 1.0, 2.0}) {
                assertThat(pmf.deltaForEpsilon(eps))
                        .as("%s eps=%s", adjacency, eps)
                        .isCloseTo(loss.deltaForEpsilon(eps), within(1e-12));
            }
        }
    }

    @Test
    void samplingRateOneIsSymmetric() {
        assertThat(PrivacyLossDistribution.sampledGaussian(1, 1.0, 1e-3).isSymmetric())
                .isTrue();
        assertThat(PrivacyLossDistribution.sampledGaussian(1, 0.5, 1e-3).isSymmetric())
                .isFalse();
    }

    @Test
    void privacyLossAndItsInverseAgree() {
        for (Adjacency adjacency : Adjacency.values()) {
            GaussianPrivacyLoss loss = new GaussianPrivacyLoss(1.3, 0.01, adjacency);
            for (double x : new double[] {-5, -1, -0.5, 0, 0.5, 2}) {
                double l = loss.privacyLoss(x);
                assertThat(loss.inversePrivacyLoss(l))
                        .as("%s x=%s", adjacency, x)
                        .isCloseTo(x, within(1e-6));
            }
        }
    }

    @Test
    void rejectsIncompatibleGrids() {
        PrivacyLossDistribution a = PrivacyLossDistribution.sampledGaussian(1, 1.0, 1e-3);
        PrivacyLossDistribution b = PrivacyLossDistribution.sampledGaussian(1, 1.0, 2e-3);
        assertThatThrownBy(() -> a.compose(b, 1e-15)).hasMessageContaining("discretization");
        assertThatThrownBy(() -> PrivacyLossDistribution.identity(0)).hasMessageContaining("positive");
    }
}
