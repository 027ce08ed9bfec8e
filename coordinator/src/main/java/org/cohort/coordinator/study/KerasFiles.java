package org.cohort.coordinator.study;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.cohort.learning.model.KerasImport;

/**
 * Keras files a study brings, imported once: creating a study checks the model, sizes it, builds
 * its configuration and reads its weights, and an HDF5 import is too slow to repeat for each. The
 * last few imports are kept by the file's SHA-256; callers get a copy of the weights.
 */
final class KerasFiles {
    private KerasFiles() {}

    /**
     * Imports kept: two studies being created at once. Each holds at most the weights of a file of
     * {@link KerasImport#MAX_BYTES}, so the cache holds at most about 64 MiB.
     */
    private static final int KEPT = 2;

    private static final Map<String, KerasImport.Imported> IMPORTED = new LinkedHashMap<>(KEPT, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, KerasImport.Imported> eldest) {
            return size() > KEPT;
        }
    };

    /** The imported file; IllegalArgumentException in words when it cannot be used (see {@link KerasImport}). */
    static KerasImport.Imported imported(byte[] hdf5) {
        String key = sha256(hdf5);
        synchronized (IMPORTED) {
            KerasImport.Imported kept = IMPORTED.get(key);
            if (kept != null) {
                return copy(kept);
            }
        }
        KerasImport.Imported fresh = KerasImport.read(hdf5);
        synchronized (IMPORTED) {
            IMPORTED.put(key, fresh);
        }
        return copy(fresh);
    }

    private static KerasImport.Imported copy(KerasImport.Imported i) {
        return new KerasImport.Imported(i.spec(), i.parameters().clone());
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
