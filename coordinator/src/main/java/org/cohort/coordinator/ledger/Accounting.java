package org.cohort.coordinator.ledger;

import java.util.List;
import java.util.Locale;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.Conversion;
import org.cohort.privacy.accounting.PrivacyAccountant;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.PrivacyReport;
import org.cohort.privacy.accounting.RdpAccountant;
import org.cohort.privacy.accounting.Unit;
import org.cohort.privacy.accounting.rdp.RdpConversion;
import org.cohort.protocol.PrivacyWords;

/**
 * How an ε is computed: the accountant and the conversion to (ε, δ). Every number the
 * coordinator shows names one of these, so that it can be recomputed with the same method.
 */
public record Accounting(AccountantKind accountant, Conversion conversion) {

    /** RDP with the improved conversion: the default of studies and of dp_accounting. */
    public static final Accounting RDP = new Accounting(AccountantKind.RDP, Conversion.RDP_IMPROVED);
    /** RDP with Mironov's classic conversion: looser, for comparison with older publications. */
    public static final Accounting RDP_CLASSIC = new Accounting(AccountantKind.RDP, Conversion.RDP_CLASSIC);
    /** Privacy loss distributions (hockey-stick divergence): the tightest. */
    public static final Accounting PLD = new Accounting(AccountantKind.PLD, Conversion.PLD_HOCKEY_STICK);

    public Accounting {
        if (accountant == null || conversion == null) {
            throw new IllegalArgumentException("accounting needs an accountant and a conversion");
        }
        if ((accountant == AccountantKind.PLD) != (conversion == Conversion.PLD_HOCKEY_STICK)) {
            throw new IllegalArgumentException("the " + conversion.label() + " does not belong to the "
                    + accountant.label() + "; use 'improved' or 'classic' with rdp, nothing with pld");
        }
    }

    public static Accounting of(AccountantKind kind) {
        return kind == AccountantKind.PLD ? PLD : RDP;
    }

    /**
     * Parses the words people type: accountant "rdp" or "pld" (null means rdp), conversion
     * "improved" or "classic" (null means improved; only meaningful with rdp).
     */
    public static Accounting parse(String accountant, String conversion) {
        AccountantKind kind = accountant == null || accountant.isBlank()
                ? AccountantKind.RDP
                : PrivacyWords.kind(PrivacyWords.accountant(accountant));
        String c = conversion == null || conversion.isBlank()
                ? null
                : conversion.strip().toLowerCase(Locale.ROOT);
        return switch (kind) {
            case RDP -> {
                if (c == null || c.equals("improved")) {
                    yield RDP;
                }
                if (c.equals("classic")) {
                    yield RDP_CLASSIC;
                }
                throw new IllegalArgumentException("conversion must be 'improved' (Balle et al. 2020, the default)"
                        + " or 'classic' (Mironov 2017), got '" + conversion + "'");
            }
            case PLD -> {
                if (c != null && !c.equals("hockey-stick") && !c.equals("pld")) {
                    throw new IllegalArgumentException("the PLD accountant reads ε off the privacy loss distribution"
                            + " directly; leave out conversion (it is for rdp), got '" + conversion + "'");
                }
                yield PLD;
            }
        };
    }

    /** The study's accounting ("rdp" or "pld" in its privacy spec; RDP with the improved conversion by default). */
    public static Accounting forStudy(StudySpec.Privacy privacy) {
        return of(privacy == null ? AccountantKind.RDP : privacy.accountantKind());
    }

    /** "rdp" or "pld", as in study specs and on the command line. */
    public String accountantName() {
        return PrivacyWords.word(accountant);
    }

    /** "improved", "classic" or "hockey-stick". */
    public String conversionName() {
        return switch (conversion) {
            case RDP_IMPROVED -> "improved";
            case RDP_CLASSIC -> "classic";
            case PLD_HOCKEY_STICK -> "hockey-stick";
        };
    }

    /** e.g. "RDP accountant with improved conversion" or "PLD accountant (hockey-stick divergence)". */
    public String label() {
        return accountant == AccountantKind.RDP
                ? accountant.label() + " with " + conversion.label()
                : accountant.label() + " (" + conversion.label() + ")";
    }

    /** An empty accountant of this kind with the reference libraries' default settings. */
    public PrivacyAccountant newAccountant() {
        return PrivacyAccountant.create(accountant);
    }

    /** ε at δ of an accountant of this kind, with this conversion. */
    public double epsilon(PrivacyAccountant composed, double delta) {
        return composed instanceof RdpAccountant rdp
                ? rdp.epsilon(delta, conversion).value()
                : composed.epsilon(delta);
    }

    /** The full report (ε with unit, δ, method, inputs) of an accountant of this kind. */
    public PrivacyReport report(PrivacyAccountant composed, double delta, Unit unit) {
        checkKind(composed);
        return composed instanceof RdpAccountant rdp
                ? rdp.report(delta, unit, conversion)
                : composed.report(delta, unit);
    }

    /** Composes {@code events} in order and reports ε at δ. */
    public PrivacyReport report(List<? extends PrivacyEvent> events, double delta, Unit unit) {
        return report(newAccountant().composeAll(events), delta, unit);
    }

    RdpConversion.Method rdpMethod() {
        return conversion == Conversion.RDP_CLASSIC ? RdpConversion.Method.CLASSIC : RdpConversion.Method.IMPROVED;
    }

    void checkKind(PrivacyAccountant composed) {
        if (composed.kind() != accountant) {
            throw new IllegalArgumentException("a " + composed.kind().label() + " cannot report with the " + label());
        }
    }
}
