package org.cohort.coordinator.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeystorePasswordTest {
    @TempDir
    Path dir;

    private Path dataDir() {
        return dir.resolve("coordinator");
    }

    @Test
    void byDefaultTheGeneratedPasswordLivesOutsideTheDataDirectoryWithAWarning() throws Exception {
        var p = KeystorePassword.resolve(dataDir(), "", null, false);

        Path file = dir.resolve("coordinator-secrets").resolve("ca-password");
        assertThat(file).exists();
        assertThat(dataDir().resolve("ca-password")).doesNotExist();
        assertThat(Files.readString(file).strip()).isEqualTo(new String(p.password()));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");
        assertThat(p.warning()).contains("outside the data directory", "For production", "COHORT_KEYSTORE_PASSWORD");
        assertThat(new String(
                        KeystorePassword.resolve(dataDir(), "", null, false).password()))
                .as("the same password on the next start")
                .isEqualTo(new String(p.password()));
    }

    @Test
    void aPasswordLeftInTheDataDirectoryIsMovedOut() throws Exception {
        Files.createDirectories(dataDir());
        Files.writeString(dataDir().resolve("ca-password"), "old-secret\n");

        var p = KeystorePassword.resolve(dataDir(), "", null, false);

        assertThat(new String(p.password())).isEqualTo("old-secret");
        assertThat(dataDir().resolve("ca-password")).doesNotExist();
        assertThat(p.warning()).contains("was moved there from", "copies of the data directory");
    }

    @Test
    void aConfiguredPasswordOrProtectedFileIsUsed() throws Exception {
        assertThat(new String(KeystorePassword.resolve(dataDir(), "from-env", null, true)
                        .password()))
                .isEqualTo("from-env");
        Path file = Files.writeString(dir.resolve("secret"), "from-file\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        var p = KeystorePassword.resolve(dataDir(), "", file, true);

        assertThat(new String(p.password())).isEqualTo("from-file");
        assertThat(p.warning()).isNull();
        assertThat(dir.resolve("coordinator-secrets")).doesNotExist();
    }

    @Test
    void acceptsAReadOnlySecretMountButNoFileItsGroupCanWriteOrOthersRead() throws Exception {
        Path secret = Files.writeString(dir.resolve("k8s-secret"), "from-secret\n");
        for (String mode : new String[] {"r--r-----", "---r-----", "r--------"}) {
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString(mode));
            assertThat(new String(KeystorePassword.resolve(dataDir(), "", secret, false)
                            .password()))
                    .as(mode)
                    .isEqualTo("from-secret");
        }
        for (String mode : new String[] {"rw-r-----", "r--rw----", "r--r--r--", "r-----r--"}) {
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString(mode));
            assertThatThrownBy(() -> KeystorePassword.resolve(dataDir(), "", secret, false))
                    .as(mode)
                    .hasMessageContaining("can be read or changed by other users");
        }
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void refusesAPasswordFileOthersCanReadOrOneInsideTheDataDirectory() throws Exception {
        Path open = Files.writeString(dir.resolve("secret"), "x\n");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> KeystorePassword.resolve(dataDir(), "", open, false))
                .hasMessageContaining("can be read or changed by other users")
                .hasMessageContaining("chmod 600");

        Files.createDirectories(dataDir());
        Path inside = Files.writeString(dataDir().resolve("my-password"), "x\n");
        Files.setPosixFilePermissions(inside, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> KeystorePassword.resolve(dataDir(), "", inside, false))
                .hasMessageContaining("inside the data directory");

        assertThatThrownBy(() -> KeystorePassword.resolve(dataDir(), "", dir.resolve("missing"), false))
                .hasMessageContaining("does not exist");
    }

    @Test
    void whenRequiredRefusesToGenerateOne() {
        assertThatThrownBy(() -> KeystorePassword.resolve(dataDir(), "", null, true))
                .hasMessageContaining("require-keystore-password is on")
                .hasMessageContaining("COHORT_KEYSTORE_PASSWORD_FILE");
        assertThat(dir.resolve("coordinator-secrets")).doesNotExist();
    }
}
