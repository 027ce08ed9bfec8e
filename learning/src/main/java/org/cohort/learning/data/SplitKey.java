package org.cohort.learning.data;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A site's secret for its train/test split: each row's side is HMAC-SHA256(secret, row key),
 * so it depends on that row alone (adding or removing a patient moves no one else) and cannot be
 * predicted by anyone without the secret (the coordinator cannot aim a test row at a patient).
 * The secret stays inside this object: callers get positions in [0, 1), never the bytes.
 */
public final class SplitKey {

    /** Bytes of secret a key needs: HMAC-SHA256's block-size-independent security level. */
    public static final int SECRET_BYTES = 32;

    /** Domain separation, so the secret's HMAC outputs here cannot be replayed in another use. */
    private static final byte[] DOMAIN = "cohort.split.v1".getBytes(StandardCharsets.US_ASCII);

    private final SecretKeySpec key;

    private SplitKey(byte[] secret) {
        this.key = new SecretKeySpec(secret, "HmacSHA256");
    }

    /**
     * A key from {@code secret} (copied).
     *
     * @throws IllegalArgumentException when the secret is shorter than {@value #SECRET_BYTES} bytes
     */
    public static SplitKey of(byte[] secret) {
        Objects.requireNonNull(secret, "secret");
        if (secret.length < SECRET_BYTES) {
            throw new IllegalArgumentException("a split secret needs at least " + SECRET_BYTES + " bytes, got "
                    + secret.length + "; generate it with a secure random generator");
        }
        return new SplitKey(secret.clone());
    }

    /**
     * Where the row with {@code rowKey} falls in [0, 1) for a study whose split is salted with
     * {@code salt}: uniform for distinct keys, the same every time for the same key.
     */
    double position(long salt, byte[] rowKey) {
        byte[] mac;
        try {
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(key);
            hmac.update(DOMAIN);
            hmac.update(ByteBuffer.allocate(Long.BYTES).putLong(salt).array());
            mac = hmac.doFinal(rowKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK, which every Java SE must provide", e);
        }
        long top = ByteBuffer.wrap(mac).getLong();
        return (top >>> 11) * 0x1.0p-53;
    }

    @Override
    public String toString() {
        return "SplitKey[secret withheld]";
    }
}
