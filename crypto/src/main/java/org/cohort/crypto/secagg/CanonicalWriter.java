package org.cohort.crypto.secagg;

import java.io.ByteArrayOutputStream;

/**
 * Builds the canonical bytes that are signed or authenticated: big-endian fixed-width integers and
 * length-prefixed byte strings, so that two different messages can never encode to the same bytes.
 */
final class CanonicalWriter {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(128);

    /** Starts with a domain-separation label (see {@link Labels}). */
    static CanonicalWriter labelled(String label) {
        return new CanonicalWriter().bytes(Labels.bytes(label));
    }

    CanonicalWriter int32(int value) {
        out.write(value >>> 24);
        out.write(value >>> 16);
        out.write(value >>> 8);
        out.write(value);
        return this;
    }

    CanonicalWriter bytes(byte[] value) {
        int32(value.length);
        out.writeBytes(value);
        return this;
    }

    CanonicalWriter ints(int[] values) {
        int32(values.length);
        for (int value : values) {
            int32(value);
        }
        return this;
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
