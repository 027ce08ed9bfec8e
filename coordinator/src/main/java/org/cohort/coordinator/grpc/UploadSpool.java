package org.cohort.coordinator.grpc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk side of uploads on this replica: where each upload is spooled, the interrupted uploads
 * that may still be resumed (one per site and round), and the sweeps that delete what no upload
 * can use any more, so a site that breaks off upload after upload cannot fill the disk.
 */
final class UploadSpool {
    private static final Logger log = LoggerFactory.getLogger(UploadSpool.class);
    private static final String SUFFIX = ".f32";

    /** What an interrupted upload left: its verified prefix on disk and the digest state over it. */
    record Interrupted(
            byte[] nonce,
            byte[] payloadSha256,
            long received,
            Path spoolFile,
            MessageDigest sha,
            double sumOfSquares) {}

    private final Path root;
    private final Predicate<String> roundOpen;
    /** Interrupted uploads that may be resumed, by {@link #key site and round}. */
    private final Map<String, Interrupted> interrupted = new ConcurrentHashMap<>();

    /**
     * @param root      the spool directory (created, owner-only)
     * @param roundOpen whether a round id still takes uploads (anything else is swept)
     */
    UploadSpool(Path root, Predicate<String> roundOpen) {
        this.root = root;
        this.roundOpen = roundOpen;
    }

    static String key(String site, String roundId) {
        return site + "/" + roundId;
    }

    Path root() {
        return root;
    }

    /**
     * Where an upload is spooled: one file per site and round directly in the spool directory
     * (round and site ids hold no dots or slashes), so no directory is left behind per round.
     */
    Path file(String roundId, String site) {
        return root.resolve(roundId + "." + site + SUFFIX);
    }

    /** The interrupted upload kept under {@code key}, or null. */
    Interrupted held(String key) {
        return interrupted.get(key);
    }

    /** Keeps an interrupted upload for resumption. */
    void hold(String key, Interrupted upload) {
        interrupted.put(key, upload);
    }

    /** Forgets the interrupted upload under {@code key} (its file stays) and returns it, or null. */
    Interrupted release(String key) {
        return interrupted.remove(key);
    }

    /**
     * Forgets interrupted uploads that can no longer be resumed (their round has closed, or
     * {@code site} has started another; null: only closed rounds), deleting their spooled prefix.
     */
    void forgetStale(String site) {
        interrupted.entrySet().removeIf(e -> {
            boolean stale = site != null && e.getKey().startsWith(site + "/")
                    || !roundOpen.test(e.getKey().substring(e.getKey().indexOf('/') + 1));
            if (stale) {
                deleteQuietly(e.getValue().spoolFile());
            }
            return stale;
        });
    }

    /**
     * Removes what no upload can use any more: interrupted uploads of rounds that closed, files of
     * rounds that are not open (left by a crash or a broken-off stream), and the per-round
     * directories earlier versions left. What belongs to an open round stays, whichever replica
     * spooled it.
     */
    void sweep() {
        try {
            forgetStale(null);
            if (!Files.isDirectory(root)) {
                return;
            }
            try (var entries = Files.list(root)) {
                for (Path entry : entries.toList()) {
                    String name = entry.getFileName().toString();
                    int dot = name.indexOf('.');
                    String roundId = dot < 0 ? name : name.substring(0, dot);
                    if (!roundOpen.test(roundId)) {
                        deleteTree(entry);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // Out of the cluster's quorum, or the disk is unhappy: the next sweep tries again.
            log.debug("spool sweep skipped: {}", e.toString());
        }
    }

    private static void deleteTree(Path entry) throws IOException {
        if (Files.isDirectory(entry)) {
            try (var inside = Files.list(entry)) {
                for (Path p : inside.toList()) {
                    deleteQuietly(p);
                }
            }
        }
        deleteQuietly(entry);
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the spool sweep removes it
        }
    }
}
