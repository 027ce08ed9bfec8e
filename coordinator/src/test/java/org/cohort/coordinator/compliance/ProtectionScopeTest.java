package org.cohort.coordinator.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import org.cohort.protocol.v1.PrivacyMode;
import org.junit.jupiter.api.Test;

class ProtectionScopeTest {

    @Test
    void patientLevelStatesRowAdjacencyAndThatARowIsAPatientOnlyWithOneRowEach() {
        var scope = ProtectionScope.of(PrivacyMode.PRIVACY_MODE_PATIENT, true, 0.9943);
        assertThat(scope.adjacency()).contains("add or remove one row").contains("one row per patient");
        assertThat(scope.against()).contains("coordinator itself").contains("only the sum");
        assertThat(scope.publicByAssumption()).anySatisfy(s -> assertThat(s).contains("number of training rows"));
        assertThat(scope.notProtected())
                .anySatisfy(s ->
                        assertThat(s).contains("held-out evaluation: inside ε").contains("noise on every count"));
        assertThat(scope.publicByAssumption()).anySatisfy(s -> assertThat(s).contains("really has is never sent"));
        assertThat(scope.scale().get(0)).contains("ε ≈ 0.99").contains("2.7×");
    }

    @Test
    void siteLevelSaysTheCoordinatorMustBeTrustedWhenItAddsTheNoise() {
        assertThat(ProtectionScope.of(PrivacyMode.PRIVACY_MODE_SITE, false, null)
                        .against())
                .contains("NOT the coordinator");
        assertThat(ProtectionScope.of(PrivacyMode.PRIVACY_MODE_SITE, true, null).against())
                .contains("must")
                .contains("be trusted");
        assertThat(ProtectionScope.of(PrivacyMode.PRIVACY_MODE_SITE, true, null).adjacency())
                .contains("replace one site's whole update");
        assertThat(ProtectionScope.of(PrivacyMode.PRIVACY_MODE_SITE, true, null).notProtected())
                .anySatisfy(s -> assertThat(s).contains("no evaluation is released under site-level DP"));
    }

    @Test
    void noPrivacyClaimsNothing() {
        var scope = ProtectionScope.of(PrivacyMode.PRIVACY_MODE_NONE, false, null);
        assertThat(scope.adjacency()).startsWith("none");
        assertThat(scope.against()).startsWith("nothing");
        assertThat(scope.scale()).noneSatisfy(s -> assertThat(s).contains("spent so far"));
        assertThat(scope.notProtected())
                .anySatisfy(s -> assertThat(s).contains("evaluation results").contains("in clear"));
    }

    @Test
    void roundsToTwoSignificantFiguresAsAPersonWould() {
        assertThat(ProtectionScope.rounded(2.71828)).isEqualTo("2.7");
        assertThat(ProtectionScope.rounded(0.1)).isEqualTo("0.1");
        assertThat(ProtectionScope.rounded(2980.96)).isEqualTo("3,000");
        assertThat(ProtectionScope.rounded(54.6)).isEqualTo("55");
    }
}
