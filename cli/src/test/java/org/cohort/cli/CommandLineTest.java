package org.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * How the tool reads a command line (picocli, with the tool's number parsing and one-line usage
 * errors): the forms an option may take, help anywhere, and what a wrong command line prints.
 */
class CommandLineTest {
    private final CliRun cli = new CliRun();

    private JsonNode json() {
        return JsonMapper.builder().build().readTree(cli.out());
    }

    @Test
    void readsSpaceAndEqualsFormsAndUnderscoredWholeNumbers() {
        int code = cli.run(
                "privacy",
                "epsilon",
                "--q",
                "0.01",
                "--sigma=1.1",
                "--steps",
                "1_000",
                "--delta",
                " 1e-5",
                "--format",
                "json");

        assertThat(code).as(cli.err()).isZero();
        JsonNode input = json().path("inputs").get(0);
        assertThat(input.path("samplingRate").asDouble()).isEqualTo(0.01);
        assertThat(input.path("noiseMultiplier").asDouble()).isEqualTo(1.1);
        assertThat(input.path("steps").asLong()).isEqualTo(1000);
        assertThat(json().path("delta").asDouble()).isEqualTo(1e-5);
        assertThat(json().path("rounds").asLong()).isEqualTo(1);
    }

    @Test
    void refusesToSendTheTokenInClearToAnotherMachine() {
        assertThat(cli.run(
                        "sites",
                        "invite",
                        "Cleveland",
                        "--out",
                        "never-written.join",
                        "--coordinator",
                        "http://coordinator.example.org:8080",
                        "--token-file",
                        "no-such-file"))
                .isEqualTo(Cohort.USAGE);
        assertThat(cli.err()).contains("plain http to another machine", "https://", "COHORT_ALLOW_HTTP=1");
        assertThat(java.nio.file.Path.of("never-written.join")).doesNotExist();
    }

    @Test
    void acceptsNegativeNumbersAsValuesAndLeavesTheirRangeToTheCommand() {
        assertThat(cli.run("privacy", "epsilon", "--q", "-1", "--sigma", "1", "--steps", "1", "--delta", "1e-5"))
                .isEqualTo(Cohort.USAGE);
        assertThat(cli.err()).contains("--q must be in (0, 1], got -1");
    }

    @Test
    void recognisesHelpAnywhere() {
        assertThat(cli.run("privacy", "epsilon", "--q", "0.1", "--help")).isZero();
        assertThat(cli.out()).startsWith("Usage: cohort privacy epsilon").contains("--sigma=S", "noise multiplier");
        cli.reset();
        assertThat(cli.run("audit", "head", "-h")).isZero();
        assertThat(cli.out()).startsWith("Usage: cohort audit head").contains("--coordinator=URL", "--token-file=PATH");
        cli.reset();
        assertThat(cli.run("help")).isZero();
        assertThat(cli.out()).startsWith("Usage: cohort <command>");
    }

    @Test
    void listsEveryCommandByTheWordsThatRunIt() {
        assertThat(cli.run("--help")).isZero();
        assertThat(cli.out())
                .containsPattern("privacy epsilon +compute ε for q, σ, steps and δ")
                .containsPattern(
                        "privacy audit +audit a site's pipeline on real data: empirical ε lower bound L \\(95%\\)")
                .containsPattern("audit head +export the audit log's signed head")
                .containsPattern("report +export a study's privacy report");
    }

    @Test
    void namesAnUnknownOptionAndSuggestsTheNearestOne() {
        assertThat(cli.run("privacy", "epsilon", "--sigm", "1.1")).isEqualTo(Cohort.USAGE);
        assertThat(cli.err())
                .startsWith("cohort: Unknown option")
                .contains("'--sigm'", "(did you mean --sigma", "See: cohort privacy epsilon --help");
        assertThat(cli.out()).isEmpty();
    }

    @Test
    void refusesAnOptionWithoutItsValue() {
        assertThat(cli.run("privacy", "epsilon", "--q", "--sigma", "1")).isEqualTo(Cohort.USAGE);
        assertThat(cli.err()).contains("Expected parameter for option '--q' but found '--sigma'");
        cli.reset();
        assertThat(cli.run("privacy", "epsilon", "--delta")).isEqualTo(Cohort.USAGE);
        assertThat(cli.err()).contains("Missing required parameter for option '--delta' (D)");
    }

    @Test
    void refusesRepeatedOptionsAndStrayWords() {
        assertThat(cli.run("privacy", "epsilon", "--q", "1", "--q", "2")).isEqualTo(Cohort.USAGE);
        assertThat(cli.err()).contains("option '--q' (Q) should be specified only once");
        cli.reset();
        assertThat(cli.run("privacy", "epsilon", "0.01")).isEqualTo(Cohort.USAGE);
        assertThat(cli.err()).contains("Unmatched argument", "'0.01'");
    }

    @Test
    void explainsNumbersThatAreNotNumbers() {
        assertThat(cli.run("privacy", "epsilon", "--q", "one")).isEqualTo(Cohort.USAGE);
        assertThat(cli.err()).contains("Invalid value for option '--q': 'one' is not a number");
        cli.reset();
        assertThat(cli.run("privacy", "epsilon", "--steps", "1.5")).isEqualTo(Cohort.USAGE);
        assertThat(cli.err()).contains("Invalid value for option '--steps': '1.5' is not a whole number");
        cli.reset();
        assertThat(cli.run("privacy", "epsilon", "--sigma", "NaN")).isEqualTo(Cohort.USAGE);
        assertThat(cli.err()).contains("'NaN' is not a number");
    }

    @Test
    void printsItsVersion() {
        assertThat(cli.run("--version")).isZero();
        assertThat(cli.out()).startsWith("cohort ").contains("Java ");
    }
}
