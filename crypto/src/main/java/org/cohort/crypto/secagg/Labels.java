package org.cohort.crypto.secagg;

import java.nio.charset.StandardCharsets;

/**
 * Domain-separation labels: every key derivation, signature and associated-data string of the
 * protocol starts from one of these, so bytes made for one purpose can never be accepted for
 * another. The version suffix changes whenever an encoding or derivation changes.
 */
final class Labels {

    /** Signed by each site over (nonce, index, encryption key, mask key). */
    static final String ADVERTISE_KEYS = "cohort/secagg/v1/advertise-keys";
    /** Signed by each surviving site over (nonce, survivor set). */
    static final String CONSISTENCY = "cohort/secagg/v1/consistency-check";
    /** HKDF info for the AES-GCM key that encrypts the shares one site sends another. */
    static final String SHARE_KEY = "cohort/secagg/v1/share-encryption-key";
    /** AES-GCM associated data prefix for an encrypted share; followed by (nonce, sender, recipient). */
    static final String SHARE_AAD = "cohort/secagg/v1/share";
    /** HKDF info for the seed of the pairwise mask of two sites; followed by the two indices. */
    static final String PAIRWISE_SEED = "cohort/secagg/v1/pairwise-mask-seed";
    /** HKDF info turning any 32-byte mask seed into the AES-CTR key of the mask PRG. */
    static final String PRG_KEY = "cohort/secagg/v1/mask-prg-key";
    /** HKDF info for the public randomness that lays out the neighbour graph of a round. */
    static final String GRAPH = "cohort/secagg/v1/neighbour-graph";

    private Labels() {}

    static byte[] bytes(String label) {
        return label.getBytes(StandardCharsets.US_ASCII);
    }
}
