package org.cohort.coordinator.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.cohort.protocol.v1.Accountant;
import org.cohort.protocol.v1.PrivacyMode;
import org.junit.jupiter.api.Test;

class StudySpecTest {
    private static StudySpec.Dataset dataset() {
        return new StudySpec.Dataset(
                "csv", List.of(new StudySpec.Feature("age", 50.0, 10.0, null)), "outcome", null, null, null);
    }

    @Test
    void fillsDefaultsForOmittedSettings() {
        var spec = new StudySpec(null, null, null, dataset(), null, null, null, null, null, null, null, null)
                .validate()
                .withDefaults();
        assertThat(spec.rounds()).isEqualTo(10);
        assertThat(spec.minSites()).isEqualTo(2);
        assertThat(spec.strategy()).isEqualTo("fedavg");
        assertThat(spec.model().preset()).isEqualTo("logistic-regression");
        assertThat(spec.dataset().testFraction()).isEqualTo(0.25);
    }

    @Test
    void listsEveryProblemAtOnce() {
        var spec = new StudySpec(
                "x",
                new StudySpec.Model("transformer", null, null),
                new StudySpec.Plan(0, 0, null, -1.0, null),
                null,
                0,
                0,
                0,
                -1,
                null,
                null,
                null,
                null);
        assertThatThrownBy(spec::validate)
                .isInstanceOfSatisfying(
                        InvalidStudyException.class,
                        e -> assertThat(e.problems())
                                .hasSize(9)
                                .anySatisfy(p -> assertThat(p).contains("model.preset"))
                                .anySatisfy(p -> assertThat(p).contains("dataset.features")));
    }

    @Test
    void sitesCalibrateTheirOwnNoiseOnlyForPatientLevelPrivacy() {
        var patient = new StudySpec.Privacy(
                PrivacyMode.PRIVACY_MODE_PATIENT, 1.0, 0.5, 1e-5, 1.0, Accountant.ACCOUNTANT_RDP, 32, true);
        var spec = new StudySpec(null, null, null, dataset(), 5, null, null, null, null, patient, null, null)
                .validate()
                .withDefaults();
        assertThat(spec.privacy().sitesCalibrate()).isTrue();
        assertThat(new StudySpec(
                                null,
                                null,
                                null,
                                dataset(),
                                5,
                                null,
                                null,
                                null,
                                null,
                                new StudySpec.Privacy(
                                        PrivacyMode.PRIVACY_MODE_PATIENT, null, null, null, 1.0, null, null, null),
                                null,
                                null)
                        .validate()
                        .withDefaults()
                        .privacy()
                        .sitesCalibrate())
                .isFalse();

        var site = new StudySpec(
                null,
                null,
                null,
                dataset(),
                5,
                null,
                null,
                null,
                null,
                new StudySpec.Privacy(
                        PrivacyMode.PRIVACY_MODE_SITE, 1.0, 0.5, 1e-5, 1.0, Accountant.ACCOUNTANT_RDP, null, true),
                null,
                null);
        assertThatThrownBy(site::validate)
                .isInstanceOfSatisfying(
                        InvalidStudyException.class,
                        e -> assertThat(e.problems())
                                .singleElement()
                                .asString()
                                .contains("calibrateAtSites applies to patient-level"));
    }

    private static StudySpec withPrivacy(StudySpec.Privacy privacy, Long maxSiteExamples) {
        return new StudySpec(null, null, null, dataset(), 5, null, null, null, null, privacy, null, maxSiteExamples);
    }

    /** The spec's problems, empty when it is valid. */
    static List<String> problems(StudySpec spec) {
        try {
            spec.validate();
            return List.of();
        } catch (InvalidStudyException e) {
            return e.problems();
        }
    }

