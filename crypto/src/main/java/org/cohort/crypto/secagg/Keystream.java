package org.cohort.crypto.secagg;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.cohort.crypto.internal.Hkdf;

/**
 * AES-128-CTR keystream through the JCE ({@code AES/CTR/NoPadding}), which HotSpot compiles to
 * AES-NI/VAES instructions. AES-128 because every other primitive here (X25519, the 128-bit GCM
 * keys) is at the 128-bit security level: AES-256 would cost 40% more rounds and buy nothing.
 * The counter starts at zero: each key is derived for exactly one stream and never reused.
 * Not thread-safe; make one per stream.
 */
final class Keystream {

    static final int KEY_BYTES = 16;
    /** Keystream is produced this many bytes at a time: large enough to amortise the JCE call, small enough for L1/L2. */
    static final int BLOCK_BYTES = 32 * 1024;

    private static final byte[] ZEROS = new byte[BLOCK_BYTES];

    private final Cipher cipher;

    Keystream(byte[] key) {
        this(newCipher(), key, 0);
    }

    /** The stream of {@code key} from byte 16·{@code startBlock} on, reusing {@code cipher} (re-initialised). */
    Keystream(Cipher cipher, byte[] key, long startBlock) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("Keystream key must be " + KEY_BYTES + " bytes, got " + key.length);
        }
        if (startBlock < 0) {
            throw new IllegalArgumentException("start block must not be negative, got " + startBlock);
        }
        // The JCE's CTR mode increments the whole 16-byte counter block as a big-endian integer,
        // so starting at block b is starting with counter b.
        byte[] counter = new byte[16];
        for (int i = 0; i < Long.BYTES; i++) {
            counter[15 - i] = (byte) (startBlock >>> (8 * i));
        }
        try {
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(counter));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR could not be keyed", e);
        }
        this.cipher = cipher;
    }

    /** A fresh AES/CTR/NoPadding cipher (callers that expand many streams keep and re-key theirs). */
    static Cipher newCipher() {
        try {
            return Cipher.getInstance("AES/CTR/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR/NoPadding is missing from this JDK; use a standard JDK 21+", e);
        }
    }

    /** A keystream whose key is HKDF-derived from a 32-byte seed (the PRG of the masks). */
    static Keystream fromSeed(byte[] seed) {
        return new Keystream(keyFromSeed(seed));
    }

    /** The AES key of the mask PRG for a 32-byte seed. */
    static byte[] keyFromSeed(byte[] seed) {
        return Hkdf.derive(seed, new byte[0], Labels.bytes(Labels.PRG_KEY), KEY_BYTES);
    }

    /** Writes the next {@code length} (at most {@link #BLOCK_BYTES}) keystream bytes into {@code out}. */
    void next(byte[] out, int length) {
        try {
            // Encrypting zeros yields the bare keystream; ZEROS is never written, so sharing it is safe.
            cipher.update(ZEROS, 0, length, out, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR keystream failed", e);
        }
    }
}
