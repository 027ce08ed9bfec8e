package org.cohort.coordinator.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A token file is never seen half-written, and an empty one is refused rather than trusted. */
class SecretFileTest {
    @TempDir
    Path dir;

    @Test
    void aGeneratedTokenIsWholeOwnerOnlyAndStable() throws Exception {
        Path file = dir.resolve("admin-token");
        String first = PkiConfiguration.secretFile(file);
        assertThat(first).hasSizeGreaterThanOrEqualTo(AdminToken.MIN_LENGTH);
        assertThat(PkiConfiguration.secretFile(file)).isEqualTo(first);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        try (var left = Files.list(dir)) {
            assertThat(left).as("no temporary file left behind").containsExactly(file);
        }
    }

    @Test
    void anEmptyOrShortTokenIsRefusedNotMatchedByAnEmptyHeader() throws Exception {
        Path empty = Files.writeString(dir.resolve("ml-token"), "\n");
        assertThatThrownBy(() -> new AdminToken(PkiConfiguration.secretFile(empty)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("at least 16 characters");
        assertThatThrownBy(() -> new AdminToken("short")).hasMessageContaining("delete it and restart");
        assertThat(new AdminToken("x".repeat(16)).matches("")).isFalse();
    }
}
