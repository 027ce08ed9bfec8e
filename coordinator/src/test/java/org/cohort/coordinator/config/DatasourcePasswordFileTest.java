package org.cohort.coordinator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** The database password from a mounted secret file instead of an environment variable. */
class DatasourcePasswordFileTest {
    @TempDir
    Path dir;

    private static StandardEnvironment environment(Map<String, Object> properties) {
        var env = new StandardEnvironment();
        env.getPropertySources().addLast(new MapPropertySource("test", properties));
        return env;
    }

    private static void process(StandardEnvironment env) {
        new DatasourcePasswordFile().postProcessEnvironment(env, null);
    }

    @Test
    void theFilesFirstLineBecomesTheDatasourcePassword() throws Exception {
        Path file = Files.writeString(dir.resolve("db-password"), "s3cret with spaces \n");
        var env = environment(Map.of(
                DatasourcePasswordFile.FILE_PROPERTY, file.toString(), DatasourcePasswordFile.PASSWORD_PROPERTY, ""));
        process(env);
        assertThat(env.getProperty("spring.datasource.password")).isEqualTo("s3cret with spaces ");
        Files.writeString(file, "crlf\r\n");
        var again = environment(Map.of(DatasourcePasswordFile.FILE_PROPERTY, file.toString()));
        process(again);
        assertThat(again.getProperty("spring.datasource.password")).isEqualTo("crlf");
    }

    @Test
    void noFileLeavesTheConfiguredPasswordAlone() {
        var env = environment(
                Map.of(DatasourcePasswordFile.FILE_PROPERTY, "", DatasourcePasswordFile.PASSWORD_PROPERTY, "from-env"));
        process(env);
        assertThat(env.getProperty("spring.datasource.password")).isEqualTo("from-env");
    }

    @Test
    void bothAMissingAndAnEmptyFileStopTheStart() throws Exception {
        Path file = Files.writeString(dir.resolve("db-password"), "secret");
        var both = environment(Map.of(
                DatasourcePasswordFile.FILE_PROPERTY,
                file.toString(),
                DatasourcePasswordFile.PASSWORD_PROPERTY,
                "also-set"));
        assertThatThrownBy(() -> process(both)).hasMessageContaining("both");
        var missing = environment(
                Map.of(DatasourcePasswordFile.FILE_PROPERTY, dir.resolve("nope").toString()));
        assertThatThrownBy(() -> process(missing)).hasMessageContaining("does not exist");
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        var blank = environment(Map.of(DatasourcePasswordFile.FILE_PROPERTY, empty.toString()));
        assertThatThrownBy(() -> process(blank)).hasMessageContaining("empty");
    }
}
