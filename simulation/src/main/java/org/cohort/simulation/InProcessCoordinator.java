package org.cohort.simulation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.cohort.client.CoordinatorClient;
import org.cohort.coordinator.CoordinatorApplication;
import org.cohort.coordinator.grpc.GrpcServer;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real coordinator (Spring Boot, gRPC with mutual TLS, Hazelcast, H2) started inside this
 * JVM on ephemeral loopback ports — for end-to-end tests and benchmarks.
 */
public final class InProcessCoordinator implements AutoCloseable {
    /**
     * Every simulated site dials the agent port from loopback, so the per-address connection
     * limit, meant for strangers on a real network, is lifted for simulations and benchmarks.
     */
    public static final String LOOPBACK_SITES = "--" + Limit.KEY + "=" + Limit.LOOPBACK;

    private static final class Limit {
        static final String KEY = "cohort.coordinator.agent-port.max-connections-per-address";
        static final int LOOPBACK = 100_000;
    }

    /** Running coordinators by agent address: test sites that speak the protocol by hand look up a study's terms. */
    private static final java.util.Map<String, InProcessCoordinator> RUNNING =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final ConfigurableApplicationContext context;
    private final Path dataDir;

    private InProcessCoordinator(ConfigurableApplicationContext context, Path dataDir) {
        this.context = context;
        this.dataDir = dataDir;
    }

    /** Starts with test-friendly defaults; {@code --key=value} arguments override them. */
    public static InProcessCoordinator start(Path dataDir, String... overrides) {
        var props = new java.util.LinkedHashMap<String, String>();
        props.put("cohort.coordinator.data-dir", dataDir.toString());
        props.put("server.port", "0");
        props.put("server.address", "127.0.0.1");
        props.put("cohort.coordinator.grpc-port", "0");
        props.put("cohort.coordinator.grpc-address", "127.0.0.1");
        props.put("cohort.coordinator.cluster.name", "cohort-test-" + UUID.randomUUID());
        props.put("cohort.coordinator.cluster.port", String.valueOf(ChildProcesses.freePort()));
        props.put(Limit.KEY, String.valueOf(Limit.LOOPBACK));
        props.put(
                "spring.datasource.url",
                "jdbc:h2:file:" + dataDir.resolve("db/cohort")
                        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_ON_EXIT=FALSE");
        for (String o : overrides) {
            int eq = o.indexOf('=');
            props.put(o.substring(2, eq), o.substring(eq + 1));
        }
        String[] args = props.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        var context = new SpringApplicationBuilder(CoordinatorApplication.class).run(args);
        var coordinator = new InProcessCoordinator(context, dataDir);
        RUNNING.put(coordinator.agentAddress(), coordinator);
        return coordinator;
    }

    /** The coordinator of this JVM whose agent address is {@code agentAddress}, if one runs. */
    public static java.util.Optional<InProcessCoordinator> at(String agentAddress) {
        return java.util.Optional.ofNullable(RUNNING.get(agentAddress));
    }

    public int restPort() {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    public int agentPort() {
        return context.getBean(GrpcServer.class).port();
    }

    public String agentAddress() {
        return "localhost:" + agentPort();
    }

    /** The token of a narrower role ("operator-token", "ml-token", "compliance-token" in the data directory). */
    public String roleToken(String fileName) {
        try {
            return Files.readString(dataDir.resolve(fileName)).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String adminToken() {
        try {
            return Files.readString(dataDir.resolve("admin-token")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public CoordinatorClient client() {
        return LocalCoordinator.client(restPort(), adminToken());
    }

    /** Every bean of {@code type} (by name), e.g. all the handler mappings MVC and the actuator register. */
    public <T> java.util.Map<String, T> beans(Class<T> type) {
        return context.getBeansOfType(type);
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    @Override
    public void close() {
        RUNNING.values().remove(this);
        context.close();
    }
}
