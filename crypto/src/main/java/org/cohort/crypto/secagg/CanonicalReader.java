package org.cohort.crypto.secagg;

import java.util.Arrays;

/** Parses what {@link CanonicalWriter} wrote; any deviation is an {@link IllegalArgumentException}. */
final class CanonicalReader {

    private final byte[] data;
    private final String what;
    private int position;

    CanonicalReader(byte[] data, String what) {
        if (data == null) {
            throw new IllegalArgumentException("Cannot decode " + what + ": no bytes given");
        }
        this.data = data;
        this.what = what;
    }

    void label(String expected) {
        byte[] label = bytes(64);
        if (!Arrays.equals(label, Labels.bytes(expected))) {
            throw malformed("it does not start with the label '" + expected
                    + "'; it was encoded for another purpose or version");
        }
    }

    int int32() {
        require(4);
        int value = ((data[position] & 0xff) << 24)
                | ((data[position + 1] & 0xff) << 16)
                | ((data[position + 2] & 0xff) << 8)
                | (data[position + 3] & 0xff);
        position += 4;
        return value;
    }

    byte[] bytes(int maxLength) {
        int length = int32();
        if (length < 0 || length > maxLength) {
            throw malformed("a field claims " + length + " bytes, more than the " + maxLength + " allowed");
        }
        require(length);
        byte[] value = Arrays.copyOfRange(data, position, position + length);
        position += length;
        return value;
    }

    int[] ints(int maxCount) {
        int count = int32();
        if (count < 0 || count > maxCount) {
            throw malformed("a list claims " + count + " entries, more than the " + maxCount + " allowed");
        }
        int[] values = new int[count];
        for (int i = 0; i < count; i++) {
            values[i] = int32();
        }
        return values;
    }

    void end() {
        if (position != data.length) {
            throw malformed((data.length - position) + " unexpected trailing bytes");
        }
    }

    private void require(int length) {
        if (data.length - position < length) {
            throw malformed("it ends early (truncated in transit?)");
        }
    }

    private IllegalArgumentException malformed(String why) {
        return new IllegalArgumentException("Malformed " + what + ": " + why);
    }
}
