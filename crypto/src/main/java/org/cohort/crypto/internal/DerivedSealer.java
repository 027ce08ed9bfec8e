package org.cohort.crypto.internal;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;
import org.cohort.crypto.seal.Sealer;

/**
 * A {@link Sealer} with a 256-bit key derived by HKDF-SHA256 from a shared secret and a purpose.
 *
 * <p>Layout: version (1 byte) || salt (16) || IV (12) || AES-256-GCM ciphertext and tag. Every
 * message gets its own key, HKDF(key, salt = the random salt), because one long-lived key with
 * random 96-bit IVs is only safe for about 2^32 messages (NIST SP 800-38D), and a cluster that
 * runs for years may seal more than that; with a 128-bit salt per message the bound is gone.
 * The associated data is the version and the caller's context.
 */
public final class DerivedSealer implements Sealer {

    private static final byte VERSION = 1;
    private static final int SALT_BYTES = 16;
    private static final int KEY_BYTES = 32;
    private static final byte[] MESSAGE_KEY_INFO = "cohort/seal/v1/message-key".getBytes(StandardCharsets.US_ASCII);

    private final byte[] key;
    private final SecureRandom random;

    private DerivedSealer(byte[] key, SecureRandom random) {
        this.key = key;
        this.random = random;
    }

    /**
     * @param secret  input key material only the intended holders have (never used directly)
     * @param salt    public value that names the secret's owner (e.g. its certificate's digest)
     * @param purpose separates keys: sealers for different purposes cannot open each other's values
     */
    public static Sealer derive(byte[] secret, byte[] salt, String purpose) {
        if (purpose == null || purpose.isBlank()) {
            throw new IllegalArgumentException("a sealer needs a purpose, so keys for different uses differ");
        }
        byte[] info = ("cohort/seal/v1/" + purpose).getBytes(StandardCharsets.UTF_8);
        return new DerivedSealer(Hkdf.derive(secret, salt, info, KEY_BYTES), Algorithms.random());
    }

    @Override
    public byte[] seal(byte[] plaintext, byte[] context) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] messageKey = Hkdf.derive(key, salt, MESSAGE_KEY_INFO, KEY_BYTES);
        try {
            byte[] body = AesGcm.seal(messageKey, associatedData(context), plaintext, random);
            byte[] out = new byte[1 + SALT_BYTES + body.length];
            out[0] = VERSION;
            System.arraycopy(salt, 0, out, 1, SALT_BYTES);
            System.arraycopy(body, 0, out, 1 + SALT_BYTES, body.length);
            return out;
        } finally {
            Arrays.fill(messageKey, (byte) 0);
        }
    }

    @Override
    public Optional<byte[]> open(byte[] sealed, byte[] context) {
        if (sealed.length < 1 + SALT_BYTES + AesGcm.OVERHEAD_BYTES || sealed[0] != VERSION) {
            return Optional.empty();
        }
        byte[] messageKey =
                Hkdf.derive(key, Arrays.copyOfRange(sealed, 1, 1 + SALT_BYTES), MESSAGE_KEY_INFO, KEY_BYTES);
        try {
            return AesGcm.open(messageKey, associatedData(context), sealed, 1 + SALT_BYTES);
        } finally {
            Arrays.fill(messageKey, (byte) 0);
        }
    }

    private static byte[] associatedData(byte[] context) {
        byte[] aad = new byte[1 + context.length];
        aad[0] = VERSION;
        System.arraycopy(context, 0, aad, 1, context.length);
        return aad;
    }

    @Override
    public String toString() {
        return "DerivedSealer[AES-256-GCM, key hidden]";
    }
}
