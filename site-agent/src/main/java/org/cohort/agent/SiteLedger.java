package org.cohort.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import org.cohort.crypto.pki.PrivateDirectories;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.PrivacyWords;
import org.cohort.protocol.v1.UpdateManifest;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The site's own record of everything it sent (one JSON object per line, append-only, synced
 * before the upload starts), so the hospital can show what left the building and at what
 * privacy cost without trusting the coordinator. It is also the source of the site's own
 * privacy accounting.
 */
final class SiteLedger {
    /** Study and round ids as the coordinator makes them; anything else is refused before it is recorded. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .changeDefaultPropertyInclusion(v -> v.withValueInclusion(JsonInclude.Include.NON_NULL))
            .build();

    /**
     * One line of the ledger; the privacy fields are absent for an update without DP, and for a
     * "masked-input" line, which names the digest of the masked input that carried the update
     * recorded before it (the release the coordinator charges, if the secure sum is unmasked).
     */
    record Line(
            String at,
            String study,
            int round,
            String roundId,
            String kind,
            long baseVersion,
            long values,
            String payloadSha256,
            long examples,
            long testExamples,
            String unit,
            Double samplingRate,
            Double noiseMultiplier,
            Long steps,
            Double epsilonAfter,
            Double delta,
            String reason,
            Long controlVariateValues,
            Double clippedToNorm) {
        Line withReason(String why) {
            return new Line(
                    at,
                    study,
                    round,
                    roundId,
                    kind,
                    baseVersion,
                    values,
                    null,
                    examples,
                    testExamples,
                    unit,
                    samplingRate,
                    noiseMultiplier,
                    steps,
                    epsilonAfter,
                    delta,
                    why,
                    controlVariateValues,
                    clippedToNorm);
        }

        /** The unit this line charged (its word in the file), or null for a line without a charge. */
        Unit unitKind() {
            return unit == null ? null : PrivacyWords.accountingUnit(unit);
        }
    }

    private final Path file;

    SiteLedger(Path workDir) {
        this.file = workDir.resolve("ledger.jsonl");
    }

    Path file() {
        return file;
    }

    synchronized void recordSent(
            UpdateManifest m, String kind, PrivacyCharge charge, Double epsilonAfter, Double delta) {
        recordSent(m, kind, charge, epsilonAfter, delta, null);
    }

    /**
     * As above, for an update the agent L2-clipped to {@code clippedToNorm} before quantizing and
     * masking it (the study's maxUpdateNorm; null: no such bound). The line also states how many of
     * its values are SCAFFOLD's control-variate change (absent for other strategies).
     */
    synchronized void recordSent(
            UpdateManifest m,
            String kind,
            PrivacyCharge charge,
            Double epsilonAfter,
            Double delta,
            Double clippedToNorm) {
        requireId("study id", m.getStudyId());
        requireId("round id", m.getRoundId());
        var line = new Line(
                Instant.now().toString(),
                m.getStudyId(),
                m.getRoundNumber(),
                m.getRoundId(),
                kind,
                m.getBaseModelVersion(),
                m.getNumParameters(),
                HexFormat.of().formatHex(m.getPayloadSha256().toByteArray()),
                m.getExampleCount(),
                m.getMetrics().getTestExamples(),
                charge == null ? null : PrivacyWords.word(charge.unit()),
                charge == null ? null : charge.samplingRate(),
                charge == null ? null : charge.noiseMultiplier(),
                charge == null ? null : charge.steps(),
                charge == null ? null : epsilonAfter,
                charge == null ? null : delta,
                null,
                controlValues(m),
                clippedToNorm);
        append(line);
    }

    /**
     * Records the masked input that will carry an update already recorded for the same round: its
     * digest is what the coordinator names when it charges the update's release. No privacy fields:
     * the update's line already counts it.
     */
    synchronized void recordMasked(UpdateManifest masked) {
        append(uncharged(masked, "masked-input"));
    }

    /**
     * Records that the coordinator accepted a plain release this site sent: it charges such a release
     * before it accepts it, so its ledger must show it from now on ({@link LedgerCrossCheck}).
     */
    synchronized void recordAcknowledged(UpdateManifest m) {
        append(uncharged(m, "acknowledged"));
    }

    private static Long controlValues(UpdateManifest m) {
        return m.getControlVariateValues() == 0 ? null : m.getControlVariateValues();
    }

    /** A line without privacy fields about the payload {@code m} describes. */
    private static Line uncharged(UpdateManifest m, String kind) {
        requireId("study id", m.getStudyId());
        requireId("round id", m.getRoundId());
        return new Line(
                Instant.now().toString(),
                m.getStudyId(),
                m.getRoundNumber(),
                m.getRoundId(),
                kind,
                m.getBaseModelVersion(),
                m.getNumParameters(),
                HexFormat.of().formatHex(m.getPayloadSha256().toByteArray()),
                m.getExampleCount(),
                0,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                controlValues(m),
                null);
    }

