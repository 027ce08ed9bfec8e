package org.cohort.simulation.virtual;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.cohort.coordinator.aggregation.FedAvg;
import org.cohort.coordinator.aggregation.MemoryState;
import org.cohort.coordinator.aggregation.Strategy;
import org.cohort.coordinator.aggregation.WeightedSum;
import org.cohort.coordinator.study.InvalidStudyException;
import org.cohort.coordinator.study.StrategyOptions;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.Network;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.learning.train.LocalTrainer;
import org.cohort.privacy.accounting.AccountantKind;
import org.junit.jupiter.api.Test;

class VirtualSitesTest {
    private static final Population DATA = Population.synthetic(15, 3);
    private static final TrainingPlan PLAN = new TrainingPlan(1, 8, Optimizer.SGD, 0.1, 5);

    private static VirtualSites.Settings settings(
            int sites, double stragglers, double dropouts, String strategy, VirtualSites.Privacy privacy) {
        return new VirtualSites.Settings(
                sites, 20, 0.5, 1.0, stragglers, dropouts, strategy, null, 2, privacy, PLAN, 11, 2);
    }

    @Test
    void fedAvgGivesTheModelOfTheStrategyAppliedByHandToEachSiteTrainedAlone() throws Exception {
        try (VirtualSites sim = VirtualSites.create(settings(6, 0, 0, "fedavg", null), DATA)) {
            String config = ModelPreset.logisticRegression().configJson(15, 2, PLAN);
            float[] global = ParameterVectors.initialParameters(config, PLAN.seed());
            assertThat(sim.global()).isEqualTo(global);
            for (int r = 1; r <= 2; r++) {
                VirtualSites.Round round = sim.round();
                assertThat(round.reported())
                        .extracting(VirtualSites.SiteUpdate::site)
                        .containsExactly(0, 1, 2, 3, 4, 5);

                // Each site trained alone on a network of its own, as an agent would.
                TrainingPlan plan = PLAN.withSeed(PLAN.seed() * 1_000_003L + r);
                FedAvg fedAvg = new FedAvg(1.0);
                WeightedSum sum = fedAvg.newAccumulator(global.length);
                for (int s = 0; s < 6; s++) {
                    Network net = new ModelSpec(config).build();
                    ParameterVectors.write(net, global);
                    LocalTrainer.train(net, sim.sites().get(s).dataset(), plan);
                    float[] local = ParameterVectors.read(net);
                    float[] delta = new float[local.length];
                    for (int i = 0; i < delta.length; i++) {
                        delta[i] = local[i] - global[i];
                    }
                    assertThat(round.reported().get(s).delta())
                            .as("site %d's delta", s)
                            .isEqualTo(delta);
                    long weight = sim.sites().get(s).size();
                    sum.addChunk(weight, 0, delta, delta.length);
                    sum.completeContribution(weight);
                }
                global = fedAvg.nextGlobal(global, sum);
                assertThat(sim.global()).as("round %d", r).isEqualTo(global);
            }
        }
    }

    @Test
    void stragglersAndDropoutsAreLeftOutOfTheAggregate() throws Exception {
        try (VirtualSites sim = VirtualSites.create(settings(40, 0.3, 0.2, "fedavg", null), DATA)) {
            float[] before = sim.global();
            VirtualSites.Round round = sim.round();

            List<Integer> reported =
                    round.reported().stream().map(VirtualSites.SiteUpdate::site).toList();
            var everyone = new ArrayList<Integer>(reported);
            IntStream.of(round.late()).forEach(everyone::add);
            IntStream.of(round.dropped()).forEach(everyone::add);
            assertThat(everyone)
                    .containsExactlyInAnyOrderElementsOf(
                            IntStream.range(0, 40).boxed().toList());
            assertThat(round.late()).isNotEmpty();
            assertThat(round.dropped()).isNotEmpty();
            assertThat(round.aggregated()).isTrue();

            assertThat(sim.global()).isEqualTo(new FedAvg(1.0).nextGlobal(before, sumOf(round.reported())));
            assertThat(sim.aggregate(before, round.reported())).isEqualTo(sim.global());
            int[] trained = sim.trainedRounds();
            for (int site : round.late()) {
                assertThat(trained[site])
                        .as("a straggler trained (and spent) but was not counted")
                        .isEqualTo(1);
            }
            for (int site : round.dropped()) {
                assertThat(trained[site]).isZero();
            }
        }
    }

