package org.cohort.crypto.internal;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF-SHA256 (RFC 5869) over the JDK's HMAC. Written out here because {@code javax.crypto.KDF}
 * only exists from JDK 24 and Cohort builds for 21; it is twenty lines and has a test vector.
 */
public final class Hkdf {

    private static final String HMAC = "HmacSHA256";
    private static final int HASH_BYTES = 32;

    private Hkdf() {}

    /** HKDF-Extract then HKDF-Expand; an empty salt means the RFC's default of 32 zero bytes. */
    public static byte[] derive(byte[] inputKeyMaterial, byte[] salt, byte[] info, int length) {
        if (length < 1 || length > 255 * HASH_BYTES) {
            throw new IllegalArgumentException(
                    "HKDF-SHA256 output must be 1.." + 255 * HASH_BYTES + " bytes, asked for " + length);
        }
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(salt.length == 0 ? new byte[HASH_BYTES] : salt, HMAC));
            byte[] pseudoRandomKey = mac.doFinal(inputKeyMaterial);
            mac.init(new SecretKeySpec(pseudoRandomKey, HMAC));
            byte[] out = new byte[length];
            byte[] block = new byte[0];
            for (int counter = 1, filled = 0; filled < length; counter++) {
                mac.update(block);
                mac.update(info);
                mac.update((byte) counter);
                block = mac.doFinal();
                int take = Math.min(block.length, length - filled);
                System.arraycopy(block, 0, out, filled, take);
                filled += take;
            }
            Arrays.fill(pseudoRandomKey, (byte) 0);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK; use a standard JDK 21+", e);
        }
    }
}
