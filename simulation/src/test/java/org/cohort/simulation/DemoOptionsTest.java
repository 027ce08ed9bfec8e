package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.cohort.protocol.v1.PrivacyMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's options: the builder's defaults and checks, and {@code ./demo.sh}'s command line
 * read into them (every flag the README and {@code --help} document), without running the demo.
 */
class DemoOptionsTest {

    @Test
    void startsFromTheDemosDefaults() {
        DemoOptions o = DemoOptions.builder().build();

        assertThat(o.dataset()).isEqualTo("synthetic");
        assertThat(o.dataDir()).isNull();
        assertThat(o.sites()).isEqualTo(3);
        assertThat(o.rounds()).isEqualTo(10);
        assertThat(o.model()).isEqualTo("logistic-regression");
        assertThat(o.trainer()).isEqualTo("dl4j");
        assertThat(o.workDir()).isEqualTo(Path.of("cohort-demo"));
        assertThat(o.privacy()).isEqualTo(PrivacyMode.PRIVACY_MODE_PATIENT);
        assertThat(o.epsilon()).isEqualTo(1.0);
        assertThat(o.secureAggregation()).isTrue();
    }

    @Test
    void refusesABadValueAtItsSetter() {
        assertThatThrownBy(() -> DemoOptions.builder().dataset("mnist"))
                .hasMessage("--dataset must be synthetic, heart-disease or tcga-brca, got 'mnist'");
        assertThatThrownBy(() -> DemoOptions.builder().model("resnet"))
                .hasMessage("--model must be logistic-regression or mlp, got 'resnet'");
        assertThatThrownBy(() -> DemoOptions.builder().trainer("jax"))
                .hasMessage("--trainer must be dl4j or pytorch, got 'jax'");
        assertThatThrownBy(() -> DemoOptions.builder().privacy("record"))
                .hasMessage("--privacy must be patient, site or none, got 'record'");
        assertThatThrownBy(() -> DemoOptions.builder().sites(17))
                .hasMessage("--sites must be between 1 and 16, got 17");
        assertThatThrownBy(() -> DemoOptions.builder().rounds(0))
                .hasMessage("--rounds must be between 1 and 1000, got 0");
        assertThatThrownBy(() -> DemoOptions.builder().epsilon(0)).hasMessageContaining("--epsilon must be a positive");
        assertThatThrownBy(() -> DemoOptions.builder().epsilon(Double.POSITIVE_INFINITY))
                .hasMessageContaining("--epsilon must be a positive");
    }

    @Test
    void tcgaBrcaRunsItsSixRegions(@org.junit.jupiter.api.io.TempDir Path dir) {
        DemoOptions o = DemoOptions.builder().dataset("tcga-brca").dataDir(dir).build();
        assertThat(o.sites()).isEqualTo(6);
        assertThat(o.dataDir()).isEqualTo(dir);
    }

    @Test
    void refusesSecureAggregationWithFewerThanThreeSites() {
        assertThatThrownBy(() -> DemoOptions.builder().sites(2).build())
                .hasMessageContaining("secure aggregation needs at least 3 sites");

        assertThat(DemoOptions.builder()
                        .sites(2)
                        .secureAggregation(false)
                        .build()
                        .sites())
                .isEqualTo(2);
    }

    @Test
    void heartDiseaseHasItsFourCentresAndItsData(@TempDir Path data) {
        DemoOptions o = DemoOptions.builder()
                .dataset("heart-disease")
                .dataDir(data)
                .sites(2)
                .build();

        assertThat(o.sites()).isEqualTo(4);
        assertThat(o.dataDir()).isEqualTo(data);
    }