    /**
     * Records that the agent refused a round's update itself (its trainer's report did not match the
     * study's terms, say): kind "refused" with the code and reason; nothing was sent, nothing is charged.
     */
    synchronized void recordRefused(org.cohort.protocol.v1.RoundTask task, String code, String reason) {
        append(uncharged(
                        UpdateManifest.newBuilder()
                                .setStudyId(task.getStudyId())
                                .setRoundId(task.getRoundId())
                                .setRoundNumber(task.getRoundNumber())
                                .setBaseModelVersion(task.getModelVersion())
                                .build(),
                        "refused")
                .withReason(code + ": " + reason));
    }

    /** Whether this site already released a (charged) evaluation of {@code studyId}: a study gets one. */
    synchronized boolean releasedEvaluation(String studyId) {
        return lines().stream()
                .anyMatch(l -> studyId.equals(l.study()) && "evaluation".equals(l.kind()) && l.unit() != null);
    }

    private void append(Line line) {
        try {
            PrivateDirectories.create(file.getParent());
            Files.writeString(
                    file,
                    JSON.writeValueAsString(line) + "\n",
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND,
                    StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot append to the site ledger " + file
                            + "; nothing is uploaded without a ledger entry (free disk space and retry)",
                    e);
        }
    }

    private static void requireId(String what, String id) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException(
                    "refusing to record a " + what + " with characters other than letters,"
                            + " digits, '.', '_', ':' or '-' (up to 128): the coordinator sent something no Cohort coordinator makes");
        }
    }

    /** The privacy events this site spent on a study for one unit, in order. */
    synchronized List<PrivacyEvent> spent(String studyId, Unit unit) {
        return events(studyId, unit);
    }

    /** The privacy events this site spent for one unit on every study, in order: all its patients' exposure here. */
    synchronized List<PrivacyEvent> spentOnAllStudies(Unit unit) {
        return events(null, unit);
    }

    private List<PrivacyEvent> events(String studyId, Unit unit) {
        var out = new ArrayList<PrivacyEvent>();
        for (Line line : lines()) {
            if ((studyId == null || studyId.equals(line.study())) && unit == line.unitKind()) {
                out.add(new PrivacyEvent.SampledGaussian(line.samplingRate(), line.noiseMultiplier(), line.steps()));
            }
        }
        return out;
    }

    /** Every privacy-bearing update this site sent on a study, in order: one line per release, never per re-send. */
    synchronized List<LedgerCrossCheck.LocalSend> sends(String studyId) {
        var out = new ArrayList<LedgerCrossCheck.LocalSend>();
        List<Line> all = lines();
        for (int i = 0; i < all.size(); i++) {
            Line line = all.get(i);
            if (studyId.equals(line.study()) && line.unit() != null) {
                out.add(new LedgerCrossCheck.LocalSend(
                        line.round(),
                        line.roundId(),
                        line.payloadSha256() == null ? "" : line.payloadSha256(),
                        maskedDigest(all, i),
                        PrivacyWords.unit(line.unit()),
                        line.samplingRate(),
                        line.noiseMultiplier(),
                        line.steps(),
                        acknowledged(all, i)));
            }
        }
        return out;
    }

    /** Whether the coordinator accepted the plain release of line {@code i} (an "acknowledged" line names it). */
    private static boolean acknowledged(List<Line> all, int i) {
        Line sent = all.get(i);
        for (int j = i + 1; j < all.size(); j++) {
            Line next = all.get(j);
            if ("acknowledged".equals(next.kind())
                    && sent.study().equals(next.study())
                    && sent.roundId().equals(next.roundId())
                    && sent.payloadSha256() != null
                    && sent.payloadSha256().equals(next.payloadSha256())) {
                return true;
            }
        }
        return false;
    }

    /** The digest of the masked input that carried the update of line {@code i}, or "" when none was sent. */
    private static String maskedDigest(List<Line> all, int i) {
        Line update = all.get(i);
        for (int j = i + 1; j < all.size(); j++) {
            Line next = all.get(j);
            if ("masked-input".equals(next.kind())
                    && update.study().equals(next.study())
                    && update.roundId().equals(next.roundId())) {
                return next.payloadSha256();
            }
            if (next.unit() != null
                    && update.study().equals(next.study())
                    && update.roundId().equals(next.roundId())) {
                return ""; // another update of the same round came first (the agent trained it again)
            }
        }
        return "";
    }

    /** Every line, in order. */
    synchronized List<Line> lines() {
        var out = new ArrayList<Line>();
        if (!Files.exists(file)) {
            return out;
        }
        List<String> text;
        try {
            text = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the site ledger " + file, e);
        }
        for (int i = 0; i < text.size(); i++) {
            if (text.get(i).isBlank()) {
                continue;
            }
            try {
                Line line = JSON.readValue(text.get(i), Line.class);
                if (line.study() == null
                        || (line.unit() != null
                                && (line.samplingRate() == null
                                        || line.noiseMultiplier() == null
                                        || line.steps() == null))) {
                    throw new IllegalStateException("a field is missing");
                }
                out.add(line);
            } catch (JacksonException | IllegalStateException e) {
                String why = e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage();
                throw new IllegalStateException(
                        "the site ledger " + file + " has a malformed line " + (i + 1) + " (" + why
                                + "); it is append-only: restore it from backup rather than edit it",
                        e);
            }
        }
        return out;
    }
}
