package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's command line: init writes a template that parses as written, check says what to fix. */
class AgentCommandTest {
    @TempDir
    Path dir;

    @Test
    void initWritesATemplateThatParsesAsWrittenAndNeverOverwrites() throws Exception {
        Path file = dir.resolve("agent.properties");
        assertThat(AgentCommand.execute("init", "--out", file.toString())).isZero();
        AgentConfig config = AgentConfig.load(file);
        assertThat(config.coordinatorAddresses()).containsExactly("coordinator.example.org:9443");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .as("it will hold the enrollment token")
                .isEqualTo("rw-------");
        assertThat(config.acceptedStudies()).isEmpty();
        Files.writeString(file, "site.name=kept\n");
        assertThat(AgentCommand.execute("init", "--out", file.toString())).isEqualTo(1);
        assertThat(Files.readString(file)).isEqualTo("site.name=kept\n");
    }

    @Test
    void theLeanAgentsInitTurnsTheExternalTrainerOnUnlessTheWorkersPathHasSpaces() throws Exception {
        String template = AgentCommand.template();
        assertThat(InitValues.externalTrainer(template, Path.of("/opt/cohort-lean/trainers/pytorch/w.py")))
                .contains("\ntrainer.kind=external\ntrainer.command=python3 /opt/cohort-lean/trainers/pytorch/w.py\n");
        // trainer.command splits on spaces: such a path is the admin's to quote by moving it, not init's to break.
        assertThat(InitValues.externalTrainer(template, Path.of("/opt/my cohort/w.py")))
                .contains("\ntrainer.kind=external\n#trainer.command=")
                .doesNotContain("my cohort");
        assertThat(InitValues.externalTrainer(template, Path.of("/opt/c\\d/w.py")))
                .contains("\ntrainer.kind=external\n#trainer.command=")
                .doesNotContain("c\\d");
    }

    @Test
    void initWithAJoinCodeWritesAFilledInConfigurationThatKeepsTheTemplatesComments() throws Exception {
        String token = "cohort1.AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
        String fingerprint = "sha256:" + "cd".repeat(32);
        Path join = Files.writeString(
                dir.resolve("cleveland.join"),
                new org.cohort.protocol.JoinCode(
                                        "Cleveland", java.util.List.of("c1:9443", "c2:9443"), fingerprint, token)
                                .encode()
                        + "\n");
        Path file = dir.resolve("agent.properties");
        var out = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(AgentCommand.execute(
                            "init",
                            "--join",
                            join.toString(),
                            "--data",
                            dir.resolve("heart.csv").toString(),
                            "--work-dir",
                            dir.resolve("work").toString(),
                            "--out",
                            file.toString()))
                    .isZero();
        } finally {
            System.setOut(stdout);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain(token);
        AgentConfig config = AgentConfig.load(file);
        assertThat(config.siteName()).isEqualTo("Cleveland");
        assertThat(config.coordinatorAddresses()).containsExactly("c1:9443", "c2:9443");
        assertThat(config.caFingerprint()).isEqualTo(fingerprint);
        assertThat(config.enrollmentToken()).isEqualTo(token);
        assertThat(config.dataPath()).isEqualTo(dir.resolve("heart.csv"));
        assertThat(config.workDir()).isEqualTo(dir.resolve("work"));
        assertThat(Files.readString(file)).contains("# Keys, ledger, pinned terms and logs (kept 0700).");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
    }

    @Test
    void initRefusesAJoinCodeForAnotherCaThanTheAdminExpects() throws Exception {
        Path join = Files.writeString(
                dir.resolve("phished.join"),
                new org.cohort.protocol.JoinCode(
                                "Cleveland",
                                java.util.List.of("evil.example.net:9443"),
                                "sha256:" + "ee".repeat(32),
                                "cohort1.AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB")
                        .encode());
        Path file = dir.resolve("agent.properties");
        assertThat(AgentCommand.execute(
                        "init",
                        "--join",
                        join.toString(),
                        "--expect-ca",
                        "sha256:" + "cd".repeat(32),
                        "--out",
                        file.toString()))
                .isEqualTo(1);
        assertThat(file).doesNotExist();
    }

    @Test
    void initNeverFollowsALinkPlantedWhereItWrites() throws Exception {
        Path target = Files.writeString(dir.resolve("elsewhere"), "kept\n");
        Path link = Files.createSymbolicLink(dir.resolve("agent.properties"), target);
        assertThat(AgentCommand.execute("init", "--out", link.toString())).isEqualTo(1);
        assertThat(Files.readString(target)).isEqualTo("kept\n");
        Files.delete(target); // a dangling link: still refused, nothing created through it
        assertThat(AgentCommand.execute("init", "--out", link.toString())).isEqualTo(1);
        assertThat(target).doesNotExist();
    }

