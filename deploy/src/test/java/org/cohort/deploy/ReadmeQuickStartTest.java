package org.cohort.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the README's quick start as written: the blocks marked {@code <!-- readme-test: NAME -->}
 * are taken from README.md byte for byte and run by bash, in order, in a scratch directory that
 * holds the built programs and the shared data where the README says they are. The coordinator
 * and the agent start, enroll, and the study completes; the hospital's block is counted against
 * the number of actions its marker declares (at most three).
 *
 * <p>The build block ({@code mvn -B -DskipTests install}) is checked for its text but not run: this
 * test runs inside that build, after the programs were packaged.
 */
class ReadmeQuickStartTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final int MOST_HOSPITAL_ACTIONS = 3;

    @Test
    void theHospitalInstallTakesAtMostThreeActions() throws IOException {
        var blocks = ReadmeBlocks.parse(Files.readString(REPO.resolve("README.md")));
        var hospital = ReadmeBlocks.named(blocks, "hospital");

        assertThat(hospital.declaredActions()).isNotNull().isLessThanOrEqualTo(MOST_HOSPITAL_ACTIONS);
        assertThat(hospital.commands()).hasSize(hospital.declaredActions());
        assertThat(ReadmeBlocks.named(blocks, "build").commands()).containsExactly("mvn -B -DskipTests install");
    }

    @Test
    @Timeout(900)
    void theQuickStartRunsAsWritten(@TempDir Path scratch) throws Exception {
        Path coordinatorJar = REPO.resolve("coordinator/target/cohort-coordinator-exec.jar");
        Path agentJar = REPO.resolve("site-agent/target/cohort-agent-exec.jar");
        Path cliJar = REPO.resolve("cli/target/cohort-cli.jar");
        assumeTrue(
                Files.exists(coordinatorJar) && Files.exists(agentJar) && Files.exists(cliJar),
                "the programs are not packaged: run the README's quick start test from `mvn -B verify` at the root");
        Path shared = sharedData();
        assumeTrue(
                shared != null,
                "no ../shared/datasets/fed-heart-disease: the quick start reads the Heart Disease"
                        + " data from there (set COHORT_SHARED to the folder holding datasets/)");
        for (int port : new int[] {8080, 9443}) {
            assertThat(free(port))
                    .as("port " + port + " is in use; the quick start uses the default ports 8080 and 9443")
                    .isTrue();
        }

        var blocks = ReadmeBlocks.parse(Files.readString(REPO.resolve("README.md")));
        Path root = scratch.resolve("cohort");
        Files.createDirectories(root.resolve("deploy"));
        for (String module : List.of("coordinator", "site-agent", "cli", "deploy/quickstart")) {
            Files.createSymbolicLink(root.resolve(module), REPO.resolve(module));
        }
        Files.createSymbolicLink(scratch.resolve("shared"), shared);

        // Each block after the previous one, timed; one shell, so $STUDY and background jobs carry over.
        var script = new StringBuilder("set -euo pipefail\n");
        for (String name : List.of("operator", "hospital", "study")) {
            var block = ReadmeBlocks.named(blocks, name);
            script.append("echo \"### ").append(name).append(" block: $SECONDS s\"\n");
            script.append(block.text()).append('\n');
        }
        script.append("echo \"### done: $SECONDS s\"\n");
        Path scriptFile = scratch.resolve("quickstart.sh");
        Files.writeString(scriptFile, script);
        Path output = scratch.resolve("quickstart.out");

        var pb = new ProcessBuilder("setsid", "bash", scriptFile.toString())
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        String javaBin = Path.of(System.getProperty("java.home"), "bin").toString();
        pb.environment().put("PATH", javaBin + ":" + System.getenv("PATH"));
        pb.environment().remove("COHORT_TOKEN");
        pb.environment().remove("COHORT_COORDINATOR");
        pb.environment().remove("COHORT_DATA_DIR");
        Instant started = Instant.now();
        Process shell = pb.start();
        boolean ended = false;
        try {
            ended = shell.waitFor(8, TimeUnit.MINUTES);
        } finally {
            // setsid made the shell a process group leader: the coordinator and the agent it started
            // in the background are in its group, and get SIGTERM, as an operator's kill would send.
            stopGroup(shell.pid());
        }
        String printed = Files.readString(output);
        String logs = tail(root.resolve("coordinator.log")) + tail(root.resolve("cleveland.log"));
        System.out.println(printed);
        System.out.println(
                "quick start took " + Duration.between(started, Instant.now()).toSeconds() + " s");
        assertThat(ended)
                .as("the quick start did not end in 8 minutes:\n" + printed + logs)
                .isTrue();
        assertThat(shell.exitValue())
                .as("the quick start failed:\n" + printed + logs)
                .isZero();
        assertThat(printed)
                .contains("wrote cleveland.join", "ready: start it with", "COMPLETED: 2 of 2 rounds")
                .contains("per patient");
        for (String secretFile : List.of("cleveland.join", "cleveland.properties")) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(root.resolve(secretFile))))
                    .as(secretFile + " holds the enrollment token")
                    .isEqualTo("rw-------");
        }
        // The token, and the join code that carries it, appear in no output, log or review.
        String token = Files.readAllLines(root.resolve("cleveland.properties")).stream()
                .filter(line -> line.startsWith("enrollment.token="))
                .map(line -> line.substring("enrollment.token=".length()))
                .findFirst()
                .orElseThrow();
        assertThat(token).startsWith("cohort1.");
        for (Path written : List.of(
                output,
                root.resolve("coordinator.log"),
                root.resolve("cleveland.log"),
                root.resolve("cleveland-review.txt"))) {
            assertThat(Files.readString(written))
                    .as(written.getFileName().toString())
                    .doesNotContain(token)
                    .doesNotContain("cohort-join1.");
        }
    }

    private static Path sharedData() {
        List<Path> candidates = new ArrayList<>();
        if (System.getenv("COHORT_SHARED") != null) {
            candidates.add(Path.of(System.getenv("COHORT_SHARED")));
        }
        candidates.add(REPO.resolve("../shared"));
        candidates.add(REPO.resolve("../../shared")); // a git worktree one level further down
        return candidates.stream()
                .map(p -> p.toAbsolutePath().normalize())
                .filter(p -> Files.exists(p.resolve("datasets/fed-heart-disease/processed.cleveland.data")))
                .findFirst()
                .orElse(null);
    }

    private static boolean free(int port) {
        try (var socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void stopGroup(long pgid) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-TERM", "--", "-" + pgid)
                .redirectErrorStream(true)
                .start()
                .waitFor(10, TimeUnit.SECONDS);
        // Give the JVMs their clean shutdown, then make sure nothing is left holding the ports.
        for (int i = 0; i < 60 && groupAlive(pgid); i++) {
            Thread.sleep(500);
        }
        new ProcessBuilder("kill", "-KILL", "--", "-" + pgid)
                .redirectErrorStream(true)
                .start()
                .waitFor(10, TimeUnit.SECONDS);
    }

    private static boolean groupAlive(long pgid) throws IOException, InterruptedException {
        Process probe = new ProcessBuilder("kill", "-0", "--", "-" + pgid)
                .redirectErrorStream(true)
                .start();
        return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0;
    }

    private static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "\n(no " + log.getFileName() + ")";
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return "\n--- last lines of " + log.getFileName() + " ---\n"
                + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