    @Test
    void aServerOptimiserCarriesItsMomentsFromRoundToRound() throws Exception {
        try (VirtualSites sim = VirtualSites.create(settings(5, 0, 0, "fedadam", null), DATA)) {
            Strategy fedAdam = Strategy.named("fedadam");
            MemoryState moments = new MemoryState(fedAdam.stateVectors(), sim.numParameters());
            float[] global = sim.global();
            for (int r = 1; r <= 3; r++) {
                VirtualSites.Round round = sim.round();
                WeightedSum sum = sumOf(round.reported());
                float[] next = new float[global.length];
                fedAdam.step(sum.totalWeight(), sum.contributions(), moments)
                        .next(global, sum.sum(), global.length, next);
                moments.advance();
                global = next;
                assertThat(sim.global()).as("round %d", r).isEqualTo(global);
            }
        }
    }

    @Test
    void scaffoldSitesSendOptionTwoChangesAndTheServerCarriesCAcrossRoundsWithDropouts() throws Exception {
        try (VirtualSites sim = VirtualSites.create(settings(5, 0, 0.3, "scaffold", null), DATA)) {
            int n = sim.numParameters();
            float[] c = new float[n];
            float[][] own = new float[5][n];
            float[] global = sim.global();
            boolean partial = false;
            for (int r = 1; r <= 4; r++) {
                VirtualSites.Round round = sim.round();
                if (!round.aggregated()) {
                    assertThat(sim.global()).isEqualTo(global);
                    continue;
                }
                partial |= round.reported().size() < round.selected();
                double total = 0;
                double[] deltaSum = new double[n];
                double[] changeSum = new double[n];
                for (var u : round.reported()) {
                    long k = PLAN.localSteps(sim.sites().get(u.site()).size());
                    for (int i = 0; i < n; i++) {
                        // Δc_i = −c − Δy/(K·η), computed here from the delta the site sent
                        float expected = (float) (-c[i] - u.delta()[i] / (k * PLAN.learningRate()));
                        assertThat(u.controlChange()[i]).isCloseTo(expected, within(1e-5f));
                        deltaSum[i] += u.weight() * (double) u.delta()[i];
                        changeSum[i] += u.weight() * (double) u.controlChange()[i];
                        own[u.site()][i] += u.controlChange()[i];
                    }
                    total += u.weight();
                }
                double participation = (double) round.reported().size() / round.selected();
                for (int i = 0; i < n; i++) {
                    global[i] = (float) (global[i] + (float) (deltaSum[i] / total));
                    c[i] = (float) (c[i] + participation * (changeSum[i] / total));
                }
                assertThat(sim.global()).as("round %d", r).containsExactly(global, within(1e-6f));
            }
            assertThat(partial).as("some round lost a site to a dropout").isTrue();
            double norm = 0;
            for (float v : c) {
                norm += v * v;
            }
            assertThat(norm).as("c moved").isPositive();
        }
    }

    @Test
    void fedBuffPublishesTheFirstKArrivalsAndCountsTheRestOneVersionLaterAtOneOverRootTwo() throws Exception {
        var s = new VirtualSites.Settings(
                6, 20, 0.5, 1.0, 0, 0, "fedbuff", StrategyOptions.NONE.withBuffer(2, null), 2, null, PLAN, 11, 2);
        try (VirtualSites sim = VirtualSites.create(s, DATA)) {
            String config = ModelPreset.logisticRegression().configJson(15, 2, PLAN);
            float[] v1 = sim.global();
            VirtualSites.Round first = sim.round();
            assertThat(first.selected()).isEqualTo(6);
            assertThat(first.reported()).hasSize(2);
            var published =
                    first.reported().stream().map(VirtualSites.SiteUpdate::site).toList();

            float[] v2 = sim.global();
            VirtualSites.Round second = sim.round();
            assertThat(second.selected())
                    .as("the four sites in flight get no task")
                    .isEqualTo(2);
            assertThat(second.reported()).hasSize(2);
            TrainingPlan plan1 = PLAN.withSeed(PLAN.seed() * 1_000_003L + 1);
            for (VirtualSites.SiteUpdate u : second.reported()) {
                assertThat(published)
                        .as("a version-1 update still in flight arrives first")
                        .doesNotContain(u.site());
                Network net = new ModelSpec(config).build();
                ParameterVectors.write(net, v1);
                LocalTrainer.train(net, sim.sites().get(u.site()).dataset(), plan1);
                float[] local = ParameterVectors.read(net);
                float[] expected = new float[local.length];
                for (int i = 0; i < local.length; i++) {
                    expected[i] = (float) ((local[i] - v1[i]) * 0.7071067811865476); // s(1) = 1/√2
                }
                assertThat(u.delta()).as("site %d, one version stale", u.site()).isEqualTo(expected);
            }
            assertThat(sim.global()).isEqualTo(new FedAvg(1.0).nextGlobal(v2, sumOf(second.reported())));
        }
    }

