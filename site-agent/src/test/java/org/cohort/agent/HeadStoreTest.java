package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.HexFormat;
import org.cohort.crypto.signature.SignatureVerifier;
import org.cohort.protocol.SignedMessages;
import org.cohort.protocol.v1.AuditHead;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeadStoreTest {
    @TempDir
    Path work;

    private KeyPair coordinator;
    private SignatureVerifier key;

    @BeforeEach
    void keys() throws Exception {
        coordinator = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        key = SignatureVerifier.ed25519(coordinator.getPublic().getEncoded());
    }

    private AuditHead head(KeyPair signer, long seq, char hashDigit) throws Exception {
        String hash = String.valueOf(hashDigit).repeat(64);
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(signer.getPrivate());
        s.update(SignedMessages.auditHead(seq, hash));
        return AuditHead.newBuilder()
                .setSeq(seq)
                .setHash(ByteString.copyFrom(HexFormat.of().parseHex(hash)))
                .setSignature(ByteString.copyFrom(s.sign()))
                .build();
    }

    @Test
    void acceptsAHeadThatGrowsOrStaysTheSame() throws Exception {
        var store = new HeadStore(work, key);

        assertThat(store.observe(head(coordinator, 4, 'a'))).isEmpty();
        assertThat(store.observe(head(coordinator, 4, 'a'))).isEmpty();
        assertThat(store.observe(head(coordinator, 9, 'b'))).isEmpty();
    }

    @Test
    void aHeadThatGoesBackwardsIsRefusedEvenAfterARestart() throws Exception {
        new HeadStore(work, key).observe(head(coordinator, 9, 'b'));

        var restarted = new HeadStore(work, key);
        var problem = restarted.observe(head(coordinator, 7, 'c'));

        assertThat(problem)
                .get()
                .asString()
                .contains("went backwards", "now #7", "already saw it reach #9", "audit-heads.log");
    }

    @Test
    void anotherHashAtASequenceAlreadySeenIsRefused() throws Exception {
        var store = new HeadStore(work, key);
        store.observe(head(coordinator, 4, 'a'));
        store.observe(head(coordinator, 9, 'b'));

        assertThat(store.observe(head(coordinator, 9, 'e')))
                .get()
                .asString()
                .contains("rewritten", "entry #9", "b".repeat(64));
        assertThat(store.observe(head(coordinator, 4, 'd'))).get().asString().contains("went backwards");
    }

    @Test
    void aHeadNotSignedByTheCoordinatorOrMissingIsRefused() throws Exception {
        var store = new HeadStore(work, key);
        KeyPair stranger = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();

        assertThat(store.observe(head(stranger, 12, 'f'))).get().asString().contains("not signed by the coordinator");
        assertThat(store.observe(AuditHead.getDefaultInstance()))
                .get()
                .asString()
                .contains("without a signed audit head");
        assertThat(store.observe(head(coordinator, 3, 'a')))
                .as("refused heads are not kept")
                .isEmpty();
    }

    @Test
    void aDistrustedStudyStaysDistrustedAcrossRestarts() {
        new StudyDistrust(work).distrust("st-1", "the ledger was\tedited\nbadly");

        var restarted = new StudyDistrust(work);

        assertThat(restarted.reason("st-1")).get().asString().isEqualTo("the ledger was edited badly");
        assertThat(restarted.reason("st-2")).isEmpty();
        assertThat(restarted.advice("st-1"))
                .contains(
                        "refuses every further round of study st-1",
                        "cohort audit verify",
                        "delete the line of st-1",
                        "distrusted-studies.txt");
    }
}
