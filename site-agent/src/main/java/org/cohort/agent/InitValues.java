package org.cohort.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.cohort.protocol.JoinCode;

/**
 * Fills {@code init}'s template with what the hospital's admin was given: the join code's site
 * name, addresses, CA fingerprint and token, and the data file and work directory. Only lines
 * {@code key=...} of the template change, so every comment stays where it was.
 */
final class InitValues {
    private static final long MAX_JOIN_FILE_BYTES = 8192;

    private InitValues() {}

    /** The join code in {@code file} (as {@code cohort sites invite --out} wrote it). */
    static JoinCode readJoinCode(Path file) {
        try {
            if (Files.size(file) > MAX_JOIN_FILE_BYTES) {
                throw new IllegalArgumentException(file + " is not a join code file (over 8 KiB)");
            }
            return JoinCode.decode(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no join code file " + file + ": give --join the file the coordinator's"
                    + " operator sent (cohort sites invite NAME --out FILE)");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the join code file " + file + ": " + e.getMessage());
        }
    }

    /** The template's commented external-trainer lines, which {@link #externalTrainer} turns on. */
    private static final String COMMENTED_EXTERNAL_TRAINER =
            "#trainer.kind=external\n#trainer.command=python3 /opt/cohort/trainers/pytorch/cohort_torch_worker.py\n";

    /**
     * The configuration with the external trainer on, running {@code worker} with {@code python3}: what a lean
     * agent (built without DL4J, which cannot train in process) writes. A path with white space (trainer.command
     * splits on spaces) or a backslash (a properties file's escape) is left for the admin to write, as the
     * template has it.
     */
    static String externalTrainer(String text, Path worker) {
        if (!text.contains(COMMENTED_EXTERNAL_TRAINER)) {
            throw new IllegalStateException("the configuration template lost its trainer lines");
        }
        if (worker.toString().chars().anyMatch(c -> Character.isWhitespace(c) || c == '\\')) {
            return text.replace(
                    COMMENTED_EXTERNAL_TRAINER,
                    "trainer.kind=external\n"
                            + "#trainer.command=python3 /opt/cohort/trainers/pytorch/cohort_torch_worker.py\n");
        }
        return text.replace(
                COMMENTED_EXTERNAL_TRAINER, "trainer.kind=external\ntrainer.command=python3 " + worker + "\n");
    }

    /**
     * @param join    the join code, or null to leave those lines as the template has them
     * @param data    the data file, or null
     * @param workDir the work directory, or null
     */
    static String fill(String template, JoinCode join, Path data, Path workDir) {
        Map<String, String> values = new LinkedHashMap<>();
        if (join != null) {
            values.put("site.name", join.siteName());
            values.put("coordinator.addresses", String.join(",", join.addresses()));
            values.put("coordinator.ca-fingerprint", join.caFingerprint());
            values.put("enrollment.token", join.token());
        }
        if (data != null) {
            values.put("data.path", absolute(data));
        }
        if (workDir != null) {
            values.put("work.dir", absolute(workDir));
        }
        StringBuilder out = new StringBuilder();
        for (String line : template.split("\n", -1)) {
            int eq = line.indexOf('=');
            String key = eq > 0 && !line.startsWith("#") ? line.substring(0, eq) : null;
            out.append(key != null && values.containsKey(key) ? key + "=" + values.remove(key) : line)
                    .append('\n');
        }
        if (!values.isEmpty()) {
            throw new IllegalStateException("the configuration template has no line for " + values.keySet());
        }
        return out.substring(0, out.length() - 1);
    }

    private static String absolute(Path p) {
        String text = p.toAbsolutePath().normalize().toString();
        if (text.contains(" #") || text.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("the path " + p + " cannot go in agent.properties (it holds ' #' or a"
                    + " control character); move or link it to a plain path");
        }
        // A properties file reads a backslash as an escape: Windows paths are written with slashes.
        return text.replace('\\', '/');
    }
}
