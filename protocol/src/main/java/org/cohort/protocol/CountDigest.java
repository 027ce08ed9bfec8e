package org.cohort.protocol;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/** The digest a site's manifest names for a release of counts: SHA-256 over them as big-endian 64-bit integers. */
final class CountDigest {
    private CountDigest() {}

    static byte[] sha256(List<Long> counts) {
        ByteBuffer bytes = ByteBuffer.allocate(Long.BYTES * counts.size());
        counts.forEach(bytes::putLong);
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes.array());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
