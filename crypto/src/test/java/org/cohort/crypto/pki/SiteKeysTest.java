package org.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;

/** A site's keys kept as text between an enrollment's first try and its answer come back as the same keys. */
class SiteKeysTest {

    @Test
    void pendingKeysComeBackAsTheSameKeysAndSignTheSameRequest() throws Exception {
        SiteKeys keys = SiteKeys.generate();
        SiteKeys again = SiteKeys.fromPendingText(keys.toPendingText());

        assertThat(again.updateSigningPublicKey()).isEqualTo(keys.updateSigningPublicKey());
        var first = new PKCS10CertificationRequest(keys.certificateRequest("Cleveland"));
        var second = new PKCS10CertificationRequest(again.certificateRequest("Cleveland"));
        assertThat(second.getSubjectPublicKeyInfo()).isEqualTo(first.getSubjectPublicKeyInfo());
        // Signed with the restored private key: it verifies under the same public key.
        assertThat(second.isSignatureValid(
                        new JcaContentVerifierProviderBuilder().build(second.getSubjectPublicKeyInfo())))
                .isTrue();
        byte[] message = {1, 2, 3};
        assertThat(org.cohort.crypto.signature.SignatureVerifier.ed25519(keys.updateSigningPublicKey())
                        .verify(message, again.updateSigner().sign(message)))
                .isTrue();
    }

    @Test
    void textThatIsNotPendingKeysIsRefusedInWords() {
        assertThatThrownBy(() -> SiteKeys.fromPendingText("hello"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a pending-enrollment key file");
        String text = SiteKeys.generate().toPendingText();
        String damaged = text.replaceFirst("\n[A-Za-z0-9+/]{10}", "\nAAAAAAAAAA");
        assertThatThrownBy(() -> SiteKeys.fromPendingText(damaged))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not hold the keys");
    }

    @Test
    void aPublicKeyThatIsNotItsPrivateKeysIsRefused() {
        var one = SiteKeys.generate().toPendingText().lines().toList();
        var two = SiteKeys.generate().toPendingText().lines().toList();
        // The update-signing public key of another pair: it parses, but signs for nobody here.
        String mixed = String.join("\n", one.get(0), one.get(1), one.get(2), one.get(3), two.get(4)) + "\n";
        assertThatThrownBy(() -> SiteKeys.fromPendingText(mixed))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("update-signing public key is not its private key's");
        String mixedTls = String.join("\n", one.get(0), one.get(1), two.get(2), one.get(3), one.get(4)) + "\n";
        assertThatThrownBy(() -> SiteKeys.fromPendingText(mixedTls))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TLS public key is not its private key's");
    }
}
