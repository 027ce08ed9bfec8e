package org.cohort.coordinator.ledger;

import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * One release of a site's update: an attempt of a round whose update the coordinator could read
 * (a plain upload received and verified, or a secure sum unmasked). What a ledger charge is keyed
 * by — study, round, the attempt's round id, site and the digest the site signed — so each retry
 * (fresh training, fresh noise) is charged, and the same signed update sent again is not.
 *
 * @param payloadSha256 SHA-256 (hex, lower case) of the update's values, from the site's signed manifest
 * @param siteManifest  the site's UpdateManifest bytes exactly as it signed them (empty when not kept)
 * @param siteSignature the site's Ed25519 signature over {@code siteManifest} (empty when not kept)
 */
public record Release(
        String studyId,
        int roundNumber,
        String roundId,
        int attempt,
        String siteId,
        String payloadSha256,
        byte[] siteManifest,
        byte[] siteSignature) {
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    public Release {
        if (studyId == null
                || studyId.isBlank()
                || siteId == null
                || siteId.isBlank()
                || roundId == null
                || roundId.isBlank()) {
            throw new IllegalArgumentException("a release needs a study, a site and the round id of its attempt");
        }
        if (roundNumber < 1 || attempt < 1) {
            throw new IllegalArgumentException(
                    "round numbers and attempts start at 1, got round " + roundNumber + " attempt " + attempt);
        }
        if (payloadSha256 == null || !SHA256_HEX.matcher(payloadSha256).matches()) {
            throw new IllegalArgumentException("a release is named by the SHA-256 of its values (64 lower-case hex"
                    + " digits), got '" + payloadSha256 + "'");
        }
        siteManifest = siteManifest == null ? new byte[0] : siteManifest.clone();
        siteSignature = siteSignature == null ? new byte[0] : siteSignature.clone();
    }

    /** The release of an update whose signed manifest names {@code payloadSha256} (raw bytes). */
    public static Release of(
            String studyId,
            int roundNumber,
            String roundId,
            int attempt,
            String siteId,
            byte[] payloadSha256,
            byte[] siteManifest,
            byte[] siteSignature) {
        return new Release(
                studyId,
                roundNumber,
                roundId,
                attempt,
                siteId,
                HexFormat.of().formatHex(payloadSha256),
                siteManifest,
                siteSignature);
    }

    @Override
    public byte[] siteManifest() {
        return siteManifest.clone();
    }

    @Override
    public byte[] siteSignature() {
        return siteSignature.clone();
    }

    @Override
    public String toString() {
        return "study " + studyId + " round " + roundNumber + " attempt " + attempt + " (" + roundId + ") site "
                + siteId + " update " + payloadSha256.substring(0, 12);
    }
}
