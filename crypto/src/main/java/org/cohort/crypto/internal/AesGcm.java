package org.cohort.crypto.internal;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-GCM with a fresh random 96-bit IV in front of the ciphertext and a 128-bit tag, the one
 * layout every authenticated encryption in Cohort uses. Callers bind the context (round, sender,
 * purpose) through the associated data, so a ciphertext moved to another context fails to open.
 */
public final class AesGcm {

    public static final int IV_BYTES = 12;
    public static final int TAG_BITS = 128;
    public static final int OVERHEAD_BYTES = IV_BYTES + TAG_BITS / 8;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private AesGcm() {}

    /** IV || ciphertext || tag. */
    public static byte[] seal(byte[] key, byte[] associatedData, byte[] plaintext, SecureRandom random) {
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(associatedData);
            byte[] out = new byte[IV_BYTES + cipher.getOutputSize(plaintext.length)];
            System.arraycopy(iv, 0, out, 0, IV_BYTES);
            cipher.doFinal(plaintext, 0, plaintext.length, out, IV_BYTES);
            return out;
        } catch (GeneralSecurityException e) {
            throw missing(e);
        }
    }

    /** The plaintext, or empty if the ciphertext, its IV, the key or the associated data differ from the sealing. */
    public static Optional<byte[]> open(byte[] key, byte[] associatedData, byte[] sealed, int offset) {
        if (sealed.length - offset < OVERHEAD_BYTES) {
            return Optional.empty();
        }
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(
                    Cipher.DECRYPT_MODE,
                    new SecretKeySpec(key, "AES"),
                    new GCMParameterSpec(TAG_BITS, sealed, offset, IV_BYTES));
            cipher.updateAAD(associatedData);
            return Optional.of(cipher.doFinal(sealed, offset + IV_BYTES, sealed.length - offset - IV_BYTES));
        } catch (AEADBadTagException e) {
            return Optional.empty();
        } catch (GeneralSecurityException e) {
            throw missing(e);
        }
    }

    private static IllegalStateException missing(GeneralSecurityException e) {
        return new IllegalStateException(TRANSFORMATION + " is missing from this JDK; use a standard JDK 21+", e);
    }
}