    @Test
    void readsEveryDocumentedFlag(@TempDir Path dir) {
        DemoOptions o = parse(
                "--dataset",
                "heart-disease",
                "--data-dir",
                dir.toString(),
                "--rounds",
                "3",
                "--model",
                "mlp",
                "--work-dir",
                dir.resolve("work").toString(),
                "--privacy",
                "site",
                "--epsilon",
                "2.5",
                "--no-secure-aggregation");

        assertThat(o.dataset()).isEqualTo("heart-disease");
        assertThat(o.dataDir()).isEqualTo(dir);
        assertThat(o.sites()).isEqualTo(4);
        assertThat(o.rounds()).isEqualTo(3);
        assertThat(o.model()).isEqualTo("mlp");
        assertThat(o.workDir()).isEqualTo(dir.resolve("work"));
        assertThat(o.privacy()).isEqualTo(PrivacyMode.PRIVACY_MODE_SITE);
        assertThat(o.epsilon()).isEqualTo(2.5);
        assertThat(o.secureAggregation()).isFalse();

        assertThat(parse("--sites", "5", "--secure-aggregation").sites()).isEqualTo(5);
        assertThat(parse().secureAggregation()).isTrue();
    }

    @Test
    void aRefusedValueIsAUsageErrorWithTheHelp() {
        var err = new StringWriter();
        var command = CommandLines.of(new DemoCommand()).setErr(new PrintWriter(err));

        assertThat(command.execute("--sites", "1")).isEqualTo(2);
        assertThat(err.toString())
                .startsWith("--sites must be between 2 and 16, got 1")
                .contains("Usage: ./demo.sh");

        err.getBuffer().setLength(0);
        assertThat(command.execute("--sites", "2")).isEqualTo(2);
        assertThat(err.toString()).contains("secure aggregation needs at least 3 sites", "--no-secure-aggregation");
    }

    @Test
    void helpListsEveryFlag() {
        var out = new StringWriter();
        var command = CommandLines.of(new DemoCommand()).setOut(new PrintWriter(out));

        assertThat(command.execute("--help")).isZero();
        assertThat(out.toString())
                .startsWith("Usage: ./demo.sh")
                .contains(
                        "--dataset",
                        "--data-dir",
                        "--sites",
                        "--rounds",
                        "--model",
                        "--work-dir",
                        "--privacy",
                        "--epsilon",
                        "--[no-]secure-aggregation",
                        "--strategy",
                        "--strategy-option");
    }

    @Test
    void withoutStrategyTheStudyNamesNoneAsBefore() {
        DemoOptions o = parse();

        assertThat(o.strategies()).isEmpty();
        assertThat(o.strategy()).isNull();
        assertThat(o.comparison()).isFalse();
    }

    @Test
    void readsAStrategyListInOrderAndIgnoresCase() {
        DemoOptions o = parse("--strategy", "FedAvg, fedprox,fedadam");

        assertThat(o.strategies()).containsExactly("fedavg", "fedprox", "fedadam");
        assertThat(o.comparison()).isTrue();
        assertThat(o.strategyOptions("fedavg")).isEmpty();

        assertThat(parse("--strategy", "fedavg,fedprox,fedadam,scaffold").strategies())
                .as("the issue's comparison, scaffold with the demo's secure aggregation")
                .containsExactly("fedavg", "fedprox", "fedadam", "scaffold");

        DemoOptions one = parse("--strategy", "fedyogi");
        assertThat(one.comparison()).isFalse();
        assertThat(one.strategy()).isEqualTo("fedyogi");

        DemoOptions run = o.forStrategy("fedprox", Path.of("w", "fedprox"));
        assertThat(run.strategy()).isEqualTo("fedprox");
        assertThat(run.comparison()).isFalse();
        assertThat(run.workDir()).isEqualTo(Path.of("w", "fedprox"));
        assertThat(run.rounds()).isEqualTo(o.rounds());
    }

    @Test
    void refusesAnUnknownStrategyInTheCoordinatorsWordsAndADuplicate() {
        var err = new StringWriter();
        var command = CommandLines.of(new DemoCommand()).setErr(new PrintWriter(err));

        assertThat(command.execute("--strategy", "fedavg,fedsgdx")).isEqualTo(2);
        assertThat(err.toString())
                .startsWith("--strategy: strategy 'fedsgdx' is not implemented; use one of [fedavg,")
                .contains("Usage: ./demo.sh");

        assertThatThrownBy(() -> DemoOptions.builder().strategies("fedavg,fedprox,FEDAVG"))
                .hasMessage("--strategy names 'fedavg' twice: each strategy runs once");
        assertThatThrownBy(() -> DemoOptions.builder().strategies("fedavg,,fedprox"))
                .hasMessageContaining("--strategy has an empty name");
    }

