package org.cohort.crypto.tls;

import java.math.BigInteger;

/** Answers whether the coordinator admin revoked the site certificate with this serial. */
@FunctionalInterface
public interface RevocationCheck {

    boolean isRevoked(BigInteger serial);

    /** For tests and demos: nothing is revoked. */
    static RevocationCheck none() {
        return serial -> false;
    }
}
