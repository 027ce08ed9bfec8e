package org.cohort.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.cohort.client.CoordinatorClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The images as an operator and a hospital run them: one coordinator container and one agent
 * container (read-only root filesystems, host network, state on volumes) enroll and complete a
 * two-round study on the Cleveland Heart Disease data. Skips, saying why, where Docker is not
 * reachable or {@code deploy/images/build.sh} has not built the images: building them takes
 * minutes, which a test run does not spend.
 */
class ContainerFederationTest {
    private static final String TAG =
            System.getProperty("cohort.project.version", "0.1.0-SNAPSHOT").replace("-SNAPSHOT", "");
    private static final String COORDINATOR_IMAGE = "cohort-coordinator:" + TAG;
    private static final String AGENT_IMAGE = "cohort-agent:" + TAG;
    /** ND4J loads its natives from the javacpp cache under /tmp, so the tmpfs must allow exec. */
    private static final Map<String, String> TMP = Map.of("/tmp", "rw,exec,nosuid,nodev,size=512m");

    private static final int ROUNDS = 2;

    @Test
    @Timeout(900)
    void coordinatorAndAgentImagesCompleteATwoRoundStudy(@TempDir Path dir) throws Exception {
        assumeTrue(dockerReachable(), "Docker is not reachable: start a Docker daemon to run the image test");
        assumeTrue(
                imageBuilt(COORDINATOR_IMAGE) && imageBuilt(AGENT_IMAGE),
                COORDINATOR_IMAGE + " or " + AGENT_IMAGE + " is not built: run deploy/images/build.sh");
        Optional<Path> data = heartDiseaseFile("cleveland");
        assumeTrue(
                data.isPresent(),
                "no processed.cleveland.data in ../shared/datasets/fed-heart-disease: set COHORT_HEART_DATA");

        int restPort = freePort();
        int agentPort = freePort();
        var coordinatorLog = new StringBuffer();
        var agentLog = new StringBuffer();
        Instant started = Instant.now();
        try (var coordinator = hardened(COORDINATOR_IMAGE, coordinatorLog)
                .withEnv("COHORT_KEYSTORE_PASSWORD", randomSecret())
                .withCommand(
                        "--cohort.coordinator.data-dir=/var/lib/cohort",
                        "--server.port=" + restPort,
                        "--cohort.coordinator.grpc-address=127.0.0.1",
                        "--cohort.coordinator.grpc-port=" + agentPort,
                        "--cohort.coordinator.cluster.port=" + freePort(),
                        "--cohort.coordinator.cluster.name=cohort-image-test")
                .waitingFor(Wait.forLogMessage(".*Started CoordinatorApplication.*", 1)
                        .withStartupTimeout(Duration.ofMinutes(5)))) {
            coordinator.start();
            String admin = coordinator
                    .execInContainer("cat", "/var/lib/cohort/admin-token")
                    .getStdout()
                    .strip();
            var api = CoordinatorClient.connect(URI.create("http://127.0.0.1:" + restPort), admin);
            System.out.printf(
                    "coordinator image ready after %d s%n",
                    Duration.between(started, Instant.now()).toSeconds());

            String studyId = api.studies().create(studySpec()).get("studyId").asString();
            JsonNode token = api.enrollment().token("cleveland", Duration.ofMinutes(30));
            Path config = dir.resolve("agent.properties");
            Files.writeString(
                    config,
                    String.join(
                            "\n",
                            "site.name=cleveland",
                            "coordinator.addresses=localhost:" + agentPort,
                            "coordinator.ca-fingerprint="
                                    + token.get("caFingerprint").asString(),
                            "enrollment.token=" + token.get("token").asString(),
                            "data.path=/data/site.data",
                            "work.dir=/var/lib/cohort-agent",
                            "studies.accepted=" + studyId,
                            "study." + studyId + ".training-examples=" + declaredTrainingExamples(data.get()),
                            api.studies().terms(studyId).get("agentProperty").asString(),
                            ""));

            try (var agent = hardened(AGENT_IMAGE, agentLog)
                    .withFileSystemBind(config.toString(), "/etc/cohort/agent.properties", BindMode.READ_ONLY)
                    .withFileSystemBind(data.get().toString(), "/data/site.data", BindMode.READ_ONLY)) {
                Instant agentStarted = Instant.now();
                agent.start();
                awaitConnected(api, coordinatorLog, agentLog);
                System.out.printf(
                        "agent image enrolled and connected %d s after docker run%n",
                        Duration.between(agentStarted, Instant.now()).toSeconds());
                Instant studyStarted = Instant.now();
                api.studies().start(studyId);
                JsonNode study = awaitEnd(api, studyId, Duration.ofMinutes(8));
                String logs = "\n--- coordinator ---\n" + tail(coordinatorLog) + "\n--- agent ---\n" + tail(agentLog);
                assertThat(study.get("status").asString())
                        .as("study %s: %s%s", studyId, study, logs)
                        .isEqualTo("COMPLETED");
                List<JsonNode> trained = api.studies()
                        .rounds(studyId)
                        .valueStream()
                        .filter(r -> r.get("kind").asString().equals("TRAIN"))
                        .filter(r -> r.get("status").asString().equals("COMPLETED"))
                        .toList();
                assertThat(trained)
                        .as("completed training rounds in the history%s", logs)
                        .hasSize(ROUNDS);
                assertThat(trained)
                        .allSatisfy(r -> assertThat(r.get("reported").size()).isEqualTo(1));
                System.out.printf(
                        "two-round study %s completed %d s after its start (%d s in all)%n",
                        studyId,
                        Duration.between(studyStarted, Instant.now()).toSeconds(),
                        Duration.between(started, Instant.now()).toSeconds());
            }
        }
    }