    @Test
    void givesEachStrategyTheOptionsItTakes() {
        DemoOptions o = parse(
                "--strategy",
                "fedavg,fedprox,fedadam",
                "--strategy-option",
                "mu=0.1",
                "--strategy-option",
                "fedadam.serverLearningRate=0.05");

        assertThat(o.strategyOptions("fedavg")).isEmpty();
        assertThat(o.strategyOptions("fedprox")).containsExactly(java.util.Map.entry("mu", 0.1));
        assertThat(o.strategyOptions("fedadam")).containsExactly(java.util.Map.entry("serverLearningRate", 0.05));
    }

    @Test
    void refusesAnOptionNoListedStrategyTakesOrForAStrategyNotListed() {
        assertThatThrownBy(() -> parse("--strategy", "fedavg,fedadam", "--strategy-option", "mu=0.1"))
                .hasMessageContaining("strategyOptions [mu] is not an option of strategy 'fedavg'");
        assertThatThrownBy(() -> parse("--strategy", "fedavg", "--strategy-option", "fedprox.mu=0.1"))
                .hasMessageContaining("is for strategy 'fedprox', which --strategy does not list");
        assertThatThrownBy(() -> parse("--strategy", "fedprox", "--strategy-option", "mu=-1"))
                .hasMessageContaining("strategyOptions.mu (fedprox's proximal term) must be a finite number");
        assertThatThrownBy(() -> parse("--strategy-option", "mu=0.1")).hasMessageContaining("needs --strategy");
    }

    @Test
    void krumTakesTheLargestFTheSitesAllowAndNeedsUpdatesInTheClear() {
        // 4 Heart Disease centres: n > 2f + 2 allows f = 0; 6 synthetic hospitals allow f = 1.
        assertThat(parse("--sites", "4", "--strategy", "fedavg,krum", "--no-secure-aggregation")
                        .strategyOptions("krum"))
                .containsExactly(java.util.Map.entry("f", 0));
        assertThat(parse("--sites", "6", "--strategy", "multi-krum", "--no-secure-aggregation")
                        .strategyOptions("multi-krum"))
                .containsExactly(java.util.Map.entry("f", 1));

        assertThatThrownBy(() -> parse("--sites", "4", "--strategy", "krum"))
                .hasMessageContaining("add --no-secure-aggregation");
        assertThatThrownBy(() -> parse(
                        "--sites", "4", "--strategy", "krum", "--no-secure-aggregation", "--strategy-option", "f=1"))
                .hasMessageContaining("needs more than 2f + 2 = 4 updates in every round")
                .hasMessageContaining("e.g. krum.f=0");
    }

    @Test
    void fedBuffTakesItsBufferAndNeedsUpdatesOutsideSecureAggregation() {
        assertThat(parse("--sites", "4", "--strategy", "fedavg,fedbuff", "--no-secure-aggregation")
                        .strategyOptions("fedbuff"))
                .isEmpty();
        assertThat(parse(
                                "--sites",
                                "4",
                                "--strategy",
                                "fedbuff",
                                "--no-secure-aggregation",
                                "--strategy-option",
                                "bufferSize=3")
                        .strategyOptions("fedbuff"))
                .containsExactly(java.util.Map.entry("bufferSize", 3L));
        assertThatThrownBy(() -> parse("--sites", "4", "--strategy", "fedbuff"))
                .hasMessageContaining("strategy 'fedbuff' publishes every K updates")
                .hasMessageContaining("add --no-secure-aggregation");
        assertThatThrownBy(() -> parse(
                        "--sites",
                        "4",
                        "--strategy",
                        "fedbuff",
                        "--no-secure-aggregation",
                        "--strategy-option",
                        "bufferSize=5"))
                .hasMessageContaining("bufferSize = 5 is more than minSites = 4");
        assertThatThrownBy(() -> parse(
                        "--sites",
                        "4",
                        "--strategy",
                        "fedbuff",
                        "--no-secure-aggregation",
                        "--strategy-option",
                        "bufferSize=0"))
                .hasMessageContaining("must be at least 1, got 0");
    }

    private static DemoOptions parse(String... args) {
        var command = new DemoCommand();
        CommandLines.of(command).parseArgs(args);
        return command.options();
    }
}
