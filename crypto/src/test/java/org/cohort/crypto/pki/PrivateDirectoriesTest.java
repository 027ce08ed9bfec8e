package org.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateDirectoriesTest {

    @Test
    void createsTheDirectoryAndItsMissingParentsOwnerOnly(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("var/lib/cohort/data");

        assertThat(PrivateDirectories.create(data)).isEqualTo(data);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("var/lib/cohort"))))
                .isEqualTo("rwx------");
        assertThat(PrivateDirectories.isOwnerOnly(data)).isTrue();
    }

    @Test
    void closesADirectoryThatAnEarlierVersionLeftReadableByAll(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectory(
                dir.resolve("data"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(PrivateDirectories.isOwnerOnly(data)).isFalse();

        PrivateDirectories.create(data);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
                .isEqualTo("rwx------");
    }

    @Test
    void creatingTwiceIsHarmless(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        PrivateDirectories.create(data);
        Files.writeString(data.resolve("kept"), "x");

        PrivateDirectories.create(data);

        assertThat(data.resolve("kept")).hasContent("x");
    }
}
