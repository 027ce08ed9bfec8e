package org.cohort.crypto.secagg;

import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * One X25519 (RFC 7748) key pair as raw 32-byte strings, computed by Bouncy Castle's constant-time
 * implementation. Raw bytes because the private key is itself Shamir-shared (a dropped site's
 * mask key is rebuilt by the server from shares) and the public key is relayed verbatim.
 */
final class X25519Keys {

    static final int KEY_BYTES = X25519.SCALAR_SIZE;

    /** Any clamped scalar is a multiple of the cofactor 8, so it maps every low-order point to zero. */
    private static final byte[] PROBE_SCALAR = X25519Keys.generate(new SecureRandom()).privateKey;

    private final byte[] privateKey;
    private final byte[] publicKey;

    private X25519Keys(byte[] privateKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKeyOf(privateKey);
    }

    static X25519Keys generate(SecureRandom random) {
        byte[] privateKey = new byte[KEY_BYTES];
        X25519.generatePrivateKey(random, privateKey);
        return new X25519Keys(privateKey);
    }

    static byte[] publicKeyOf(byte[] privateKey) {
        byte[] publicKey = new byte[KEY_BYTES];
        X25519.generatePublicKey(privateKey, 0, publicKey, 0);
        return publicKey;
    }

    /**
     * The shared secret with a peer's public key.
     *
     * @throws IllegalArgumentException if the peer key is a low-order point (the result would be all
     *     zeros, RFC 7748 section 6.1), which only a tampered or malicious key produces
     */
    static byte[] agree(byte[] privateKey, byte[] peerPublicKey) {
        byte[] shared = new byte[KEY_BYTES];
        if (!X25519.calculateAgreement(privateKey, 0, peerPublicKey, 0, shared, 0)) {
            throw new IllegalArgumentException(
                    "X25519 public key is a low-order point (shared secret would be all zeros);"
                            + " it was tampered with or chosen maliciously");
        }
        return shared;
    }

    /**
     * Whether {@code publicKey} is one of the few points of small order, with which every shared
     * secret is all zeros (RFC 7748 section 6.1). Only a malicious site advertises one.
     */
    static boolean isLowOrder(byte[] publicKey) {
        return !X25519.calculateAgreement(PROBE_SCALAR, 0, publicKey, 0, new byte[KEY_BYTES], 0);
    }

    byte[] privateKey() {
        return privateKey;
    }

    byte[] publicKey() {
        return publicKey.clone();
    }

    byte[] agree(byte[] peerPublicKey) {
        return agree(privateKey, peerPublicKey);
    }

    void destroy() {
        Arrays.fill(privateKey, (byte) 0);
    }
}
