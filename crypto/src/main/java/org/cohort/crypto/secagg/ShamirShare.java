package org.cohort.crypto.secagg;

import java.math.BigInteger;

/**
 * One Shamir share: the point (x, y) of the sharing polynomial, y an element of
 * GF({@link ShamirSecretSharing#PRIME}). In the protocol x is the holder's client index + 1.
 */
record ShamirShare(int x, BigInteger y) {

    ShamirShare {
        if (x < 1 || x > ShamirSecretSharing.MAX_HOLDERS) {
            throw new IllegalArgumentException("Shamir share index " + x + " is outside 1.."
                    + ShamirSecretSharing.MAX_HOLDERS + " (index 0 would be the secret itself)");
        }
        if (y == null || y.signum() < 0 || y.compareTo(ShamirSecretSharing.PRIME) >= 0) {
            throw new IllegalArgumentException(
                    "Shamir share value is not an element of the field (0 <= y < p); it was corrupted");
        }
    }

    /** Fixed-width encoding ({@value ShamirSecretSharing#SHARE_BYTES} bytes, big-endian) of y. */
    byte[] encodedValue() {
        return ShamirSecretSharing.toFixedBytes(y, ShamirSecretSharing.SHARE_BYTES);
    }

    static ShamirShare decode(int x, byte[] encodedValue) {
        if (encodedValue == null || encodedValue.length != ShamirSecretSharing.SHARE_BYTES) {
            throw new IllegalArgumentException("A Shamir share value must be " + ShamirSecretSharing.SHARE_BYTES
                    + " bytes, got " + (encodedValue == null ? "none" : encodedValue.length));
        }
        return new ShamirShare(x, new BigInteger(1, encodedValue));
    }
}
