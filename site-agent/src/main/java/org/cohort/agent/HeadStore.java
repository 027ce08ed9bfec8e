package org.cohort.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.cohort.crypto.signature.SignatureVerifier;
import org.cohort.protocol.SignedMessages;
import org.cohort.protocol.v1.AuditHead;

/**
 * Every signed audit head this site received from the coordinator ({@code audit-heads.log} in
 * the work directory, one "seq hash" line per new head, kept across restarts). The coordinator's
 * log only grows and the heads of one site's tasks are stamped in sending order, so a head that
 * goes backwards, or another hash at a sequence number already seen, means its log was cut back
 * or rewritten since - which the coordinator's own verification cannot show once the database
 * holds a consistent shorter or re-signed chain.
 */
final class HeadStore {
    private final Path file;
    private final SignatureVerifier coordinatorKey;
    private final TreeMap<Long, String> seen = new TreeMap<>();

    HeadStore(Path workDir, SignatureVerifier coordinatorKey) {
        this.file = workDir.resolve("audit-heads.log");
        this.coordinatorKey = coordinatorKey;
        load();
    }

    Path file() {
        return file;
    }

    /**
     * Checks and keeps one head: empty when it is signed by the coordinator and consistent with
     * every head seen before, else what is wrong.
     */
    synchronized Optional<String> observe(AuditHead head) {
        if (head == null || head.getSignature().isEmpty()) {
            return Optional.of("the coordinator sent this task without a signed audit head, so this site cannot tell"
                    + " whether its audit log was cut back or rewritten");
        }
        String hash = HexFormat.of().formatHex(head.getHash().toByteArray());
        String before = seen.get(head.getSeq());
        if (!coordinatorKey.verify(
                SignedMessages.auditHead(head.getSeq(), hash),
                head.getSignature().toByteArray())) {
            return Optional.of("the audit head #" + head.getSeq() + " " + hash + " sent with this task is not signed by"
                    + " the coordinator key this site enrolled with");
        }
        Map.Entry<Long, String> latest = seen.lastEntry();
        if (latest != null && head.getSeq() < latest.getKey()) {
            return Optional.of("the coordinator's audit log went backwards: its head is now #" + head.getSeq()
                    + ", but this site already saw it reach #" + latest.getKey() + " (" + latest.getValue() + "):"
                    + " entries were removed from its end (" + file + ")");
        }
        if (before != null && !before.equals(hash)) {
            return Optional.of("the coordinator's audit log was rewritten: entry #" + head.getSeq() + " now has hash "
                    + hash + ", but this site saw hash " + before + " at #" + head.getSeq() + " before (" + file + ")");
        }
        if (before == null) {
            seen.put(head.getSeq(), hash);
            append(head.getSeq() + " " + hash + "\n");
        }
        return Optional.empty();
    }

    private void load() {
        if (!Files.exists(file)) {
            return;
        }
        try {
            for (String line : Files.readAllLines(file)) {
                String[] parts = line.strip().split(" ");
                if (parts.length == 2) {
                    seen.put(Long.parseLong(parts[0]), parts[1]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException(
                    "cannot read the audit heads this site saw, " + file + " (" + e.getMessage()
                            + "); it is append-only: restore it from backup rather than edit it",
                    e);
        }
    }

    private void append(String line) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(
                    file, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the coordinator's audit head in " + file, e);
        }
    }
}
