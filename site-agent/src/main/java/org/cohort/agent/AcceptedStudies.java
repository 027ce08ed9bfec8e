package org.cohort.agent;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The studies a running agent accepts, kept in step with {@code agent.properties}: when the file
 * changes ({@code cohort-agent studies accept|withdraw}, or an edit by hand) the agent reads its
 * acceptances again, without a restart. Checked every few seconds and before every task, so a
 * withdrawn study's next task is refused.
 *
 * <p>Fails closed: when the changed file cannot be used (a half-finished edit by hand), no study is
 * added, and a study no longer listed in {@code studies.accepted}, or listed with another pinned
 * digest, is withdrawn all the same; the rest stay as they were until the file is fixed.
 */
final class AcceptedStudies {
    private static final Logger log = LoggerFactory.getLogger(AcceptedStudies.class);

    private final Path file;
    private SortedMap<String, StudyAcceptance> current;
    private String seen;

    /** @param file the configuration file, or null when the agent was configured in code (nothing to watch) */
    AcceptedStudies(Path file, SortedMap<String, StudyAcceptance> initial) {
        this.file = file;
        this.current = new TreeMap<>(initial);
        this.seen = stamp();
    }

    synchronized SortedMap<String, StudyAcceptance> current() {
        return new TreeMap<>(current);
    }

    synchronized Optional<StudyAcceptance> acceptance(String studyId) {
        return Optional.ofNullable(current.get(studyId));
    }

    /** Reads the file again if it changed since last read; true when the accepted studies changed. */
    synchronized boolean refresh() {
        if (file == null) {
            return false;
        }
        String now = stamp();
        if (now.equals(seen)) {
            return false;
        }
        seen = now;
        SortedMap<String, StudyAcceptance> next;
        try {
            next = new TreeMap<>(AgentConfig.load(file).accepted());
        } catch (IllegalArgumentException e) {
            next = stillListed();
            log.error(
                    "{} changed but cannot be used ({}); no study is added until it is fixed, and only studies still"
                            + " listed with the same terms stay accepted: {}",
                    file,
                    e.getMessage(),
                    next.keySet());
        }
        if (next.equals(current)) {
            return false;
        }
        for (String id : current.keySet()) {
            if (!next.containsKey(id)) {
                log.info("study {} withdrawn in {}: its tasks are refused from now on", id, file);
            }
        }
        next.forEach((id, a) -> {
            if (!a.equals(current.get(id))) {
                log.info(
                        "accepts study {} (from {}): declares {} training examples, terms {}",
                        id,
                        file,
                        a.trainingExamples(),
                        a.termsDigest());
            }
        });
        current = next;
        return true;
    }

    /** The current acceptances still listed in the file as written, with the same pinned digest. */
    private SortedMap<String, StudyAcceptance> stillListed() {
        var p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            return new TreeMap<>(); // unreadable: nothing is accepted until it is readable again
        }
        var listed = Arrays.stream(p.getProperty("studies.accepted", "").split(","))
                .map(String::strip)
                .toList();
        var out = new TreeMap<String, StudyAcceptance>();
        current.forEach((id, a) -> {
            if (listed.contains(id)
                    && a.termsDigest()
                            .equals(p.getProperty("study." + id + ".terms", "").strip())) {
                out.put(id, a);
            }
        });
        return out;
    }

    /** The file's modification time, size and key; changes whenever its content is replaced. */
    private String stamp() {
        if (file == null) {
            return "";
        }
        try {
            var attrs = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
            return attrs.lastModifiedTime().toMillis() + "/" + attrs.size() + "/" + attrs.fileKey();
        } catch (IOException e) {
            return "missing";
        }
    }
}
