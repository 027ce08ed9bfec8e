package org.cohort.coordinator.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * The database password from a file ({@code cohort.coordinator.datasource-password-file}, or
 * {@code $COHORT_DATASOURCE_PASSWORD_FILE}): a compose or Kubernetes secret mounted into the
 * container, so the password is in no environment variable (which {@code docker inspect}, a
 * crash report or {@code /proc/<pid>/environ} would show). The file's first line, without its line
 * break, becomes {@code spring.datasource.password}; setting both is refused, so that nobody
 * wonders which one the coordinator used.
 */
public final class DatasourcePasswordFile implements EnvironmentPostProcessor, Ordered {
    static final String FILE_PROPERTY = "cohort.coordinator.datasource-password-file";
    static final String PASSWORD_PROPERTY = "spring.datasource.password";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        String file = environment.getProperty(FILE_PROPERTY, "");
        if (file.isBlank()) {
            return;
        }
        if (!environment.getProperty(PASSWORD_PROPERTY, "").isEmpty()) {
            throw new IllegalStateException("both " + FILE_PROPERTY + " (COHORT_DATASOURCE_PASSWORD_FILE) and "
                    + PASSWORD_PROPERTY + " (SPRING_DATASOURCE_PASSWORD) are set: keep the file, unset the other");
        }
        environment
                .getPropertySources()
                .addFirst(new MapPropertySource(
                        "cohortDatasourcePasswordFile", Map.of(PASSWORD_PROPERTY, read(Path.of(file)))));
    }

    static String read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("the database password file " + file + " (" + FILE_PROPERTY
                    + ", COHORT_DATASOURCE_PASSWORD_FILE) does not exist or is not a file");
        }
        String content;
        try {
            content = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the database password file " + file + ": " + e.getMessage(), e);
        }
        int end = content.indexOf('\n');
        String password = (end < 0 ? content : content.substring(0, end)).replaceAll("\r$", "");
        if (password.isEmpty()) {
            throw new IllegalStateException(
                    "the database password file " + file + " is empty; write the password on its first line");
        }
        return password;
    }

    /** After the configuration files are read, so that their datasource settings are seen. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
