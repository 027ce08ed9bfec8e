package org.cohort.crypto.seal;

import java.util.Optional;

/**
 * Authenticated encryption of small values under a key the caller never sees (Tink's {@code Aead},
 * in Cohort's words). Get one from {@link org.cohort.crypto.pki.SiteCertificateAuthority#sealer}:
 * every holder of the same CA and purpose can open what another sealed, and nobody else can
 * read or forge it.
 */
public interface Sealer {

    /**
     * Encrypts and authenticates {@code plaintext}, bound to {@code context} (which is not
     * encrypted and must be given again to open). Sealing the same value twice gives different bytes.
     */
    byte[] seal(byte[] plaintext, byte[] context);

    /** The plaintext, or empty if the bytes were not sealed by this key for this context, or were altered. */
    Optional<byte[]> open(byte[] sealed, byte[] context);
}
