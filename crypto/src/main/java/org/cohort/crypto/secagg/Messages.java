package org.cohort.crypto.secagg;

import java.util.List;
import java.util.Objects;

/** Shape checks shared by the message records, so malformed input fails where it is built or decoded. */
final class Messages {

    private Messages() {}

    static void requireNonce(byte[] roundNonce, String message) {
        if (roundNonce == null
                || roundNonce.length < SecAggParameters.MIN_NONCE_BYTES
                || roundNonce.length > SecAggParameters.MAX_NONCE_BYTES) {
            throw new IllegalArgumentException("The " + message + " carry no valid round nonce ("
                    + SecAggParameters.MIN_NONCE_BYTES + ".." + SecAggParameters.MAX_NONCE_BYTES + " bytes)");
        }
    }

    static void requireIndex(int clientIndex, String message) {
        if (clientIndex < 0 || clientIndex > SecAggParameters.MAX_CLIENTS) {
            throw new IllegalArgumentException(
                    "The " + message + " name client index " + clientIndex + ", which no round has");
        }
    }

    static byte[] requireKey(byte[] key, String what) {
        if (key == null || key.length != X25519Keys.KEY_BYTES) {
            throw new IllegalArgumentException("An X25519 " + what + " must be " + X25519Keys.KEY_BYTES + " bytes, got "
                    + (key == null ? "none" : key.length));
        }
        return key.clone();
    }

    /** A copy of {@code indices}, which must be strictly ascending client indices (a set in canonical order). */
    static int[] requireAscending(int[] indices, String what) {
        if (indices == null) {
            throw new IllegalArgumentException("The " + what + " are missing");
        }
        for (int i = 0; i < indices.length; i++) {
            requireIndex(indices[i], what);
            if (i > 0 && indices[i] <= indices[i - 1]) {
                throw new IllegalArgumentException(
                        "The " + what + " must be strictly ascending client indices (a set in"
                                + " canonical order), but " + indices[i] + " follows " + indices[i - 1]);
            }
        }
        return indices.clone();
    }

    static <T> List<T> requireList(List<T> list, String what) {
        if (list == null || list.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("The " + what + " are missing or contain a null entry");
        }
        return List.copyOf(list);
    }
}
