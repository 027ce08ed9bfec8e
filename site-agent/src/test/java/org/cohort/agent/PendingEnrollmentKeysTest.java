package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.cohort.crypto.pki.SiteKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pending enrollment keys: the same token gets the same keys back, another token fresh ones, and a file
 * this agent cannot have written for itself (a link, another mode, too large, damaged) stops it in words.
 */
class PendingEnrollmentKeysTest {
    private static final String TOKEN = "cohort1.AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
    private static final String OTHER = "cohort1.CCCCCCCCCCCCCCCC.DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD";

    @TempDir
    Path dir;

    @Test
    void theSameTokenGetsTheSameKeysAndAnotherTokenFreshOnes() throws Exception {
        Path work = dir.resolve("work");
        SiteKeys first = PendingEnrollmentKeys.loadOrCreate(work, TOKEN);
        Path file = PendingEnrollmentKeys.file(work);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(Files.readString(file)).doesNotContain(TOKEN);
        assertThat(PendingEnrollmentKeys.loadOrCreate(work, TOKEN).updateSigningPublicKey())
                .isEqualTo(first.updateSigningPublicKey());
        SiteKeys other = PendingEnrollmentKeys.loadOrCreate(work, OTHER);
        assertThat(other.updateSigningPublicKey()).isNotEqualTo(first.updateSigningPublicKey());
        assertThat(PendingEnrollmentKeys.loadOrCreate(work, OTHER).updateSigningPublicKey())
                .isEqualTo(other.updateSigningPublicKey());
        assertThat(work.resolve("pending-enrollment.keys.tmp")).doesNotExist();
        PendingEnrollmentKeys.forget(work);
        assertThat(file).doesNotExist();
    }

    @Test
    void aFileThisAgentCannotHaveWrittenForItselfStopsItInWords() throws Exception {
        Path work = dir.resolve("work");
        PendingEnrollmentKeys.loadOrCreate(work, TOKEN);
        Path file = PendingEnrollmentKeys.file(work);
        String text = Files.readString(file);

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> PendingEnrollmentKeys.loadOrCreate(work, TOKEN))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("must be 0600")
                .hasMessageContaining("delete it");

        Files.delete(file);
        Path planted = Files.writeString(dir.resolve("planted.keys"), text);
        Files.createSymbolicLink(file, planted);
        assertThatThrownBy(() -> PendingEnrollmentKeys.loadOrCreate(work, TOKEN))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not a regular file");

        Files.delete(file);
        org.cohort.protocol.OwnerOnlyFiles.create(file, text + "x".repeat(PendingEnrollmentKeys.MAX_BYTES));
        assertThatThrownBy(() -> PendingEnrollmentKeys.loadOrCreate(work, TOKEN))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("larger than");

        Files.delete(file);
        org.cohort.protocol.OwnerOnlyFiles.create(file, text.lines().limit(3).reduce("", (a, b) -> a + b + "\n"));
        assertThatThrownBy(() -> PendingEnrollmentKeys.loadOrCreate(work, TOKEN))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is damaged");

        Files.delete(file);
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        org.cohort.protocol.OwnerOnlyFiles.create(file, text);
        assertThatThrownBy(() -> PendingEnrollmentKeys.loadOrCreate(work, TOKEN))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("other users can enter or write");
    }
}
