package org.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.cohort.crypto.internal.Algorithms;
import org.cohort.crypto.internal.Ed25519;
import org.cohort.crypto.internal.Hkdf;
import org.junit.jupiter.api.Test;

/** Test vectors for the primitives the protocol is built from, and its fixed encodings. */
class PrimitivesTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void hkdfMatchesRfc5869TestCases1And3() {
        byte[] ikm = HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        assertThat(Hkdf.derive(
                        ikm, HEX.parseHex("000102030405060708090a0b0c"), HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42))
                .isEqualTo(HEX.parseHex(
                        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"));
        assertThat(Hkdf.derive(ikm, new byte[0], new byte[0], 42))
                .isEqualTo(HEX.parseHex(
                        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"));
    }

    @Test
    void x25519MatchesRfc7748Section6_1() {
        byte[] alicePrivate = HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bobPrivate = HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        byte[] alicePublic = X25519Keys.publicKeyOf(alicePrivate);
        byte[] bobPublic = X25519Keys.publicKeyOf(bobPrivate);

        assertThat(alicePublic)
                .isEqualTo(HEX.parseHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
        assertThat(bobPublic)
                .isEqualTo(HEX.parseHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
        byte[] shared = HEX.parseHex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        assertThat(X25519Keys.agree(alicePrivate, bobPublic)).isEqualTo(shared);
        assertThat(X25519Keys.agree(bobPrivate, alicePublic)).isEqualTo(shared);
    }

    @Test
    void x25519RefusesALowOrderPublicKey() {
        byte[] lowOrder = new byte[32]; // the point of order 1 (u = 0)
        assertThatThrownBy(() ->
                        X25519Keys.agree(X25519Keys.generate(new SecureRandom()).privateKey(), lowOrder))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("low-order");
    }

    @Test
    void maskIsLittleEndianAesCtrUnderTheHkdfDerivedKey() throws Exception {
        byte[] seed = new byte[32];
        seed[0] = 1;
        int[] mask = new int[8];
        MaskPrg.add(seed, mask);

        // Independent derivation: counter blocks 0 and 1 encrypted under the PRG key.
        byte[] key = Hkdf.derive(seed, new byte[0], "cohort/secagg/v1/mask-prg-key".getBytes(), 16);
        Cipher ecb = Cipher.getInstance("AES/ECB/NoPadding");
        ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
        byte[] counters = new byte[32];
        counters[31] = 1;
        byte[] keystream = ecb.doFinal(counters);
        int[] expected = new int[8];
        ByteBuffer.wrap(keystream).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(expected);

        assertThat(mask).containsExactly(expected);
        assertThat(HEX.formatHex(keystream, 0, 8)).isEqualTo(PINNED_MASK_PREFIX);
    }

    /** First 8 keystream bytes for seed 01 00..00: changes only with a new protocol version. */
    private static final String PINNED_MASK_PREFIX = "e42dd7052af29baf";

    @Test
    void shareCipherBindsNonceSenderAndRecipient() {
        SecureRandom random = new SecureRandom();
        X25519Keys a = X25519Keys.generate(random);
        X25519Keys b = X25519Keys.generate(random);
        byte[] nonce = new byte[32];
        byte[] keyAb = ShareCipher.pairKey(a.privateKey(), b.publicKey(), nonce);
        assertThat(ShareCipher.pairKey(b.privateKey(), a.publicKey(), nonce)).isEqualTo(keyAb);

        byte[] sealed = ShareCipher.seal(keyAb, nonce, 1, 2, new byte[] {1, 2, 3}, random);

        assertThat(ShareCipher.open(keyAb, nonce, 1, 2, sealed))
                .hasValueSatisfying(p -> assertThat(p).containsExactly(1, 2, 3));
        assertThat(ShareCipher.open(keyAb, nonce, 2, 1, sealed)).isEmpty();
        assertThat(ShareCipher.open(keyAb, nonce, 1, 3, sealed)).isEmpty();
        byte[] otherNonce = nonce.clone();
        otherNonce[0] = 1;
        assertThat(ShareCipher.open(keyAb, otherNonce, 1, 2, sealed)).isEmpty();
        assertThat(ShareCipher.pairKey(a.privateKey(), b.publicKey(), otherNonce))
                .isNotEqualTo(keyAb);
    }

    @Test
    void advertisedKeysEncodingRoundTripsAndRejectsTrailingBytes() {
        Ed25519.SigningKey signer = Ed25519.signingKey(Algorithms.newEd25519KeyPair());
        SecAggParameters parameters = SecAggParameters.defaults(5, new byte[20]);
        AdvertisedKeys keys = new SecAggClient(parameters, 3, signer, i -> null).advertiseKeys();

        byte[] encoded = keys.encode();
        AdvertisedKeys decoded = AdvertisedKeys.decode(encoded);

        assertThat(decoded.encode()).isEqualTo(encoded);
        assertThat(decoded.clientIndex()).isEqualTo(3);
        assertThat(decoded.signedBytes()).isEqualTo(keys.signedBytes());
        byte[] longer = java.util.Arrays.copyOf(encoded, encoded.length + 1);
        assertThatThrownBy(() -> AdvertisedKeys.decode(longer))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trailing");
        assertThatThrownBy(() -> AdvertisedKeys.decode(java.util.Arrays.copyOf(encoded, 40)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ends early");
    }

    @Test
    void signedBytesSeparateDomainsAndFields() {
        byte[] nonce = new byte[16];
        byte[] key = new byte[32];
        assertThat(AdvertisedKeys.signedBytes(nonce, 1, key, key))
                .isNotEqualTo(AdvertisedKeys.signedBytes(nonce, 2, key, key));
        assertThat(ConsistencySignature.signedBytes(nonce, new int[] {1, 2}))
                .isNotEqualTo(ConsistencySignature.signedBytes(nonce, new int[] {1, 2, 3}));
    }
}
