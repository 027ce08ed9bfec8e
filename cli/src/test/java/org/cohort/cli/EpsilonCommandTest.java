package org.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cohort.privacy.accounting.Conversion;
import org.cohort.privacy.accounting.EventHistory;
import org.cohort.privacy.accounting.PldAccountant;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.RdpAccountant;
import org.cohort.privacy.accounting.Unit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class EpsilonCommandTest {
    private final CliRun cli = new CliRun();

    private int run(String... args) {
        return cli.run(args);
    }

    private String out() {
        return cli.out();
    }

    private String err() {
        return cli.err();
    }

    private JsonNode json() {
        return JsonMapper.builder().build().readTree(out());
    }

    @Test
    void matchesThePrivacyModuleForQ001Sigma11Over1000Steps() {
        int code = run(
                "privacy",
                "epsilon",
                "--q",
                "0.01",
                "--sigma",
                "1.1",
                "--steps",
                "1000",
                "--delta",
                "1e-5",
                "--format",
                "json");

        double expected = RdpAccountant.withDefaultOrders()
                .compose(new PrivacyEvent.SampledGaussian(0.01, 1.1, 1000))
                .epsilon(1e-5);
        assertThat(code).isZero();
        assertThat(json().path("epsilon").asDouble()).isEqualTo(expected);
        assertThat(json().path("accountant").asString()).isEqualTo("rdp");
        assertThat(json().path("conversion").asString()).isEqualTo("improved");
        assertThat(json().path("unit").isNull()).isTrue();
        assertThat(json().path("inputs").get(0).path("steps").asLong()).isEqualTo(1000);
    }

    @Test
    void printsTheNumberWithDeltaAccountantAndMechanism() {
        int code = run("privacy", "epsilon", "--q", "0.01", "--sigma", "1.1", "--steps", "1000", "--delta", "1e-5");

        double expected = RdpAccountant.withDefaultOrders()
                .compose(new PrivacyEvent.SampledGaussian(0.01, 1.1, 1000))
                .epsilon(1e-5);
        assertThat(code).isZero();
        assertThat(out())
                .startsWith("ε = " + String.format(java.util.Locale.ROOT, "%.3f", expected) + " at δ = 1e-5")
                .contains(
                        "exact value   " + expected,
                        "RDP accountant with improved conversion",
                        "optimal order α =",
                        "sampled Gaussian q=0.01, σ=1.1, 1000 steps",
                        "unit-free");
    }

    @Test
    void computesWithPldAndTheClassicConversion() {
        run(
                "privacy",
                "epsilon",
                "--q",
                "0.01",
                "--sigma",
                "0.7",
                "--steps",
                "120",
                "--delta",
                "1e-5",
                "--accountant",
                "pld",
                "--format",
                "json");
        double pld = json().path("epsilon").asDouble();
        assertThat(pld)
                .isEqualTo(PldAccountant.create()
                        .compose(new PrivacyEvent.SampledGaussian(0.01, 0.7, 120))
                        .epsilon(1e-5));
        assertThat(pld).isCloseTo(2.4612381, org.assertj.core.data.Percentage.withPercentage(1e-4));

        cli.reset();
        run(
                "privacy",
                "epsilon",
                "--q",
                "0.0025",
                "--sigma",
                "1.3",
                "--steps",
                "6000",
                "--delta",
                "1e-5",
                "--conversion",
                "classic",
                "--format",
                "json");
        assertThat(json().path("epsilon").asDouble())
                .isEqualTo(RdpAccountant.withDefaultOrders()
                        .compose(new PrivacyEvent.SampledGaussian(0.0025, 1.3, 6000))
                        .epsilon(1e-5, Conversion.RDP_CLASSIC)
                        .value());
        assertThat(json().path("method").asString()).isEqualTo("RDP accountant with classic conversion");
    }

    @Test
    void composesRoundsOneAfterAnotherAsTheLedgerDoes() {
        var e = new PrivacyEvent.SampledGaussian(0.1, 1.1, 20);
        run(
                "privacy",
                "epsilon",
                "--q",
                "0.1",
                "--sigma",
                "1.1",
                "--steps",
                "20",
                "--rounds",
                "3",
                "--delta",
                "1e-5",
                "--format",
                "json");
        assertThat(json().path("epsilon").asDouble())
                .isEqualTo(RdpAccountant.withDefaultOrders()
                        .compose(e)
                        .compose(e)
                        .compose(e)
                        .epsilon(1e-5));
        assertThat(json().path("rounds").asLong()).isEqualTo(3);
    }

    @Test
    void recomputesAnExportedEventHistory(@TempDir Path dir) throws Exception {
        var a = new PrivacyEvent.SampledGaussian(0.1, 1.1, 20);
        var b = new PrivacyEvent.SampledGaussian(0.05, 1.3, 40);
        var history =
                EventHistory.empty(Unit.PATIENT).append("st-1/round-1/va", a).append("st-1/round-2/va", b);
        Path file = dir.resolve("history.json");
        Files.writeString(file, history.toCanonicalJson());

        int code = run("privacy", "epsilon", "--history", file.toString(), "--delta", "1e-5", "--format", "json");

        assertThat(code).isZero();
        assertThat(json().path("epsilon").asDouble())
                .isEqualTo(
                        RdpAccountant.withDefaultOrders().compose(a).compose(b).epsilon(1e-5));
        assertThat(json().path("unit").asString()).isEqualTo("patient");
        assertThat(json().path("inputs")).hasSize(2);
        assertThat(json().path("statement").asString()).contains("patient-level guarantee");
    }

    @Test
    void listsEveryMissingParameterAndExitsWithUsage() {
        int code = run("privacy", "epsilon", "--q", "2", "--accountant", "gdp");

        assertThat(code).isEqualTo(2);
        assertThat(err())
                .contains(
                        "cannot compute ε",
                        "--delta (δ of the statement, e.g. 1e-5) is required",
                        "--accountant must be rdp or pld",
                        "--q must be in (0, 1]",
                        "--sigma (noise multiplier, > 0) is required",
                        "--steps (compositions, >= 1) is required",
                        "cohort privacy epsilon --help");
        assertThat(out()).isEmpty();
    }

    @Test
    void explainsAHistoryFileThatIsMissingOrWrong(@TempDir Path dir) throws Exception {
        assertThat(run(
                        "privacy",
                        "epsilon",
                        "--history",
                        dir.resolve("nope.json").toString(),
                        "--delta",
                        "1e-5"))
                .isEqualTo(2);
        assertThat(err()).contains("no file", "historyJson");
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"unit\":\"PATIENT\"}");
        assertThat(run("privacy", "epsilon", "--history", bad.toString(), "--delta", "1e-5"))
                .isEqualTo(2);
        assertThat(err()).contains("is not an event history");
    }
}