    @Test
    void refusesNoiseAndClipNormsThatAreNotFinitePositiveNumbers() {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, 0, -1}) {
            assertThat(problems(withPrivacy(
                            new StudySpec.Privacy(
                                    PrivacyMode.PRIVACY_MODE_SITE,
                                    1.0,
                                    bad,
                                    1e-5,
                                    1.0,
                                    Accountant.ACCOUNTANT_RDP,
                                    null,
                                    null),
                            null)))
                    .as("σ = %s", bad)
                    .singleElement()
                    .asString()
                    .contains("privacy.noiseMultiplier must be a finite positive");
            assertThat(problems(withPrivacy(
                            new StudySpec.Privacy(
                                    PrivacyMode.PRIVACY_MODE_SITE,
                                    bad,
                                    1.0,
                                    1e-5,
                                    1.0,
                                    Accountant.ACCOUNTANT_RDP,
                                    null,
                                    null),
                            null)))
                    .as("C = %s", bad)
                    .singleElement()
                    .asString()
                    .contains("privacy.clipNorm must be a finite positive");
        }
        assertThat(problems(withPrivacy(
                        new StudySpec.Privacy(
                                PrivacyMode.PRIVACY_MODE_SITE,
                                1.0,
                                1.0,
                                1e-5,
                                Double.POSITIVE_INFINITY,
                                Accountant.ACCOUNTANT_RDP,
                                null,
                                null),
                        null)))
                .singleElement()
                .asString()
                .contains("privacy.epsilonBudget");
    }

    @Test
    void refusesADeltaThatIsNotWellBelowOneOverTheNumberOfUnits() {
        // δ = 0.5 was accepted; the absolute bound is 1e-3 whatever the unit.
        assertThat(problems(withPrivacy(
                        new StudySpec.Privacy(
                                PrivacyMode.PRIVACY_MODE_SITE,
                                1.0,
                                1.0,
                                0.5,
                                1.0,
                                Accountant.ACCOUNTANT_RDP,
                                null,
                                null),
                        null)))
                .singleElement()
                .asString()
                .contains("privacy.delta must be in (0, 0.001]");
        assertThat(problems(withPrivacy(
                        new StudySpec.Privacy(
                                PrivacyMode.PRIVACY_MODE_SITE,
                                1.0,
                                1.0,
                                1e-3,
                                1.0,
                                Accountant.ACCOUNTANT_RDP,
                                null,
                                null),
                        null)))
                .isEmpty();
        // Patient level: δ·n ≤ 0.1 for the largest training size a site may declare.
        var patient = new StudySpec.Privacy(
                PrivacyMode.PRIVACY_MODE_PATIENT, 1.0, 1.0, 1e-5, 1.0, Accountant.ACCOUNTANT_RDP, 32, false);
        assertThat(problems(withPrivacy(patient, 1_000_000L)))
                .singleElement()
                .asString()
                .contains("not well below 1/n for sites of up to n = 1000000")
                .contains("maxSiteExamples to 10000");
        assertThat(problems(withPrivacy(patient, 10_000L))).isEmpty();
        // Unset, the largest declaration follows δ: 0.1/1e-5 = 10000.
        assertThat(withPrivacy(patient, null).validate().withDefaults().maxSiteExamples())
                .isEqualTo(10_000L);
        assertThat(withPrivacy(null, null).validate().withDefaults().maxSiteExamples())
                .isEqualTo(StudySpec.DEFAULT_MAX_SITE_EXAMPLES);
    }

    @Test
    void boundsTheTrainingSizeASiteMayDeclare() {
        assertThat(problems(withPrivacy(null, 0L))).singleElement().asString().contains("maxSiteExamples");
        assertThat(problems(withPrivacy(null, Long.MAX_VALUE)))
                .singleElement()
                .asString()
                .contains("maxSiteExamples");
        assertThat(problems(withPrivacy(null, StudySpec.MAX_SITE_EXAMPLES_LIMIT)))
                .isEmpty();
    }

    @Test
    void boundsNameFeaturesAndLayers() {
        var spec = new StudySpec(
                "x".repeat(201),
                new StudySpec.Model("mlp", List.of(8, 0), null),
                null,
                dataset(),
                5,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
        assertThat(problems(spec))
                .hasSize(2)
                .anySatisfy(p -> assertThat(p).contains("name must be at most 200"))
                .anySatisfy(p -> assertThat(p).contains("model.hidden layer widths"));
    }

    @Test
    void aPublishedSplitNeedsThePatientIdColumn() {
        var withoutId = new StudySpec.Dataset(
                "csv",
                List.of(new StudySpec.Feature("age", 50.0, 10.0, null)),
                "outcome",
                null,
                null,
                null,
                null,
                List.of("TCGA-E2-A9RU"));
        var idIsAFeature = new StudySpec.Dataset(
                "csv",
                List.of(new StudySpec.Feature("age", 50.0, 10.0, null)),
                "outcome",
                null,
                null,
                null,
                "age",
                null);
        var published = new StudySpec.Dataset(
                "csv",
                List.of(new StudySpec.Feature("age", 50.0, 10.0, null)),
                "outcome",
                null,
                null,
                null,
                "pid",
                List.of("TCGA-E2-A9RU"));

        assertThatThrownBy(
                        new StudySpec(null, null, null, withoutId, null, null, null, null, null, null, null, null)
                                ::validate)
                .hasMessageContaining("dataset.idColumn");
        assertThatThrownBy(
                        new StudySpec(null, null, null, idIsAFeature, null, null, null, null, null, null, null, null)
                                ::validate)
                .hasMessageContaining("never trained on");
        var spec = new StudySpec(null, null, null, published, null, null, null, null, null, null, null, null)
                .validate()
                .withDefaults();
        assertThat(spec.dataset().idColumn()).isEqualTo("pid");
        assertThat(spec.dataset().testIds()).containsExactly("TCGA-E2-A9RU");
    }

    @Test
    void aDpStudyMustDeclareTheScalingOfEveryNumericColumn() {
        var undeclared = new StudySpec.Dataset(
                "csv",
                List.of(
                        new StudySpec.Feature("age", 50.0, 10.0, null),
                        new StudySpec.Feature("chol", null, null, null),
                        new StudySpec.Feature("cp", null, null, List.of("1", "2"))),
                "outcome",
                null,
                null,
                null);
        var patient = new StudySpec.Privacy(
                PrivacyMode.PRIVACY_MODE_PATIENT, 1.0, 1.0, 1e-5, 1.0, Accountant.ACCOUNTANT_RDP, 32, false);
        var site = new StudySpec.Privacy(
                PrivacyMode.PRIVACY_MODE_SITE, 1.0, 1.0, 1e-5, 1.0, Accountant.ACCOUNTANT_RDP, null, false);

        for (var privacy : List.of(patient, site)) {
            assertThatThrownBy(new StudySpec(
                            null, null, null, undeclared, 5, null, null, null, null, privacy, null, null)::validate)
                    .isInstanceOfSatisfying(
                            InvalidStudyException.class,
                            e -> assertThat(e.problems())
                                    .singleElement()
                                    .asString()
                                    .contains("cannot standardise chol")
                                    .contains("\"center\" and \"scale\"")
                                    .doesNotContain("age")
                                    .doesNotContain("cp"));
        }
        // Without DP a site may still standardise with its own statistics.
        assertThat(new StudySpec(null, null, null, undeclared, 5, null, null, null, null, null, null, null).validate())
                .isNotNull();
    }

    @Test
    void strategyOptionsOutOfRangeAreAllListedAndDefaultsFollowTheStrategy() {
        var bad = new StudySpec(
                null,
                null,
                null,
                dataset(),
                5,
                null,
                null,
                null,
                "fedadam",
                null,
                null,
                null,
                new StrategyOptions(-1.0, 1.0, 1.5, 0.0, 0.5, 0));
        assertThat(problems(bad))
                .hasSize(7)
                .anySatisfy(p -> assertThat(p)
                        .contains("strategyOptions [trimFraction, maxSites] are not options of strategy 'fedadam'"))
                .anySatisfy(p -> assertThat(p).contains("serverLearningRate"))
                .anySatisfy(p -> assertThat(p).contains("beta1"))
                .anySatisfy(p -> assertThat(p).contains("beta2"))
                .anySatisfy(p -> assertThat(p).contains("tau"))
                .anySatisfy(p -> assertThat(p).contains("trimFraction"))
                .anySatisfy(p -> assertThat(p).contains("maxSites"));
        var yogi = new StudySpec(null, null, null, dataset(), 5, null, null, null, "fedyogi", null, null, null)
                .withDefaults()
                .strategyOptions();
        assertThat(yogi.serverLearningRate()).isEqualTo(0.01);
        assertThat(yogi.tau()).isEqualTo(1e-3);
        var fedavg = new StudySpec(null, null, null, dataset(), 5, null, null, null, null, null, null, null)
                .withDefaults()
                .strategyOptions();
        assertThat(fedavg.serverLearningRate()).isEqualTo(1.0);
    }

    @Test
    void scaffoldNeedsSgdAndRefusesSiteLevelDpButTakesSecureAggregationAndPatientDp() {
        var sgd = new StudySpec.Plan(null, null, "sgd", null, null);
        var secure = new StudySpec.SecureAggregation(true, null, null, null, null);
        var siteDp = new StudySpec.Privacy(
                PrivacyMode.PRIVACY_MODE_SITE, 1.0, 1.0, 1e-5, 10.0, Accountant.ACCOUNTANT_RDP, null, false);
        assertThat(problems(new StudySpec(null, null, null, dataset(), 5, 3, null, null, "scaffold", null, null, null)))
                .singleElement()
                .asString()
                .contains("plan.optimizer 'sgd'", "got 'adam'");
        assertThat(problems(
                        new StudySpec(null, null, sgd, dataset(), 5, 3, null, null, "scaffold", siteDp, null, null)))
                .singleElement()
                .asString()
                .contains("site-level DP", "control-variate change");
        assertThat(problems(
                        new StudySpec(null, null, sgd, dataset(), 5, 3, null, null, "scaffold", null, secure, null)))
                .isEmpty();
    }

    @Test
    void robustStrategiesAreRefusedWithSecureAggregationOrSiteLevelDpAndTheirMemoryIsChecked() {
        var secure = new StudySpec.SecureAggregation(true, null, null, null, null);
        var siteDp = new StudySpec.Privacy(
                PrivacyMode.PRIVACY_MODE_SITE, 1.0, 1.0, 1e-5, 10.0, Accountant.ACCOUNTANT_RDP, null, false);
        assertThat(problems(new StudySpec(null, null, null, dataset(), 5, 3, null, null, "median", null, secure, null)))
                .singleElement()
                .asString()
                .contains("secure aggregation", "masked sum");
        assertThat(problems(new StudySpec(
                        null, null, null, dataset(), 5, null, null, null, "trimmed-mean", siteDp, null, null)))
                .singleElement()
                .asString()
                .contains("site-level DP", "one site can change the sum");
        assertThat(problems(
                        new StudySpec(null, null, null, dataset(), 5, 3, null, null, "fedadam", siteDp, secure, null)))
                .noneMatch(p -> p.contains("strategy"));

        var median = new StudySpec(
                        null,
                        null,
                        null,
                        dataset(),
                        5,
                        null,
                        null,
                        null,
                        "median",
                        null,
                        null,
                        null,
                        new StrategyOptions(null, null, null, null, null, 1000))
                .validate()
                .withDefaults();
        var size = new ModelSize(1_000_000, 8_000_000);
        var limits = new ModelSize.Limits(50_000_000, 1L << 30, 16_777_216);
        assertThatThrownBy(() -> size.checkHeldUpdates(median, limits))
                .isInstanceOf(InvalidStudyException.class)
                .hasMessageContaining("1000 sites (strategyOptions.maxSites) × 1000000 parameters × 4 bytes");
        new ModelSize(1_000, 8_000).checkHeldUpdates(median, limits);

        var krum = strategy("krum", 5, new StrategyOptions(null, null, null, null, null, 1000))
                .validate()
                .withDefaults();
        assertThatThrownBy(() -> new ModelSize(1_000_000, 8_000_000)
                        .checkHeldUpdates(krum, new ModelSize.Limits(50_000_000, 1L << 40, 16_777_216)))
                .isInstanceOf(InvalidStudyException.class)
                .hasMessageContaining("499500 pairs (maxSites 1000) × 1000000 parameters = 499500000000 multiply-adds");
        new ModelSize(1_000, 8_000).checkHeldUpdates(krum, limits);
    }

    @Test
    void krumNeedsMoreThanTwoFPlusTwoSitesInEveryRoundAndMultiKrumAtMostNMinusF() {
        assertThat(problems(strategy("krum", 4, options(null, null, null))))
                .singleElement()
                .asString()
                .contains(
                        "with f = 1 needs more than 2f + 2 = 4 updates in every round, but minSites is 4",
                        "at least 5");
        assertThat(problems(strategy("krum", 5, options(1, null, null)))).isEmpty();
        assertThat(problems(strategy("multi-krum", 7, options(2, null, null)))).isEmpty();
        assertThat(problems(
                        strategy("multi-krum", 9, new StrategyOptions(null, null, null, null, null, 6).withKrum(2, 8))))
                .as("a round holds at most maxSites = 6, and m = 8 > minSites − f = 7")
                .hasSize(2)
                .anySatisfy(p -> assertThat(p).contains("a round holds at most maxSites = 6", "at least 7"))
                .anySatisfy(p -> assertThat(p).contains("m = 8 is more than minSites − f = 7"));
        assertThat(problems(strategy("krum", 5, options(-1, 0, null))))
                .anySatisfy(p -> assertThat(p).contains("strategyOptions.f", "got -1"))
                .anySatisfy(p -> assertThat(p)
                        .contains(
                                "strategyOptions [m] is not an option of strategy 'krum'",
                                "(strategies that take m: [multi-krum])"));
        var secure = new StudySpec.SecureAggregation(true, null, null, null, null);
        assertThat(problems(
                        new StudySpec(null, null, null, dataset(), 5, 5, null, null, "multi-krum", null, secure, null)))
                .singleElement()
                .asString()
                .contains("secure aggregation", "masked sum");
    }

    @Test
    void fedProxTakesAFiniteNonNegativeMuAndNoOtherStrategyTakesOne() {
        assertThat(problems(strategy("fedprox", 2, options(null, null, 0.1)))).isEmpty();
        assertThat(problems(strategy("fedprox", 2, options(null, null, -0.5))))
                .singleElement()
                .asString()
                .contains("strategyOptions.mu", "must be a finite number in [0, 10000.0], got -0.5");
        assertThat(problems(strategy("fedprox", 2, options(null, null, Double.POSITIVE_INFINITY))))
                .singleElement()
                .asString()
                .contains("got Infinity");
        assertThat(problems(strategy("fedavg", 2, options(null, null, 0.1))))
                .singleElement()
                .asString()
                .contains("strategyOptions [mu] is not an option of strategy 'fedavg', which takes"
                        + " [serverLearningRate] (strategies that take mu: [fedprox])");
        assertThat(problems(strategy("fedprox", 2, options(1, null, null))))
                .singleElement()
                .asString()
                .contains("[f] is not an option of strategy 'fedprox', which takes [mu, serverLearningRate]");
        var spec = strategy("fedprox", 2, options(null, null, 0.25)).validate().withDefaults();
        assertThat(org.cohort.coordinator.round.TaskFactory.trainingPlan(spec, 7)
                        .getProximalMu())
                .as("mu travels to the sites in the training plan")
                .isEqualTo(0.25);
        assertThat(org.cohort.coordinator.round.TaskFactory.trainingPlan(
                                strategy("fedavg", 2, null).withDefaults(), 7)
                        .getProximalMu())
                .isZero();
    }

    @Test
    void aMisspeltOptionOrAValueOfTheWrongTypeInTheRestBodyIsRefusedNotIgnored() {
        // As the coordinator reads REST bodies: unknown properties are ignored by the reader itself.
        var json = tools.jackson.databind.json.JsonMapper.builder()
                .disable(tools.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
        var spec = json.readValue(
                "{\"dataset\":{\"features\":[{\"name\":\"age\"}],\"labelColumn\":\"target\"},"
                        + "\"strategy\":\"trimmed-mean\",\"strategyOptions\":{\"trimFration\":0.2,"
                        + "\"maxSites\":16.5,\"trimFraction\":\"a lot\"}}",
                StudySpec.class);
        assertThat(problems(spec))
                .containsExactly(
                        "strategyOptions.trimFration is not an option of any strategy; the options are"
                                + " [serverLearningRate, beta1, beta2, tau, trimFraction, maxSites, f, m, mu, bufferSize,"
                                + " maxStaleness]",
                        "strategyOptions.trimFraction must be a number, got a lot",
                        "strategyOptions.maxSites must be a whole number, got 16.5");
        var good = json.readValue("{\"mu\":0.5,\"serverLearningRate\":1,\"f\":2}", StrategyOptions.class);
        assertThat(good)
                .isEqualTo(new StrategyOptions(1.0, null, null, null, null, null)
                        .withKrum(2, null)
                        .withMu(0.5));
        String stored = json.writeValueAsString(good.withDefaults("fedprox"));
        assertThat(stored).doesNotContain("unreadable");
        assertThat(json.readValue(stored, StrategyOptions.class)).isEqualTo(good.withDefaults("fedprox"));
    }

    @Test
    void theNewStrategiesComposeAsTheReadmeTableSays() {
        var patient = new StudySpec.Privacy(
                PrivacyMode.PRIVACY_MODE_PATIENT, 1.0, 1.0, 1e-5, 1.0, Accountant.ACCOUNTANT_RDP, 32, false);
        var siteDp = new StudySpec.Privacy(
                PrivacyMode.PRIVACY_MODE_SITE, 1.0, 1.0, 1e-5, 10.0, Accountant.ACCOUNTANT_RDP, null, false);
        var secure = new StudySpec.SecureAggregation(true, null, null, null, null);
        for (String robust : List.of("krum", "multi-krum")) {
            assertThat(problems(
                            new StudySpec(null, null, null, dataset(), 5, 5, null, null, robust, patient, null, null)))
                    .as("%s with patient-level DP", robust)
                    .isEmpty();
            assertThat(problems(
                            new StudySpec(null, null, null, dataset(), 5, 5, null, null, robust, siteDp, null, null)))
                    .singleElement()
                    .asString()
                    .contains("cannot run with site-level DP", "Krum");
        }
        for (var privacy : java.util.Arrays.asList(patient, siteDp, null)) {
            assertThat(problems(new StudySpec(
                            null, null, null, dataset(), 5, 3, null, null, "fedprox", privacy, secure, null)))
                    .as("fedprox with %s and secure aggregation", privacy)
                    .isEmpty();
        }
    }

    private static StrategyOptions options(Integer f, Integer m, Double mu) {
        return StrategyOptions.NONE.withKrum(f, m).withMu(mu);
    }

    private static StudySpec strategy(String name, int minSites, StrategyOptions options) {
        return new StudySpec(null, null, null, dataset(), 5, minSites, null, null, name, null, null, null, options);
    }

    @Test
    void refusesAStrategyThatIsNotImplemented() {
        var spec =
                new StudySpec(null, null, null, dataset(), 5, null, null, null, "no-such-strategy", null, null, null);
        assertThat(problems(spec))
                .singleElement()
                .asString()
                .contains("strategy 'no-such-strategy' is not implemented", "[fedavg, fedadam, fedyogi, fedadagrad");
        assertThat(problems(
                        new StudySpec(null, null, null, dataset(), 5, null, null, null, "FedAvg", null, null, null)))
                .isEmpty();
    }

    @Test
    void refusesADatasetNoSiteCouldEncodeAndAnOptimizerNoSiteHas() {
        var features = List.of(
                new StudySpec.Feature("age", 50.0, 10.0, null),
                new StudySpec.Feature("age", null, null, null),
                new StudySpec.Feature("outcome", null, null, null),
                new StudySpec.Feature("chol", 200.0, null, null),
                new StudySpec.Feature("cp", null, null, List.of("1", "1")));
        var csv = new StudySpec(
                null,
                null,
                new StudySpec.Plan(null, null, "lbfgs", null, null),
                new StudySpec.Dataset("csv", features, "outcome", null, null, null),
                5,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
        assertThat(problems(csv))
                .hasSize(5)
                .anySatisfy(p -> assertThat(p).contains("names 'age' twice"))
                .anySatisfy(p -> assertThat(p).contains("'outcome' is the label column"))
                .anySatisfy(p -> assertThat(p).contains("'chol' declares only one of center and scale"))
                .anySatisfy(p -> assertThat(p).contains("'cp': levels must be distinct"))
                .anySatisfy(p -> assertThat(p).contains("plan.optimizer must be one of [sgd, adam, nesterov]"));
        var heart = new StudySpec(
                null,
                null,
                null,
                new StudySpec.Dataset(
                        "heart-disease",
                        List.of(
                                new StudySpec.Feature("age", 50.0, 10.0, null),
                                new StudySpec.Feature("bmi", 25.0, 5.0, null)),
                        "num",
                        null,
                        null,
                        null),
                5,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
        assertThat(problems(heart)).singleElement().asString().contains("heart-disease files have no column [bmi]");
    }
}
