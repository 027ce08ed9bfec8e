package org.cohort.crypto.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.cohort.crypto.seal.Sealer;
import org.junit.jupiter.api.Test;

/** The sealed layout is fixed (replicas of different builds must open each other's values) and authenticated. */
class DerivedSealerTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] SECRET =
            HEX.parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    private static final byte[] SALT = "sha256:test-ca".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTEXT = "ctx".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PLAINTEXT = "sealed in the cluster".getBytes(StandardCharsets.US_ASCII);
    /** Sealed once by this code (version 1 || salt || IV || ciphertext+tag); must keep opening. */
    private static final String VECTOR = "0175cf9c2e37271945e7f09c6a8efb7e148f3b3562a562c0f8efe23fd6411faee3"
            + "dfe7098eecbe0b99e5c2426067c0d44eb6add7faeceb6c1bf2ec8ff96f8c3d63d2";

    private final Sealer sealer = DerivedSealer.derive(SECRET, SALT, "test");

    @Test
    void opensAFixedVector() {
        assertThat(sealer.open(HEX.parseHex(VECTOR), CONTEXT)).hasValue(PLAINTEXT);
    }

    @Test
    void roundTripsAndBindsTheContext() {
        byte[] sealed = sealer.seal(PLAINTEXT, CONTEXT);

        assertThat(sealer.open(sealed, CONTEXT)).hasValue(PLAINTEXT);
        assertThat(sealer.open(sealed, "other".getBytes(StandardCharsets.US_ASCII)))
                .isEmpty();
        assertThat(DerivedSealer.derive(SECRET, SALT, "other purpose").open(sealed, CONTEXT))
                .isEmpty();
    }

    @Test
    void everyAlteredByteIsCaught() {
        byte[] sealed = sealer.seal(PLAINTEXT, CONTEXT);
        for (int i = 0; i < sealed.length; i++) {
            byte[] altered = sealed.clone();
            altered[i] ^= 0x01;
            assertThat(sealer.open(altered, CONTEXT)).as("byte %d altered", i).isEmpty();
        }
        assertThat(sealer.open(java.util.Arrays.copyOf(sealed, sealed.length - 1), CONTEXT))
                .isEmpty();
        assertThat(sealer.open(new byte[3], CONTEXT)).isEmpty();
    }

    @Test
    void refusesAnUnnamedPurpose() {
        assertThatThrownBy(() -> DerivedSealer.derive(SECRET, SALT, " ")).isInstanceOf(IllegalArgumentException.class);
    }
}
