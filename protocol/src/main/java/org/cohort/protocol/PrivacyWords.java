package org.cohort.protocol;

import java.util.Locale;
import org.cohort.protocol.v1.Accountant;
import org.cohort.protocol.v1.PrivacyMode;

/**
 * The one mapping between the privacy enums of the wire and the words people and documents use:
 * the REST API's study spec, the CLI, and the canonical study terms sites pin ("none", "patient",
 * "site"; "rdp", "pld"). Nowhere else is a privacy mode or accountant compared as a string.
 */
public final class PrivacyWords {
    private PrivacyWords() {}

    /** The word for {@code mode}; an unset mode is "none" (a task without a privacy plan). */
    public static String word(PrivacyMode mode) {
        return switch (mode) {
            case PRIVACY_MODE_UNSPECIFIED, PRIVACY_MODE_NONE -> "none";
            case PRIVACY_MODE_PATIENT -> "patient";
            case PRIVACY_MODE_SITE -> "site";
            case UNRECOGNIZED -> "unrecognized";
        };
    }

    /** The mode a word names ("none", "patient", "site", any case). */
    public static PrivacyMode mode(String word) {
        return switch (word == null ? "" : word.strip().toLowerCase(Locale.ROOT)) {
            case "none" -> PrivacyMode.PRIVACY_MODE_NONE;
            case "patient" -> PrivacyMode.PRIVACY_MODE_PATIENT;
            case "site" -> PrivacyMode.PRIVACY_MODE_SITE;
            default ->
                throw new IllegalArgumentException("privacy mode must be none, patient or site, got '" + word + "'");
        };
    }

    /** The word for {@code accountant}; an unset one is "" (a study without DP has none). */
    public static String word(Accountant accountant) {
        return switch (accountant) {
            case ACCOUNTANT_UNSPECIFIED -> "";
            case ACCOUNTANT_RDP -> "rdp";
            case ACCOUNTANT_PLD -> "pld";
            case UNRECOGNIZED -> "unrecognized";
        };
    }

    /** The accountant a word names ("rdp", "pld", any case). */
    public static Accountant accountant(String word) {
        return switch (word == null ? "" : word.strip().toLowerCase(Locale.ROOT)) {
            case "rdp" -> Accountant.ACCOUNTANT_RDP;
            case "pld" -> Accountant.ACCOUNTANT_PLD;
            default -> throw new IllegalArgumentException("accountant must be rdp or pld, got '" + word + "'");
        };
    }

    /** Whether a task under {@code mode} is differentially private (patient or site level). */
    public static boolean isPrivate(PrivacyMode mode) {
        return mode == PrivacyMode.PRIVACY_MODE_PATIENT || mode == PrivacyMode.PRIVACY_MODE_SITE;
    }
}
