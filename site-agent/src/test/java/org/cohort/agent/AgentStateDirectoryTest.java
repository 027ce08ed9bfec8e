package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.cohort.crypto.pki.SiteIdentity;
import org.cohort.crypto.pki.SiteKeys;
import org.cohort.protocol.v1.UpdateManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's state (identity, keystore password, ledger) lives in a directory only its owner can read. */
class AgentStateDirectoryTest {

    private static String permissions(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static AgentConfig config(Path workDir) {
        return AgentConfig.builder("Hospital", workDir.resolve("data.csv"), workDir)
                .coordinators(List.of("localhost:1"))
                .build();
    }

    @Test
    void theIdentityIsSavedInAnOwnerOnlyDirectory(@TempDir Path dir) throws Exception {
        var ca = SiteCertificateAuthority.openOrCreate(dir.resolve("ca"), "pw".toCharArray(), Clock.systemUTC());
        SiteKeys keys = SiteKeys.generate();
        var issued = ca.issue(keys.certificateRequest("Hospital"), "site-hospital-abc123");
        var identity = new AgentIdentity(
                SiteIdentity.create(keys, issued.certificate(), ca.caCertificate()), ca.modelSigningPublicKey());
        Path work = dir.resolve("agent/work");

        identity.save(config(work));

        assertThat(permissions(work)).isEqualTo("rwx------");
        assertThat(permissions(dir.resolve("agent"))).isEqualTo("rwx------");
        assertThat(permissions(work.resolve("identity-password"))).isEqualTo("rw-------");
    }

    @Test
    void theLedgerIsWrittenInAnOwnerOnlyDirectory(@TempDir Path dir) throws Exception {
        Path work = dir.resolve("state");
        var ledger = new SiteLedger(work);

        ledger.recordSent(
                UpdateManifest.newBuilder()
                        .setStudyId("s")
                        .setRoundId("r")
                        .setPayloadSha256(ByteString.copyFrom(new byte[32]))
                        .build(),
                "update",
                null,
                null,
                null);

        assertThat(ledger.file()).exists();
        assertThat(permissions(work)).isEqualTo("rwx------");
    }
}
