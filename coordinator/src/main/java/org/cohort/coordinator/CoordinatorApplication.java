package org.cohort.coordinator;

import java.io.PrintStream;
import java.util.List;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The Cohort coordinator: gRPC for site agents, REST for people. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class CoordinatorApplication {
    public static void main(String[] args) {
        // Answered before Spring starts: no data directory, database or port is touched.
        if (List.of(args).contains("--version")) {
            System.out.println(version());
            return;
        }
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            help(System.out);
            return;
        }
        var app = new SpringApplication(CoordinatorApplication.class);
        app.addListeners((org.springframework.context.ApplicationListener<
                        org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent>)
                CoordinatorApplication::absoluteDataDir);
        app.run(args);
    }

    /**
     * A relative data directory ({@code --cohort.coordinator.data-dir=cohort-data}) is taken from
     * the working directory, as a person expects: the embedded database's URL does not accept an
     * implicitly relative path, so it is made absolute before anything reads it.
     */
    static void absoluteDataDir(org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent event) {
        var env = event.getEnvironment();
        String dir = env.getProperty("cohort.coordinator.data-dir");
        if (dir != null && !dir.isBlank() && !java.nio.file.Path.of(dir).isAbsolute()) {
            env.getPropertySources()
                    .addFirst(new org.springframework.core.env.MapPropertySource(
                            "cohort-absolute-data-dir",
                            java.util.Map.of(
                                    "cohort.coordinator.data-dir",
                                    java.nio.file.Path.of(dir)
                                            .toAbsolutePath()
                                            .normalize()
                                            .toString())));
        }
    }

    /** "cohort-coordinator VERSION (built …)", from the build-info the Maven build writes into the jar. */
    static String version() {
        var info = new java.util.Properties();
        try (var in = CoordinatorApplication.class.getResourceAsStream("/META-INF/build-info.properties")) {
            if (in != null) {
                info.load(in);
            }
        } catch (java.io.IOException e) {
            // no build information: say so below
        }
        String v = info.getProperty("build.version");
        return "cohort-coordinator "
                + (v == null ? "(development build)" : v + " (built " + info.getProperty("build.time", "?") + ")")
                + ", Java " + Runtime.version();
    }

    static void help(PrintStream out) {
        out.println("""
                Usage: java -jar cohort-coordinator-exec.jar [--version] [--help] [--property=value ...]

                Starts the Cohort coordinator: gRPC (mTLS) for site agents, REST and the dashboard for people.
                Settings are Spring properties, given as --name=value, as environment variables, or in
                application.properties beside the jar. The ones most installs set:

                  COHORT_DATA_DIR                 data directory: CA keystore, H2 database, models (./cohort-data)
                  COHORT_KEYSTORE_PASSWORD[_FILE] the CA keystore's password, or a file holding it (keep it
                                                  outside the data directory; see the README, "Keys and passwords")
                  --server.address / --server.port          REST and dashboard (127.0.0.1:8080)
                  --cohort.coordinator.grpc-port            agent port (9443)
                  --cohort.coordinator.public-host-names    names agents use to reach this host (in its certificate)
                  --spring.datasource.url / .username / .password   PostgreSQL instead of the embedded H2
                  COHORT_DATASOURCE_PASSWORD_FILE the database password from a file (a mounted secret) instead
                  --cohort.coordinator.oidc.issuer-uri      also accept JWTs from this identity provider
                                                  (audiences, role-mapping: see the README, "Roles and tokens")

                Operations (no token needed): /actuator/health/liveness, /actuator/health/readiness.
                With any role's token: /actuator/prometheus (metrics), /v3/api-docs (the REST API as OpenAPI).
                The admin token is written to <data dir>/admin-token on first start.""");
    }
}
