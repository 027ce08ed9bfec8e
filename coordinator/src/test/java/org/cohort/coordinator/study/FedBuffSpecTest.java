package org.cohort.coordinator.study;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.cohort.protocol.v1.Accountant;
import org.cohort.protocol.v1.PrivacyMode;
import org.junit.jupiter.api.Test;

/** FedBuff's options and combinations, refused at study creation with what to change. */
class FedBuffSpecTest {

    @Test
    void aBufferOfAtMostMinSitesIsAcceptedWithOrWithoutPatientOrSiteLevelDp() {
        var patient = new StudySpec.Privacy(
                PrivacyMode.PRIVACY_MODE_PATIENT, 1.0, 1.0, 1e-5, 1.0, Accountant.ACCOUNTANT_RDP, 32, false);
        var siteDp = new StudySpec.Privacy(
                PrivacyMode.PRIVACY_MODE_SITE, 1.0, 1.0, 1e-5, 10.0, Accountant.ACCOUNTANT_RDP, null, false);
        for (var privacy : java.util.Arrays.asList(patient, siteDp, null)) {
            assertThat(problems(spec(3, buffer(3, 0), privacy, null)))
                    .as("%s", privacy)
                    .isEmpty();
        }
        assertThat(problems(spec(2, StrategyOptions.NONE, null, null)))
                .as("the default K = 2 fits the default minSites")
                .isEmpty();
    }

    @Test
    void aBufferOfNoUpdateIsRefused() {
        assertThat(problems(spec(3, buffer(0, null), null, null)))
                .singleElement()
                .asString()
                .contains("strategyOptions.bufferSize", "must be at least 1, got 0");
        assertThat(problems(spec(3, buffer(-2, null), null, null)))
                .singleElement()
                .asString()
                .contains("got -2");
    }

    @Test
    void aBufferLargerThanMinSitesIsRefusedSinceItCouldNeverFill() {
        assertThat(problems(spec(3, buffer(4, null), null, null)))
                .singleElement()
                .asString()
                .contains("bufferSize = 4 is more than minSites = 3", "set minSites to at least 4");
    }

    @Test
    void aNegativeOrHugeMaxStalenessIsRefused() {
        assertThat(problems(spec(2, buffer(null, -1), null, null)))
                .singleElement()
                .asString()
                .contains("strategyOptions.maxStaleness", "got -1");
        assertThat(problems(spec(2, buffer(null, 10_001), null, null)))
                .singleElement()
                .asString()
                .contains("between 0 and 10000");
    }

    @Test
    void optionsOfOtherStrategiesAndUnknownOptionsAreRefused() {
        assertThat(problems(spec(2, StrategyOptions.NONE.withMu(0.1), null, null)))
                .singleElement()
                .asString()
                .contains(
                        "[mu] is not an option of strategy 'fedbuff'",
                        "[bufferSize, maxStaleness, serverLearningRate]");
        var misspelt = StrategyOptionsJson.read(Map.of("bufferSise", 2));
        assertThat(problems(spec(2, misspelt, null, null)))
                .singleElement()
                .asString()
                .contains("strategyOptions.bufferSise is not an option of any strategy");
        assertThat(problems(spec(2, StrategyOptionsJson.read(Map.of("bufferSize", 1.5)), null, null)))
                .singleElement()
                .asString()
                .contains("strategyOptions.bufferSize must be a whole number");
        assertThat(problems(new StudySpec(
                        null, null, null, dataset(), 5, 3, null, null, "fedavg", null, null, null, buffer(2, null))))
                .singleElement()
                .asString()
                .contains("[bufferSize] is not an option of strategy 'fedavg'", "bufferSize: [fedbuff]");
    }

    @Test
    void fedBuffWithSecureAggregationIsRefusedWithTheReason() {
        var secure = new StudySpec.SecureAggregation(true, null, null, null, null);
        assertThat(problems(spec(3, buffer(2, null), null, secure)))
                .singleElement()
                .asString()
                .contains("'fedbuff' cannot run with secure aggregation", "a masked sum needs a cohort fixed");
    }

    private static StrategyOptions buffer(Integer k, Integer maxStaleness) {
        return StrategyOptions.NONE.withBuffer(k, maxStaleness);
    }

    private static StudySpec spec(
            int minSites, StrategyOptions options, StudySpec.Privacy privacy, StudySpec.SecureAggregation secure) {
        return new StudySpec(
                null, null, null, dataset(), 5, minSites, null, null, "fedbuff", privacy, secure, null, options);
    }

    private static List<String> problems(StudySpec spec) {
        try {
            spec.validate();
            return List.of();
        } catch (InvalidStudyException e) {
            return e.problems();
        }
    }

    private static StudySpec.Dataset dataset() {
        return new StudySpec.Dataset(
                "csv", List.of(new StudySpec.Feature("age", 50.0, 10.0, null)), "outcome", null, null, null);
    }
}
