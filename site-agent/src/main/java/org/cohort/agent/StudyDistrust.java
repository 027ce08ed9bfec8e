package org.cohort.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Studies this site no longer runs rounds for, because the coordinator's record of them could
 * not be trusted (its privacy ledger disagreed with what it signed, or its audit log went
 * backwards). Kept in {@code distrusted-studies.txt} in the work directory, so a restart does
 * not forget; only the site's admin lifts it, by deleting the study's line once the coordinator's
 * operator has explained and repaired the records.
 */
final class StudyDistrust {
    private final Path file;
    private final Map<String, String> reasons = new LinkedHashMap<>();

    StudyDistrust(Path workDir) {
        this.file = workDir.resolve("distrusted-studies.txt");
        if (Files.exists(file)) {
            try {
                for (String line : Files.readAllLines(file)) {
                    int tab = line.indexOf('\t');
                    if (tab > 0) {
                        reasons.putIfAbsent(line.substring(0, tab), line.substring(tab + 1));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
    }

    Path file() {
        return file;
    }

    /** Why the study is distrusted, if it is. */
    synchronized Optional<String> reason(String studyId) {
        return Optional.ofNullable(reasons.get(studyId));
    }

    /** Stops the study at this site for good (until the admin removes its line). */
    synchronized void distrust(String studyId, String reason) {
        if (reasons.containsKey(studyId)) {
            return;
        }
        String oneLine = reason.replace('\n', ' ').replace('\t', ' ');
        reasons.put(studyId, oneLine);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(
                    file,
                    studyId + "\t" + oneLine + "\n",
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND,
                    StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record in " + file + " that study " + studyId + " is distrusted", e);
        }
    }

    /** What the site's admin reads in the log and in the refusal. */
    String advice(String studyId) {
        return "this site refuses every further round of study " + studyId + ". Ask the coordinator's operator to run"
                + " 'cohort audit verify' (with --expect-head for an exported head), which names the bad entry or"
                + " charge, and to explain it; once the records are repaired, delete the line of " + studyId + " from "
                + file + " and restart the agent";
    }
}
