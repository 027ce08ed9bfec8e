package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/kubernetes parsed as YAML and checked for what the coordinator and the agent need: the
 * ports, the probes on the actuator's paths, the database from a Secret, the shared data
 * directory, the cluster port closed to all but the replicas, a non-root read-only container. No
 * Kubernetes tooling is installable here, so neither schema validation nor an apply is done.
 */
class KubernetesManifestsTest {
    private static final Path DIR = Path.of("..", "deploy", "kubernetes");

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> documents(String file) throws IOException {
        var out = new ArrayList<Map<String, Object>>();
        for (Object doc : new Yaml().loadAll(Files.readString(DIR.resolve(file)))) {
            out.add((Map<String, Object>) doc);
        }
        return out;
    }

    private static Map<String, Object> kind(List<Map<String, Object>> docs, String kind) {
        return docs.stream()
                .filter(d -> kind.equals(d.get("kind")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind));
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Object node, String... path) {
        Object n = node;
        for (String key : path) {
            n = key.matches("\\d+")
                    ? ((List<Object>) n).get(Integer.parseInt(key))
                    : ((Map<String, Object>) n).get(key);
            assertThat(n).as(String.join(".", path) + " at " + key).isNotNull();
        }
        return (T) n;
    }

    @Test
    void coordinatorReplicasHaveTheirPortsProbesDatabaseAndSharedData() throws IOException {
        var docs = documents("coordinator.yaml");
        var set = kind(docs, "StatefulSet");
        assertThat((Integer) at(set, "spec", "replicas")).isEqualTo(3);
        Map<String, Object> container = at(set, "spec", "template", "spec", "containers", "0");
        assertThat(at(container, "ports").toString())
                .contains("containerPort=8080", "containerPort=9443", "containerPort=5701");
        assertThat((String) at(container, "livenessProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
        assertThat((String) at(container, "readinessProbe", "httpGet", "path")).isEqualTo("/actuator/health/readiness");
        String env = at(container, "env").toString();
        assertThat(env)
                .contains(
                        "SPRING_DATASOURCE_URL",
                        "secretKeyRef={name=cohort-postgres, key=url}",
                        "COHORT_DATASOURCE_PASSWORD_FILE",
                        "COHORT_KEYSTORE_PASSWORD_FILE",
                        "SERVER_ADDRESS",
                        "COHORT_COORDINATOR_CLUSTER_BINDADDRESS",
                        "cohort-coordinator-2.cohort-coordinator-cluster:5701");
        assertThat(env).doesNotContain("SPRING_DATASOURCE_PASSWORD");
        // Both password files are mounted from Secrets where their variables point.
        String mounts = at(container, "volumeMounts").toString();
        assertThat(mounts).contains("mountPath=/var/lib/cohort", "mountPath=/etc/cohort-db", "/etc/cohort-secrets");
        String volumes = at(set, "spec", "template", "spec", "volumes").toString();
        assertThat(volumes)
                .contains("secretName=cohort-postgres", "key=password, path=password", "secretName=cohort-ca-password");
        assertThat(env).contains("value=/etc/cohort-db/password", "value=/etc/cohort-secrets/ca-password");
        assertThat(at(container, "args").toString()).contains("--cohort.coordinator.data-dir=/var/lib/cohort");
        assertThat((Boolean) at(container, "securityContext", "readOnlyRootFilesystem"))
                .isTrue();
        assertThat((Boolean) at(set, "spec", "template", "spec", "securityContext", "runAsNonRoot"))
                .isTrue();
        assertThat(at(kind(docs, "PersistentVolumeClaim"), "spec", "accessModes")
                        .toString())
                .contains("ReadWriteMany");
        // The headless service gives each replica the DNS name its peers list.
        var headless = docs.stream()
                .filter(d ->
                        "Service".equals(d.get("kind")) && "None".equals(((Map<?, ?>) d.get("spec")).get("clusterIP")))
                .findFirst()
                .orElseThrow();
        assertThat((String) at(headless, "metadata", "name")).isEqualTo(at(set, "spec", "serviceName"));
    }

    /**
     * No password, token or key is written into a manifest: no Secret object with data (the
     * operator creates those from a secrets manager), no secret-looking environment variable with a
     * literal value (only {@code *_FILE} paths and {@code secretKeyRef}s), and no
     * {@code password=...}/{@code token: ...} anywhere in the text.
     */
    @Test
    void noManifestHoldsALiteralSecret() throws IOException {
        var secretName = java.util.regex.Pattern.compile("(?i).*(PASSWORD|TOKEN|SECRET|CREDENTIAL|KEY).*");
        try (var files = Files.list(DIR)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                String name = file.getFileName().toString();
                for (var doc : documents(name)) {
                    assertThat(doc.get("kind")).as(name).isNotEqualTo("Secret");
                    for (var env : envEntries(doc)) {
                        String variable = String.valueOf(env.get("name"));
                        if (secretName.matcher(variable).matches() && env.containsKey("value")) {
                            assertThat(variable)
                                    .as(name + ": " + variable + " has a literal value")
                                    .endsWith("_FILE");
                            assertThat(String.valueOf(env.get("value")))
                                    .as(name + ": " + variable)
                                    .startsWith("/");
                        }
                    }
                }
                assertThat(Files.readString(file))
                        .as(name)
                        .doesNotContainPattern(
                                "(?im)^[ \\t-]*[\\w.]*(password|token)[\\w.-]*[ \\t]*[=:][ \\t]*[^\\s{#]")
                        .doesNotContainPattern("(?i)(stringData|\\bdata):")
                        .doesNotContain("change-me");
            }
        }
        // The template beside them carries no filled-in token either.
        assertThat(Files.readString(DIR.resolve("agent.properties")))
                .doesNotContainPattern("(?m)^enrollment\\.token=\\S");
    }

    /** Every {@code env} entry of every container and init container in a document. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> envEntries(Object node) {
        var out = new ArrayList<Map<String, Object>>();
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                if ("env".equals(k) && v instanceof List<?> list) {
                    list.forEach(e -> out.add((Map<String, Object>) e));
                } else {
                    out.addAll(envEntries(v));
                }
            });
        } else if (node instanceof List<?> list) {
            list.forEach(v -> out.addAll(envEntries(v)));
        }
        return out;
    }

    @Test
    void theRestPortIsNeverPublishedWithTheAgentPort() throws IOException {
        var services = documents("coordinator.yaml").stream()
                .filter(d -> "Service".equals(d.get("kind")))
                .toList();
        for (var service : services) {
            String ports = at(service, "spec", "ports").toString();
            assertThat(ports.contains("port=9443") && ports.contains("port=8080"))
                    .as(service.toString())
                    .isFalse();
        }
    }

    @Test
    void onlyReplicasReachTheClusterPort() throws IOException {
        var policy = kind(documents("coordinator.yaml"), "NetworkPolicy");
        List<Map<String, Object>> rules = at(policy, "spec", "ingress");
        for (var rule : rules) {
            boolean clusterPort = rule.get("ports").toString().contains("port=5701");
            if (clusterPort) {
                assertThat(at(rule, "from", "0", "podSelector", "matchLabels").toString())
                        .contains("app.kubernetes.io/name=cohort-coordinator");
            }
            if (!rule.containsKey("from")) {
                assertThat(rule.get("ports").toString())
                        .as("a rule open to all")
                        .doesNotContain("5701")
                        .as("the REST port carries bearer tokens in plain HTTP")
                        .doesNotContain("8080");
            }
        }
    }

    @Test
    void theAgentChecksItsConfigurationThenRunsOnPersistentWorkAndReadOnlyData() throws IOException {
        var docs = documents("agent.yaml");
        var deployment = kind(docs, "Deployment");
        assertThat((Integer) at(deployment, "spec", "replicas")).isEqualTo(1);
        assertThat((String) at(deployment, "spec", "strategy", "type")).isEqualTo("Recreate");
        Map<String, Object> check = at(deployment, "spec", "template", "spec", "initContainers", "0");
        assertThat(at(check, "args").toString()).contains("check", "/etc/cohort/agent.properties");
        Map<String, Object> agent = at(deployment, "spec", "template", "spec", "containers", "0");
        assertThat(at(agent, "args").toString()).contains("--config", "/etc/cohort/agent.properties");
        String mounts = at(agent, "volumeMounts").toString();
        assertThat(mounts).contains("mountPath=/var/lib/cohort-agent", "mountPath=/data, readOnly=true");
        // The configuration comes from a Secret made from the template beside the manifests; the
        // template parses as the agent reads it: work.dir and data.path match the mounts.
        assertThat(at(deployment, "spec", "template", "spec", "volumes").toString())
                .contains("secretName=cohort-agent-config");
        String properties = Files.readString(DIR.resolve("agent.properties"));
        assertThat(properties).contains("work.dir=/var/lib/cohort-agent", "data.path=/data/site.csv");
        assertThat(properties).containsPattern("(?m)^enrollment\\.token=$");
        Path file = Files.createTempFile("agent", ".properties");
        try {
            Files.writeString(file, properties);
            var config = org.cohort.agent.AgentConfig.load(file);
            assertThat(config.workDir()).isEqualTo(Path.of("/var/lib/cohort-agent"));
        } finally {
            Files.delete(file);
        }
    }
}
