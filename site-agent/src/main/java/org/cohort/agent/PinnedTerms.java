package org.cohort.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;
import org.cohort.protocol.StudyTerms;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;

/**
 * Holds the coordinator to the terms the site's admin pinned for each accepted study
 * ({@code study.<id>.terms}): every task's privacy plan, in {@link StudyTerms}' canonical form,
 * must have exactly the pinned digest, or the task is refused before anything is read or trained.
 * The first matching task's terms are kept in {@code terms/<study>.json} in the work directory,
 * so that a later refusal names each term that changed rather than only two digests.
 */
final class PinnedTerms {
    private static final Pattern FILE_SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private final Path dir;

    PinnedTerms(Path workDir) {
        this.dir = workDir.resolve("terms");
    }

    /** Why {@code task} must be refused under the terms pinned as {@code pinnedDigest}, or empty when it may run. */
    Optional<String> refusal(RoundTask task, String pinnedDigest) {
        String study = task.getStudyId();
        StudyTerms now = StudyTerms.of(task);
        if (!now.digest().equals(pinnedDigest)) {
            String what = stored(study, pinnedDigest)
                    .map(pinned -> "these terms differ: " + String.join("; ", pinned.differences(now)))
                    .orElse("its terms are " + now.canonicalJson() + " (digest " + now.digest() + ")");
            return Optional.of("the task's privacy terms are not those this site's admin pinned for study " + study
                    + " (study." + study + ".terms=" + pinnedDigest + "): " + what + ". A study's terms never change,"
                    + " so the coordinator sent a task this site did not agree to; nothing was trained. If the study's"
                    + " owner did publish new terms, its admin must review GET /api/studies/" + study + "/terms and"
                    + " pin the new digest");
        }
        store(study, now);
        // The plan says whether the study's updates go through secure aggregation; the task must agree.
        if (task.getKind() == TaskKind.TRAIN && now.secureAggregation() != task.hasSecagg()) {
            return Optional.of("study " + study + "'s pinned terms "
                    + (now.secureAggregation()
                            ? "require secure aggregation, but this training task has no secure-aggregation plan"
                            : "have no secure aggregation, but this training task carries a secure-aggregation plan")
                    + "; nothing was trained");
        }
        return Optional.empty();
    }

    /** The terms kept for {@code study} when they are the pinned ones (an admin who re-pinned makes them stale). */
    private Optional<StudyTerms> stored(String study, String pinnedDigest) {
        Path file = file(study);
        if (file == null || !Files.exists(file)) {
            return Optional.empty();
        }
        try {
            StudyTerms kept = StudyTerms.parse(Files.readString(file).strip());
            return kept.digest().equals(pinnedDigest) ? Optional.of(kept) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty(); // only the message is poorer: the digests still decide
        }
    }

    private void store(String study, StudyTerms terms) {
        Path file = file(study);
        if (file == null || stored(study, terms.digest()).isPresent()) {
            return;
        }
        try {
            Files.createDirectories(dir);
            Files.writeString(file, terms.canonicalJson() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot keep study " + study + "'s terms in " + file
                            + " (free disk space, or make the work directory writable)",
                    e);
        }
    }

    private Path file(String study) {
        return FILE_SAFE.matcher(study).matches() ? dir.resolve(study + ".json") : null;
    }
}
