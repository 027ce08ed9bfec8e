package org.cohort.protocol;

import java.util.Locale;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.v1.Accountant;
import org.cohort.protocol.v1.PrivacyMode;
import org.cohort.protocol.v1.PrivacyUnit;

/**
 * The one mapping between the privacy enums of the wire and the words people and documents use:
 * the REST API's study spec, the CLI, and the canonical study terms sites pin ("none", "patient",
 * "site"; "rdp", "pld"), and between them and the privacy module's {@link Unit} and
 * {@link AccountantKind}. Nowhere else is a privacy mode, unit or accountant compared as a string.
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
                throw new IllegalArgumentException(
                        "privacy mode must be 'none', 'patient' or 'site', got '" + word + "'");
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
            default -> throw new IllegalArgumentException("accountant must be 'rdp' or 'pld', got '" + word + "'");
        };
    }

    /** Whether a task under {@code mode} is differentially private (patient or site level). */
    public static boolean isPrivate(PrivacyMode mode) {
        return mode == PrivacyMode.PRIVACY_MODE_PATIENT || mode == PrivacyMode.PRIVACY_MODE_SITE;
    }

    /** The word for {@code unit} ("patient" or "site"). */
    public static String word(PrivacyUnit unit) {
        return switch (unit) {
            case PRIVACY_UNIT_PATIENT -> "patient";
            case PRIVACY_UNIT_SITE -> "site";
            case PRIVACY_UNIT_UNSPECIFIED, UNRECOGNIZED -> "unspecified";
        };
    }

    /** The unit a word names ("patient" or "site", any case). */
    public static PrivacyUnit unit(String word) {
        return switch (word == null ? "" : word.strip().toLowerCase(Locale.ROOT)) {
            case "patient" -> PrivacyUnit.PRIVACY_UNIT_PATIENT;
            case "site" -> PrivacyUnit.PRIVACY_UNIT_SITE;
            default ->
                throw new IllegalArgumentException("privacy unit must be 'patient' or 'site', got '" + word + "'");
        };
    }

    /** The accountants' unit of a wire unit; an unspecified one is refused (a charge must name it). */
    public static Unit unit(PrivacyUnit unit) {
        return switch (unit) {
            case PRIVACY_UNIT_PATIENT -> Unit.PATIENT;
            case PRIVACY_UNIT_SITE -> Unit.SITE;
            case PRIVACY_UNIT_UNSPECIFIED, UNRECOGNIZED ->
                throw new IllegalArgumentException("a privacy charge must name its unit: patient or site");
        };
    }

    /** The wire unit of an accountants' unit. */
    public static PrivacyUnit wire(Unit unit) {
        return switch (unit) {
            case PATIENT -> PrivacyUnit.PRIVACY_UNIT_PATIENT;
            case SITE -> PrivacyUnit.PRIVACY_UNIT_SITE;
        };
    }

    /** The unit every ε of a study under {@code mode} is per; null for a study without DP. */
    public static Unit unitOf(PrivacyMode mode) {
        return switch (mode) {
            case PRIVACY_MODE_PATIENT -> Unit.PATIENT;
            case PRIVACY_MODE_SITE -> Unit.SITE;
            default -> null;
        };
    }

    /** The accounting method of a wire accountant; unset means RDP, the default of every study. */
    public static AccountantKind kind(Accountant accountant) {
        return accountant == Accountant.ACCOUNTANT_PLD ? AccountantKind.PLD : AccountantKind.RDP;
    }

    /** The wire accountant of an accounting method. */
    public static Accountant wire(AccountantKind kind) {
        return switch (kind) {
            case RDP -> Accountant.ACCOUNTANT_RDP;
            case PLD -> Accountant.ACCOUNTANT_PLD;
        };
    }

    /** The word for an accounting method ("rdp" or "pld"). */
    public static String word(AccountantKind kind) {
        return word(wire(kind));
    }

    /** The word for an accountants' unit ("patient" or "site"), as a site's local ledger writes it. */
    public static String word(Unit unit) {
        return word(wire(unit));
    }

    /** The accountants' unit a word names ("patient" or "site", any case). */
    public static Unit accountingUnit(String word) {
        return unit(unit(word));
    }
}
