package org.cohort.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cohort.crypto.pki.PrivateDirectories;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.protocol.v1.UpdateManifest;

/**
 * The site's own record of everything it sent (one JSON object per line, append-only, synced
 * before the upload starts), so the hospital can show what left the building and at what
 * privacy cost without trusting the coordinator. It is also the source of the site's own
 * privacy accounting.
 */
final class SiteLedger {
    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":(\"[^\"]*\"|[-0-9.eE]+)");
    private final Path file;

    SiteLedger(Path workDir) {
        this.file = workDir.resolve("ledger.jsonl");
    }

    Path file() {
        return file;
    }

    synchronized void recordSent(UpdateManifest m, String kind, PrivacyCharge charge, Double epsilonAfter, Double delta) {
        String privacy = charge == null ? "" : String.format(Locale.ROOT,
                ",\"unit\":\"%s\",\"samplingRate\":%s,\"noiseMultiplier\":%s,\"steps\":%d,\"epsilonAfter\":%s,\"delta\":%s",
                charge.unit(), charge.samplingRate(), charge.noiseMultiplier(), charge.steps(), epsilonAfter, delta);
        String line = String.format(Locale.ROOT,
                "{\"at\":\"%s\",\"study\":\"%s\",\"round\":%d,\"roundId\":\"%s\",\"kind\":\"%s\",\"baseVersion\":%d,"
                        + "\"values\":%d,\"payloadSha256\":\"%s\",\"examples\":%d,\"testExamples\":%d%s}%n",
                Instant.now(), m.getStudyId(), m.getRoundNumber(), m.getRoundId(), kind, m.getBaseModelVersion(),
                m.getNumParameters(), HexFormat.of().formatHex(m.getPayloadSha256().toByteArray()), m.getExampleCount(),
                m.getMetrics().getTestExamples(), privacy);
        try {
            PrivateDirectories.create(file.getParent());
            Files.writeString(file, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the site ledger " + file
                    + "; nothing is uploaded without a ledger entry (free disk space and retry)", e);
        }
    }

    /** The privacy events this site spent on a study for one unit, in order. */
    synchronized List<PrivacyEvent> spent(String studyId, String unit) {
        var out = new ArrayList<PrivacyEvent>();
        for (var send : sends(studyId)) {
            if (send.unit().equals(unit)) {
                out.add(new PrivacyEvent.SampledGaussian(send.samplingRate(), send.noiseMultiplier(), send.steps()));
            }
        }
        return out;
    }

    /** Every privacy-bearing update this site sent on a study, in order. */
    synchronized List<LedgerCrossCheck.LocalSend> sends(String studyId) {
        var out = new ArrayList<LedgerCrossCheck.LocalSend>();
        if (!Files.exists(file)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(file)) {
                var fields = new java.util.HashMap<String, String>();
                Matcher m = FIELD.matcher(line);
                while (m.find()) {
                    fields.put(m.group(1), m.group(2).replace("\"", ""));
                }
                if (studyId.equals(fields.get("study")) && fields.containsKey("unit")) {
                    out.add(new LedgerCrossCheck.LocalSend(Integer.parseInt(fields.get("round")), fields.get("unit"),
                            Double.parseDouble(fields.get("samplingRate")),
                            Double.parseDouble(fields.get("noiseMultiplier")), Long.parseLong(fields.get("steps"))));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the site ledger " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("the site ledger " + file + " has a malformed line (" + e.getMessage()
                    + "); it is append-only: restore it from backup rather than edit it", e);
        }
        return out;
    }
}