    @Test
    void scaffoldRefusesALocalOptimiserOtherThanSgd() {
        var adam = new VirtualSites.Settings(
                5,
                20,
                0.5,
                1.0,
                0,
                0,
                "scaffold",
                null,
                2,
                null,
                new TrainingPlan(1, 8, Optimizer.ADAM, 0.1, 5),
                11,
                2);
        assertThatThrownBy(() -> VirtualSites.create(adam, DATA)).hasMessageContaining("plain SGD");
    }

    @Test
    void aRoundBelowMinSitesLeavesTheModelAlone() throws Exception {
        var s = settings(3, 0, 1.0, "fedavg", null);
        try (VirtualSites sim = VirtualSites.create(s, DATA)) {
            float[] before = sim.global();
            VirtualSites.Round round = sim.round();
            assertThat(round.reported()).isEmpty();
            assertThat(round.aggregated()).isFalse();
            assertThat(sim.global()).isEqualTo(before);
        }
    }

    @Test
    void aStrategyTheCoordinatorRefusesIsRefusedWithTheSameWords() {
        var dataset = new StudySpec.Dataset(
                "csv", List.of(new StudySpec.Feature("age", 50.0, 10.0, null)), "outcome", null, null, null);
        for (var c : List.of(
                new Object[] {"no-such-strategy", 2, null},
                new Object[] {"krum", 3, StrategyOptions.NONE.withKrum(2, null)},
                new Object[] {"fedavg", 2, StrategyOptions.NONE.withMu(0.1)})) {
            String name = (String) c[0];
            int minSites = (Integer) c[1];
            StrategyOptions options = (StrategyOptions) c[2];
            var spec =
                    new StudySpec(null, null, null, dataset, 5, minSites, null, null, name, null, null, null, options);
            String coordinator = refusal(spec);
            assertThat(coordinator).as(name).isNotNull();
            assertThatThrownBy(() -> VirtualSites.create(
                            new VirtualSites.Settings(4, 10, 0, 1, 0, 0, name, options, minSites, null, PLAN, 1, 1),
                            DATA))
                    .isInstanceOf(InvalidStudyException.class)
                    .hasMessage(coordinator);
        }
        assertThat(refusal(new StudySpec(null, null, null, dataset, 5, 2, null, null, "FedAdam", null, null, null)))
                .isNull();
    }

    @Test
    void patientLevelDpTrainsWithDpSgdAndChargesEverySiteThatTrained() throws Exception {
        var dp = new VirtualSites.Privacy(1.0, 1.0, 8, 1e-5, AccountantKind.RDP);
        try (VirtualSites sim = VirtualSites.create(settings(8, 0.25, 0, "fedavg", dp), DATA)) {
            sim.round();
            VirtualSites.Spent once = sim.spent();
            sim.round();
            VirtualSites.Spent twice = sim.spent();
            assertThat(once.maxEpsilon()).isPositive().isFinite();
            assertThat(once.maxEpsilon()).isGreaterThanOrEqualTo(once.medianEpsilon());
            assertThat(twice.maxEpsilon()).isGreaterThan(once.maxEpsilon());
        }
        try (VirtualSites plain = VirtualSites.create(settings(2, 0, 0, "fedavg", null), DATA)) {
            assertThat(plain.spent()).isNull();
        }
    }

    private static String refusal(StudySpec spec) {
        try {
            spec.validate();
            return null;
        } catch (InvalidStudyException e) {
            return e.getMessage();
        }
    }

    private static WeightedSum sumOf(List<VirtualSites.SiteUpdate> updates) {
        WeightedSum sum = new WeightedSum(updates.getFirst().delta().length);
        for (var u : updates) {
            sum.addChunk(u.weight(), 0, u.delta(), u.delta().length);
            sum.completeContribution(u.weight());
        }
        return sum;
    }
}