    @Test
    void initRefusesADamagedOrMissingJoinCodeAndWritesNothing() throws Exception {
        Path file = dir.resolve("agent.properties");
        Path damaged = Files.writeString(dir.resolve("bad.join"), "cohort-join1.not-base64!\n");
        assertThat(AgentCommand.execute("init", "--join", damaged.toString(), "--out", file.toString()))
                .isEqualTo(2);
        assertThat(AgentCommand.execute(
                        "init", "--join", dir.resolve("missing.join").toString(), "--out", file.toString()))
                .isEqualTo(2);
        assertThat(file).doesNotExist();
    }

    @Test
    void checkFailsTheTemplateAsWrittenAndSaysWhatToFix() throws Exception {
        Path file = dir.resolve("agent.properties");
        Files.writeString(
                file,
                AgentCommand.template()
                        .replace("/var/lib/cohort-agent", dir.resolve("work").toString()));
        var verdicts = AgentCheck.run(file, Duration.ofSeconds(1));
        assertThat(verdicts).anySatisfy(v -> assertThat(v.line()).startsWith("  ok    configuration"));
        assertThat(verdicts)
                .anySatisfy(v ->
                        assertThat(v.line()).startsWith("  FAIL  data file").contains("/data/site.csv does not exist"));
        assertThat(verdicts)
                .anySatisfy(v -> assertThat(v.line())
                        .startsWith("  FAIL  enrollment")
                        .contains("ask the coordinator's operator"));
        assertThat(verdicts).anySatisfy(v -> assertThat(v.line()).startsWith("  ok    work directory"));
        assertThat(dir.resolve("work")).as("a check creates nothing").doesNotExist();
        assertThat(verdicts).anySatisfy(v -> assertThat(v.line()).startsWith("  ok    ND4J backend"));
        assertThat(AgentCommand.execute("check", "--config", file.toString(), "--timeout", "1"))
                .isEqualTo(1);
    }

    @Test
    void checkPassesAFilledInConfigurationExceptForAnUnreachableCoordinator() throws Exception {
        Path data = Files.writeString(dir.resolve("site.csv"), "age,num\n61,1\n");
        Path file = dir.resolve("agent.properties");
        Files.writeString(
                file,
                AgentCommand.template()
                        .replace("/var/lib/cohort-agent", dir.resolve("work").toString())
                        .replace("/data/site.csv", data.toString())
                        .replace("coordinator.example.org:9443", "127.0.0.1:1")
                        .replace("coordinator.ca-fingerprint=", "coordinator.ca-fingerprint=sha256:" + "ab".repeat(32))
                        .replace("enrollment.token=", "enrollment.token=cohort1.x"));
        var verdicts = AgentCheck.run(file, Duration.ofSeconds(1));
        assertThat(verdicts)
                .filteredOn(v -> !v.ok())
                .singleElement()
                .satisfies(v -> assertThat(v.line())
                        .startsWith("  FAIL  coordinator 127.0.0.1:1")
                        .contains("no TLS connection"));
    }

    @Test
    void checkStartsAnExternalTrainerOnceAndSaysWhyItCannot(@TempDir Path dir) throws Exception {
        Path data = Files.writeString(dir.resolve("site.csv"), "age,outcome\n50,1\n");
        Path file = dir.resolve("agent.properties");
        Files.writeString(
                file,
                "coordinator.addresses=127.0.0.1:1\ndata.path=" + data + "\nwork.dir=" + dir.resolve("work")
                        + "\ntrainer.kind=external\ntrainer.command=/bin/false\n");
        var verdicts = AgentCheck.run(file, Duration.ofSeconds(1));
        assertThat(verdicts)
                .filteredOn(v -> v.what().equals("trainer"))
                .singleElement()
                .satisfies(v -> assertThat(v.line())
                        .startsWith("  FAIL  trainer: the external trainer (trainer.command) cannot start")
                        .contains("exited with status 1 before it listened"));
        assertThat(dir.resolve("work")).as("a check creates nothing").doesNotExist();
    }

    @Test
    void versionAndHelpAnswerWithoutAConfiguration() {
        var out = new ByteArrayOutputStream();
        var original = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(AgentCommand.execute("--version")).isZero();
            assertThat(AgentCommand.execute("--help")).isZero();
        } finally {
            System.setOut(original);
        }
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("cohort-agent " + SiteAgent.VERSION, "init", "check", "--config");
    }

    @Test
    void checkSaysAnEnrollmentWhoseAnswerWasLostIsSentAgainWithTheSameKeys() throws Exception {
        Path work = dir.resolve("work");
        PendingEnrollmentKeys.loadOrCreate(
                work, "cohort1.AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB");
        Path file = Files.writeString(
                dir.resolve("agent.properties"),
                "coordinator.addresses=localhost:1\ndata.path=" + dir.resolve("site.csv") + "\nwork.dir=" + work
                        + "\nenrollment.token=cohort1.AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
                        + "\ncoordinator.ca-fingerprint=sha256:" + "cd".repeat(32) + "\n");
        assertThat(AgentCheck.run(file, Duration.ofSeconds(1)))
                .anySatisfy(v -> assertThat(v.line())
                        .contains("enrollment")
                        .contains("its answer not received")
                        .contains("pending-enrollment.keys"));
    }
}
