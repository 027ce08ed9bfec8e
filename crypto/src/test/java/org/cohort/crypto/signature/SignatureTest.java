package org.cohort.crypto.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import org.cohort.crypto.internal.Algorithms;
import org.cohort.crypto.internal.Ed25519;
import org.junit.jupiter.api.Test;

class SignatureTest {

    // RFC 8032 section 7.1, TEST 1 (empty message).
    private static final byte[] RFC_SECRET = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    private static final byte[] RFC_PUBLIC = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    private static final byte[] RFC_SIGNATURE = hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
            + "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    // DER prefixes of an Ed25519 SubjectPublicKeyInfo and PKCS#8 key (RFC 8410).
    private static final byte[] SPKI_PREFIX = hex("302a300506032b6570032100");
    private static final byte[] PKCS8_PREFIX = hex("302e020100300506032b657004220420");

    private static final byte[] MESSAGE = "model version 7, sha256:ab12".getBytes(StandardCharsets.UTF_8);

    @Test
    void rfc8032Vector1Verifies() {
        assertThat(SignatureVerifier.ed25519Raw(RFC_PUBLIC).verify(new byte[0], RFC_SIGNATURE))
                .isTrue();
    }

    @Test
    void rfc8032Vector1VerifiesWithSpkiEncodedKey() {
        assertThat(SignatureVerifier.ed25519(concat(SPKI_PREFIX, RFC_PUBLIC)).verify(new byte[0], RFC_SIGNATURE))
                .isTrue();
    }

    @Test
    void signerReproducesRfc8032Vector1() throws Exception {
        KeyFactory keys = KeyFactory.getInstance("Ed25519");
        KeyPair pair = new KeyPair(
                keys.generatePublic(new X509EncodedKeySpec(concat(SPKI_PREFIX, RFC_PUBLIC))),
                keys.generatePrivate(new PKCS8EncodedKeySpec(concat(PKCS8_PREFIX, RFC_SECRET))));
        Ed25519.SigningKey signer = Ed25519.signingKey(pair);

        assertThat(signer.sign(new byte[0])).isEqualTo(RFC_SIGNATURE);
        assertThat(signer.publicKey()).isEqualTo(concat(SPKI_PREFIX, RFC_PUBLIC));
    }

    @Test
    void signatureVerifiesWithPublishedPublicKey() {
        ModelSigner signer = Ed25519.signingKey(Algorithms.newEd25519KeyPair());

        byte[] signature = signer.sign(MESSAGE);

        assertThat(signature).hasSize(64);
        assertThat(SignatureVerifier.ed25519(signer.publicKey()).verify(MESSAGE, signature))
                .isTrue();
    }

    @Test
    void tamperedMessageFailsVerification() {
        ModelSigner signer = Ed25519.signingKey(Algorithms.newEd25519KeyPair());
        byte[] signature = signer.sign(MESSAGE);
        byte[] tampered = MESSAGE.clone();
        tampered[3] ^= 1;

        assertThat(SignatureVerifier.ed25519(signer.publicKey()).verify(tampered, signature))
                .isFalse();
    }

    @Test
    void signatureFromAnotherKeyFailsVerification() {
        UpdateSigner signer = Ed25519.signingKey(Algorithms.newEd25519KeyPair());
        UpdateSigner other = Ed25519.signingKey(Algorithms.newEd25519KeyPair());

        assertThat(SignatureVerifier.ed25519(signer.publicKey()).verify(MESSAGE, other.sign(MESSAGE)))
                .isFalse();
    }

    @Test
    void malformedSignaturesAreFalseNotExceptions() {
        SignatureVerifier verifier = SignatureVerifier.ed25519Raw(RFC_PUBLIC);

        assertThat(verifier.verify(new byte[0], new byte[0])).isFalse();
        assertThat(verifier.verify(new byte[0], new byte[63])).isFalse();
        assertThat(verifier.verify(new byte[0], new byte[65])).isFalse();
        assertThat(verifier.verify(new byte[0], null)).isFalse();
        assertThat(verifier.verify(null, RFC_SIGNATURE)).isFalse();
        byte[] flipped = RFC_SIGNATURE.clone();
        flipped[63] ^= (byte) 0x80; // S no longer canonical
        assertThat(verifier.verify(new byte[0], flipped)).isFalse();
    }

    @Test
    void malformedKeyIsIllegalArgument() {
        assertThatThrownBy(() -> SignatureVerifier.ed25519Raw(new byte[31]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> SignatureVerifier.ed25519(new byte[] {1, 2, 3}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SubjectPublicKeyInfo");
        assertThatThrownBy(() -> SignatureVerifier.ed25519(
                        Algorithms.newEcKeyPair().getPublic().getEncoded()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an Ed25519 key");
        assertThatThrownBy(() -> SignatureVerifier.ed25519(null)).isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
