package org.cohort.agent;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.cohort.crypto.tls.PinnedCaTrust;

/**
 * {@code cohort-agent check}: everything an agent needs before its first round, each with a
 * verdict a hospital's IT team can act on, without enrolling or training: the configuration, the
 * data file, the work directory and its disk, the coordinator's reachability under the pinned CA,
 * the ND4J backend, and an external trainer (started once and asked what it is).
 */
final class AgentCheck {
    /** Below this much free space in the work directory a model download or a ledger append may fail. */
    static final long MIN_FREE_BYTES = 1L << 30;

    record Verdict(String what, boolean ok, String detail) {
        String line() {
            return (ok ? "  ok    " : "  FAIL  ") + what + ": " + detail;
        }
    }

    private AgentCheck() {}

    /** Every check for the configuration in {@code file}; connecting waits at most {@code connectTimeout}. */
    static List<Verdict> run(Path file, Duration connectTimeout) {
        var out = new ArrayList<Verdict>();
        AgentConfig config;
        try {
            config = AgentConfig.load(file);
            out.add(new Verdict(
                    "configuration",
                    true,
                    file + " parses; " + config.acceptedStudies().size()
                            + " accepted stud" + (config.acceptedStudies().size() == 1 ? "y" : "ies")
                            + (config.acceptedStudies().isEmpty()
                                    ? " (the agent will connect but train nothing)"
                                    : "")));
        } catch (IllegalArgumentException e) {
            out.add(new Verdict("configuration", false, e.getMessage()));
            return out;
        }
        out.add(dataFile(config.dataPath()));
        out.add(workDirectory(config.workDir()));
        boolean enrolled = AgentIdentity.exists(config.workDir());
        out.add(new Verdict(
                "enrollment",
                enrolled
                        || !config.enrollmentToken().isEmpty()
                                && !config.caFingerprint().isEmpty(),
                enrolled
                        ? "enrolled (identity in " + config.workDir() + ")"
                        : config.enrollmentToken().isEmpty()
                                        || config.caFingerprint().isEmpty()
                                ? "not enrolled, and enrollment.token or coordinator.ca-fingerprint is empty: ask the coordinator's"
                                        + " operator for an enrollment token"
                                : java.nio.file.Files.exists(PendingEnrollmentKeys.file(config.workDir()))
                                        ? "not enrolled yet: an enrollment was started and its answer not received;"
                                                + " the next start sends the same request (its keys are in "
                                                + PendingEnrollmentKeys.file(config.workDir()) + ")"
                                        : "not enrolled yet; will enroll on first start with the token"));
        if (!config.caFingerprint().isEmpty()) {
            for (String address : config.coordinatorAddresses()) {
                out.add(reachable(address, config.caFingerprint(), connectTimeout));
            }
        }
        out.add(backend());
        out.add(trainer(config));
        if (config.siteModules() != null) {
            var listing = config.siteModules().listing();
            out.add(new Verdict(
                    "modules",
                    listing.stream().noneMatch(l -> l.endsWith("cannot be read") || l.contains(": names neither")),
                    config.siteModules().dir() + " lists " + listing.size() + " module(s)"
                            + (listing.isEmpty() ? "" : ": " + String.join("; ", listing))));
        }
        return out;
    }

    /** The configured trainer: DL4J in process, or the external trainer started once and asked what it is. */
    static Verdict trainer(AgentConfig config) {
        if (config.trainerCommand().isEmpty()) {
            return new Verdict("trainer", true, "dl4j, in the agent's process (trainer.kind)");
        }
        Path scratch = null;
        try {
            // Its socket and log in a scratch directory: a check creates nothing in the work directory.
            scratch = Files.createTempDirectory("cohort-trainer-check-");
            try (Trainer external = new ExternalTrainer(
                    config.trainerCommand(),
                    scratch.resolve("trainer"),
                    Duration.ofSeconds(config.trainerTimeoutSeconds()))) {
                return new Verdict("trainer", true, external.describe() + " answers on its socket");
            }
        } catch (IOException | RuntimeException e) {
            return new Verdict(
                    "trainer", false, "the external trainer (trainer.command) cannot start: " + e.getMessage());
        } finally {
            deleteQuietly(scratch);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException e) {
            // a scratch directory under the temporary directory: left for the system to clean
        }
    }

    static Verdict dataFile(Path data) {
        if (Files.isDirectory(data)) {
            return imageFolder(data);
        }
        if (!Files.isRegularFile(data)) {
            return new Verdict("data file", false, data + " does not exist or is not a file (data.path)");
        }
        if (!Files.isReadable(data)) {
            return new Verdict("data file", false, data + " is not readable by this user");
        }
        try (var lines = Files.lines(data)) {
            long n = lines.count();
            return new Verdict(
                    "data file",
                    n > 0,
                    data
                            + (n > 0
                                    ? " is readable (" + n + " lines; its columns are"
                                            + " checked against each study's schema before that study's first round)"
                                    : " is empty"));
        } catch (IOException | java.io.UncheckedIOException e) {
            return new Verdict("data file", false, data + " cannot be read as text: " + e.getMessage());
        }
    }

