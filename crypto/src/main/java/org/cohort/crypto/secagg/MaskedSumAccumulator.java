package org.cohort.crypto.secagg;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The server's running sum of masked inputs, folded in chunk by chunk as uploads arrive, so memory
 * is one model-sized vector, not one per site.
 *
 * <p>A site whose upload breaks off has part of its masked input in the sum, and that part cannot
 * be unmasked: it would need both the site's self-mask seed (for what arrived) and its mask key
 * (for its neighbours' masks on what did not), which must never both be revealed. So the chunks of
 * an upload still in progress are also kept in an undo log, subtracted again if the upload never
 * completes, and dropped the moment it does. Peak memory is the sum plus the uploads in flight at
 * one time, which the transport bounds by its number of concurrent upload streams.
 */
final class MaskedSumAccumulator {

    private final int[] sum;
    private final Map<Integer, Upload> uploads = new HashMap<>();
    /**
     * Sums of several sites' masked inputs, added up by another aggregator (a coordinator replica
     * that received them), keyed by their sites; every site of a group counts once the group's
     * last chunk is in, and an incomplete group is taken back out like an incomplete upload.
     */
    private final Map<SortedSet<Integer>, Upload> groups = new HashMap<>();

    MaskedSumAccumulator(int vectorLength) {
        this.sum = new int[vectorLength];
    }

    int vectorLength() {
        return sum.length;
    }

    /** Whether a chunk at {@code offset} of {@code length} values would be the next one of this site's upload. */
    String problemWith(int client, int offset, int length) {
        Upload upload = uploads.get(client);
        int received = upload == null ? 0 : upload.received;
        if (upload != null && upload.complete(sum.length)) {
            return "client " + client + " already uploaded its whole masked input; this chunk is a duplicate or replay";
        }
        if (groups.keySet().stream().anyMatch(g -> g.contains(client))) {
            return "client " + client
                    + " is already in the sum through a partial sum; its own input would count it twice";
        }
        if (offset != received) {
            return "chunk of client " + client + " starts at " + offset + " but " + received
                    + " values have arrived; chunks must be sent in order without gaps or repeats";
        }
        if ((long) offset + length > sum.length) {
            return "chunk of client " + client + " ends at " + ((long) offset + length) + ", past the model's "
                    + sum.length + " parameters; the site quantized a different model";
        }
        return null;
    }

    /**
     * Folds a chunk in; call {@link #problemWith} first. Keeps {@code values} itself (not a copy)
     * until the upload completes.
     */
    void add(int client, int offset, int[] values) {
        Upload upload = uploads.computeIfAbsent(client, c -> new Upload());
        Ring32.addInto(sum, offset, values);
        upload.received += values.length;
        if (upload.complete(sum.length)) {
            upload.undo = null; // complete: its contribution stays, the log is no longer needed
        } else {
            upload.undo.add(values); // a chunk record's own array, read-only by contract: no copy needed
        }
    }

    /** Whether a chunk of a group's partial sum at {@code offset} would be the group's next one. */
    String problemWithGroup(SortedSet<Integer> clients, int offset, int length) {
        if (clients.isEmpty()) {
            return "a partial sum must name the sites whose masked inputs it adds up";
        }
        Upload group = groups.get(clients);
        if (group == null) {
            for (int client : clients) {
                if (uploads.containsKey(client) || groups.keySet().stream().anyMatch(g -> g.contains(client))) {
                    return "client " + client
                            + " is already in the sum; a partial sum including it again would count it twice";
                }
            }
        } else if (group.complete(sum.length)) {
            return "the partial sum of clients " + clients + " is already in; this chunk is a duplicate or replay";
        }
        int received = group == null ? 0 : group.received;
        if (offset != received) {
            return "chunk of the partial sum of clients " + clients + " starts at " + offset + " but " + received
                    + " values have arrived; chunks must come in order without gaps or repeats";
        }
        if ((long) offset + length > sum.length) {
            return "chunk of the partial sum of clients " + clients + " ends past the model's " + sum.length
                    + " parameters";
        }
        return null;
    }

    /** Folds a chunk of a group's partial sum in; call {@link #problemWithGroup} first. */
    void addGroup(SortedSet<Integer> clients, int offset, int[] values) {
        Upload group = groups.computeIfAbsent(new TreeSet<>(clients), c -> new Upload());
        Ring32.addInto(sum, offset, values);
        group.received += values.length;
        if (group.complete(sum.length)) {
            group.undo = null;
        } else {
            group.undo.add(values);
        }
    }

    SortedSet<Integer> completed() {
        SortedSet<Integer> done = new TreeSet<>();
        uploads.forEach((client, upload) -> {
            if (upload.complete(sum.length)) {
                done.add(client);
            }
        });
        groups.forEach((clients, group) -> {
            if (group.complete(sum.length)) {
                done.addAll(clients);
            }
        });
        return done;
    }

    /** Takes the partial uploads back out of the sum; they count as dropped. */
    void discardIncomplete() {
        groups.values().removeIf(this::undoIfIncomplete);
        uploads.values().removeIf(this::undoIfIncomplete);
    }

    private boolean undoIfIncomplete(Upload upload) {
        if (upload.complete(sum.length)) {
            return false;
        }
        int offset = 0;
        for (int[] chunk : upload.undo) {
            Ring32.subtractFrom(sum, offset, chunk);
            offset += chunk.length;
        }
        return true;
    }

    /** The running sum itself, for unmasking in place. */
    int[] sum() {
        return sum;
    }

    void wipe() {
        Arrays.fill(sum, 0);
        uploads.clear();
        groups.clear();
    }

    private static final class Upload {
        int received;
        List<int[]> undo = new ArrayList<>();

        boolean complete(int length) {
            return received == length;
        }
    }
}
