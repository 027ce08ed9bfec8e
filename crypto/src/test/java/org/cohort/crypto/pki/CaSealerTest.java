package org.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import org.cohort.crypto.seal.Sealer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replicas sharing the CA keystore derive one sealing key; nobody else can. */
class CaSealerTest {

    private static final char[] PASSWORD = "correct horse battery staple".toCharArray();
    private static final byte[] CONTEXT = "cohort.rounds".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SECRET = "round nonce 0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dataDir;

    @TempDir
    Path otherDataDir;

    @Test
    void aReplicaThatOpensTheSameKeystoreOpensWhatTheCreatorSealed() {
        // The creating replica holds the key as generated, the others as read back from the keystore.
        Sealer creator = SiteCertificateAuthority.openOrCreate(dataDir, PASSWORD, Clock.systemUTC())
                .sealer("cluster/a");
        Sealer replica = SiteCertificateAuthority.openOrCreate(dataDir, PASSWORD, Clock.systemUTC())
                .sealer("cluster/a");

        assertThat(replica.open(creator.seal(SECRET, CONTEXT), CONTEXT)).hasValue(SECRET);
        assertThat(creator.open(replica.seal(SECRET, CONTEXT), CONTEXT)).hasValue(SECRET);
    }

    @Test
    void anotherCaOrPurposeCannotOpen() {
        var ca = SiteCertificateAuthority.openOrCreate(dataDir, PASSWORD, Clock.systemUTC());
        byte[] sealed = ca.sealer("cluster/a").seal(SECRET, CONTEXT);

        assertThat(ca.sealer("cluster/b").open(sealed, CONTEXT)).isEmpty();
        assertThat(SiteCertificateAuthority.openOrCreate(otherDataDir, PASSWORD, Clock.systemUTC())
                        .sealer("cluster/a")
                        .open(sealed, CONTEXT))
                .isEmpty();
    }

    @Test
    void sealedBytesHideThePlaintextAndDifferEachTime() {
        Sealer sealer = SiteCertificateAuthority.openOrCreate(dataDir, PASSWORD, Clock.systemUTC())
                .sealer("cluster/a");
        byte[] first = sealer.seal(SECRET, CONTEXT);

        assertThat(new String(first, StandardCharsets.ISO_8859_1)).doesNotContain("round nonce");
        assertThat(sealer.seal(SECRET, CONTEXT)).isNotEqualTo(first);
    }
}