    /** A container as deploy/ runs them: host network, read-only root, no capabilities, exec tmpfs at /tmp. */
    private static GenericContainer<?> hardened(String image, StringBuffer log) {
        return new GenericContainer<>(DockerImageName.parse(image))
                .withNetworkMode("host")
                .withTmpFs(TMP)
                .withEnv("JAVA_TOOL_OPTIONS", "-Xmx1g -XX:+UseSerialGC")
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                        .withReadonlyRootfs(true)
                        .withCapDrop(com.github.dockerjava.api.model.Capability.ALL)
                        .withSecurityOpts(List.of("no-new-privileges:true")))
                .withLogConsumer(frame -> log.append(frame.getUtf8String()));
    }

    /** The compose study (Heart Disease, logistic regression) without DP or SecAgg, one site, two rounds. */
    private static Map<String, Object> studySpec() throws IOException {
        var json = JsonMapper.builder().build();
        var spec = (ObjectNode) json.readTree(Files.readString(deployDir().resolve("compose/study.json")));
        spec.put("name", "image-test");
        spec.put("rounds", ROUNDS);
        spec.put("minSites", 1);
        spec.put("roundTimeoutSeconds", 180);
        spec.remove("privacy");
        spec.remove("secureAggregation");
        spec.withObject("/plan").put("localEpochs", 5);
        return json.convertValue(spec, Map.class);
    }

    /** Rows without a missing value in the columns the study keeps, times (1 − testFraction). */
    private static long declaredTrainingExamples(Path data) throws IOException {
        try (Stream<String> lines = Files.lines(data)) {
            long complete = lines.filter(l -> !l.isBlank())
                    .filter(l -> Stream.of(l.split(",")).limit(10).noneMatch("?"::equals))
                    .count();
            return Math.round(complete * 0.75);
        }
    }

    private static void awaitConnected(CoordinatorClient api, StringBuffer coordinatorLog, StringBuffer agentLog)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(4));
        while (Instant.now().isBefore(deadline)) {
            for (JsonNode s : api.sites().list()) {
                if (s.get("connected").asBoolean()) {
                    return;
                }
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("the agent did not connect within 4 minutes\n--- coordinator ---\n"
                + tail(coordinatorLog) + "\n--- agent ---\n" + tail(agentLog));
    }

    private static JsonNode awaitEnd(CoordinatorClient api, String studyId, Duration timeout)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        JsonNode study = api.studies().get(studyId);
        while (Instant.now().isBefore(deadline)) {
            study = api.studies().get(studyId);
            String status = study.get("status").asString();
            if (!status.equals("RUNNING") && !status.equals("CREATED")) {
                return study;
            }
            Thread.sleep(1000);
        }
        return study;
    }

    private static boolean dockerReachable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static boolean imageBuilt(String image) {
        try {
            DockerClientFactory.instance().client().inspectImageCmd(image).exec();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** deploy/ of this checkout (Maven runs the test in it; an IDE may run it from the repository root). */
    private static Path deployDir() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isDirectory(here.resolve("compose")) ? here : here.resolve("deploy");
    }

    private static Optional<Path> heartDiseaseFile(String centre) {
        String file = "processed." + centre + ".data";
        String fromEnv = System.getenv("COHORT_HEART_DATA");
        Path repo = deployDir().getParent();
        return Stream.of(
                        fromEnv == null ? null : Path.of(fromEnv),
                        repo.resolve("../shared/datasets/fed-heart-disease"),
                        repo.resolve("shared/datasets/fed-heart-disease"))
                .filter(d -> d != null && Files.isReadable(d.resolve(file)))
                .map(d -> d.resolve(file).toAbsolutePath().normalize())
                .findFirst();
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String randomSecret() {
        var bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static String tail(StringBuffer log) {
        return log.length() <= 6000 ? log.toString() : log.substring(log.length() - 6000);
    }
}
