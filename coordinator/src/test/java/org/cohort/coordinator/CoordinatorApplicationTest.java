package org.cohort.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** --version and --help answer before Spring starts: no data directory, port or database is touched. */
class CoordinatorApplicationTest {

    @Test
    void versionNamesTheBuildAndTheJava() {
        // The build writes META-INF/build-info.properties (spring-boot-maven-plugin build-info) before tests run.
        assertThat(CoordinatorApplication.version())
                .startsWith("cohort-coordinator 0.1.0-SNAPSHOT (built ")
                .contains("Java " + Runtime.version().feature());
    }

    @Test
    void helpNamesTheSettingsAnInstallNeedsAndTheProbes() {
        var out = new ByteArrayOutputStream();
        CoordinatorApplication.help(new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains(
                        "COHORT_DATA_DIR",
                        "COHORT_KEYSTORE_PASSWORD",
                        "/actuator/health/readiness",
                        "/v3/api-docs",
                        "admin-token");
    }
}