    /**
     * A data folder, for image studies: every image is decoded once, and what no study's declaration
     * could make right (a file that is not a PNG or JPEG or does not decode, a nested folder, a link
     * leading out of the folder) fails the check, each problem named. The classes, size and channels
     * each study declares are checked against the folder before its first round.
     */
    static Verdict imageFolder(Path data) {
        org.cohort.learning.data.ImageFolderLoader.Survey survey;
        try {
            survey = org.cohort.learning.data.ImageFolderLoader.survey(data);
        } catch (IOException | RuntimeException e) {
            return new Verdict("data folder", false, data + " cannot be read: " + e.getMessage());
        }
        if (!survey.problems().isEmpty()) {
            var b = new StringBuilder(data + " has " + survey.problems().size() + " problem"
                    + (survey.problems().size() == 1 ? "" : "s") + " (fix or remove the files; nothing is skipped):");
            survey.problems().stream()
                    .limit(20)
                    .forEach(p -> b.append("\n          ").append(p));
            if (survey.problems().size() > 20) {
                b.append("\n          ... and ")
                        .append(survey.problems().size() - 20)
                        .append(" more");
            }
            return new Verdict("data folder", false, b.toString());
        }
        if (survey.total() == 0) {
            return new Verdict(
                    "data folder", false, data + " holds no image (one folder per class, PNG or JPEG files in each)");
        }
        return new Verdict(
                "data folder",
                true,
                data + " holds " + survey.total() + " readable images in "
                        + survey.images().size()
                        + " class folders " + survey.images() + "; sizes " + survey.sizes() + ", colour channels "
                        + survey.channels() + " (each study's classes, size and channels are checked before its"
                        + " first round)");
    }

    static Verdict workDirectory(Path work) {
        // A check only looks: it creates and changes nothing (the agent makes its directory 0700 on start).
        Path existing = work;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
            return new Verdict(
                    "work directory",
                    false,
                    work + " does not exist and "
                            + (existing == null ? "has no existing parent" : existing + " is not a writable directory")
                            + ": create it for the agent's user");
        }
        if (!Files.exists(work)) {
            try {
                long free = Files.getFileStore(existing).getUsableSpace();
                return new Verdict(
                        "work directory",
                        free >= MIN_FREE_BYTES,
                        work + " will be created on first start" + " (in " + existing + ", writable; " + (free >> 20)
                                + " MiB free)");
            } catch (IOException e) {
                return new Verdict("work directory", false, existing + " cannot be inspected: " + e.getMessage());
            }
        }
        try {
            Path probe = Files.createTempFile(work, "check", ".tmp");
            Files.delete(probe);
            long free = Files.getFileStore(work).getUsableSpace();
            return new Verdict(
                    "work directory",
                    free >= MIN_FREE_BYTES,
                    work + " is writable; " + (free >> 20) + " MiB free"
                            + (free >= MIN_FREE_BYTES ? "" : ": free at least 1 GiB (models, spooled uploads)"));
        } catch (IOException | RuntimeException e) {
            return new Verdict("work directory", false, work + " cannot be created or written: " + e.getMessage());
        }
    }

    /** A TLS handshake with the coordinator that only a server under the pinned CA can complete. */
    static Verdict reachable(String address, String fingerprint, Duration timeout) {
        PinnedCaTrust pinned;
        try {
            pinned = PinnedCaTrust.forFingerprint(fingerprint);
        } catch (IllegalArgumentException e) {
            return new Verdict(
                    "coordinator " + address, false, "coordinator.ca-fingerprint is malformed: " + e.getMessage());
        }
        ManagedChannel channel = NettyChannelBuilder.forTarget(
                        address,
                        TlsChannelCredentials.newBuilder().trustManager(pinned).build())
                .build();
        try {
            Instant deadline = Instant.now().plus(timeout);
            ConnectivityState state = channel.getState(true);
            while (state != ConnectivityState.READY && Instant.now().isBefore(deadline)) {
                Thread.sleep(100);
                state = channel.getState(true);
            }
            if (state == ConnectivityState.READY) {
                return new Verdict(
                        "coordinator " + address, true, "reachable; its TLS certificate chains to the" + " pinned CA");
            }
            return new Verdict(
                    "coordinator " + address,
                    false,
                    pinned.observedCa().isPresent()
                            ? "answered, but its CA is not the pinned one (check coordinator.ca-fingerprint)"
                            : "no TLS connection within " + timeout.toSeconds() + " s (" + state
                                    + "): check the address," + " the firewall and that the coordinator runs");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Verdict("coordinator " + address, false, "interrupted");
        } finally {
            channel.shutdownNow();
        }
    }

    static Verdict backend() {
        if (!org.cohort.learning.Dl4jSupport.present()) {
            return new Verdict(
                    "ND4J backend",
                    true,
                    "none: " + org.cohort.learning.Dl4jSupport.lean("agent")
                            + " (training and evaluation run in the external trainer)");
        }
        try {
            org.cohort.learning.Nd4jRuntime.ensureInitialised();
            var backend = org.nd4j.linalg.factory.Nd4j.getBackend();
            return new Verdict(
                    "ND4J backend",
                    true,
                    backend.getClass().getSimpleName() + " loaded (" + System.getProperty("os.name") + " "
                            + System.getProperty("os.arch") + ")");
        } catch (Throwable e) {
            return new Verdict(
                    "ND4J backend",
                    false,
                    "cannot load ND4J's native backend for "
                            + System.getProperty("os.name") + " " + System.getProperty("os.arch") + " (" + e + "); this"
                            + " agent build ships linux-x86_64 natives only");
        }
    }
}
