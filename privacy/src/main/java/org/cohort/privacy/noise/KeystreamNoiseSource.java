package org.cohort.privacy.noise;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.DrbgParameters;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Random bits for released noise at keystream speed: AES-256 in counter mode through the JCE
 * ({@code AES/CTR/NoPadding}, compiled to AES-NI), keyed and given its initial counter by the
 * same SP 800-90A DRBG as {@link SecureNoiseSource} (Hash_DRBG, 256-bit strength, seeded from the
 * operating system), and rekeyed from it every {@value #REKEY_BYTES} bytes. This is the
 * construction inside NIST's CTR_DRBG (AES-CTR output, periodic key replacement), so the bits are
 * computationally indistinguishable from uniform for anyone without the key, which never leaves
 * this object. The DRBG alone delivers about 10⁸ bits per second; this delivers several GB/s.
 *
 * <p>As with {@link SecureNoiseSource} there is no seeded mode: construction fails if the DRBG or
 * AES is unavailable. Keystream bytes are wiped from the buffer once converted. Thread-safe
 * (calls are serialised; give each thread its own source for parallel noise).
 */
public final class KeystreamNoiseSource implements RandomSource {

    private static final int KEY_BYTES = 32;
    /** 8 KiB of keystream per JCE call: amortises the call, stays in L1. */
    private static final int BLOCK_BYTES = 8192;
    /** A fresh key (and counter) from the DRBG after this much output: bounds what a key compromise reveals. */
    static final long REKEY_BYTES = 1L << 26;

    private static final byte[] PERSONALIZATION =
            "cohort-privacy-noise-keystream-v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final byte[] ZEROS = new byte[BLOCK_BYTES];

    private final SecureRandom drbg;
    private final Cipher cipher;
    private final byte[] block = new byte[BLOCK_BYTES];
    private int position = BLOCK_BYTES;
    private long sinceRekey;

    /** For tests: the key and counters come from {@code drbg}. */
    KeystreamNoiseSource(SecureRandom drbg) {
        this.drbg = drbg;
        try {
            this.cipher = Cipher.getInstance("AES/CTR/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR/NoPadding is missing from this JDK; use a standard JDK 21+", e);
        }
        rekey();
    }

    /** A keystream source keyed by a new DRBG instance, freshly seeded from the system's entropy source. */
    public static KeystreamNoiseSource create() {
        try {
            return new KeystreamNoiseSource(SecureRandom.getInstance(
                    "DRBG", DrbgParameters.instantiation(256, DrbgParameters.Capability.RESEED_ONLY, PERSONALIZATION)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(
                    "no SP 800-90A DRBG with 256-bit strength in this JVM; "
                            + "Cohort refuses to release noise from a weaker generator",
                    e);
        }
    }

    /** The generator, for logs and audit entries. */
    public String describe() {
        return "AES-256-CTR keystream keyed from " + drbg.getAlgorithm() + " (256-bit strength), rekeyed every "
                + (REKEY_BYTES >> 20) + " MiB";
    }

    private void rekey() {
        byte[] key = new byte[KEY_BYTES];
        byte[] iv = new byte[16];
        drbg.nextBytes(key);
        drbg.nextBytes(iv);
        try {
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-CTR could not be keyed", e);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
        sinceRekey = 0;
    }

    private void refill() {
        if (sinceRekey >= REKEY_BYTES) {
            rekey();
        }
        try {
            cipher.update(ZEROS, 0, BLOCK_BYTES, block, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR keystream failed", e);
        }
        sinceRekey += BLOCK_BYTES;
        position = 0;
    }

    @Override
    public synchronized long nextLongBits() {
        if (position == BLOCK_BYTES) {
            refill();
        }
        long v = (long) LONGS.get(block, position);
        LONGS.set(block, position, 0L);
        position += Long.BYTES;
        return v;
    }

    @Override
    public synchronized void nextLongs(long[] out, int from, int to) {
        int i = from;
        while (i < to) {
            if (position == BLOCK_BYTES) {
                refill();
            }
            int n = Math.min(to - i, (BLOCK_BYTES - position) / Long.BYTES);
            copy(out, i, n);
            i += n;
        }
    }

    private void copy(long[] out, int at, int n) {
        int start = position;
        for (int k = 0; k < n; k++) {
            out[at + k] = (long) LONGS.get(block, start + k * Long.BYTES);
        }
        position = start + n * Long.BYTES;
        Arrays.fill(block, start, position, (byte) 0);
    }
}
