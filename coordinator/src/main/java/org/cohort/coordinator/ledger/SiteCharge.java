package org.cohort.coordinator.ledger;

import java.util.Locale;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.v1.UpdateManifest;

/** What one site's part in one round costs, for one unit: the input of a ledger charge. */
public record SiteCharge(String siteId, Unit unit, PrivacyEvent event) {

    public SiteCharge {
        if (siteId == null || siteId.isBlank() || unit == null || event == null) {
            throw new IllegalArgumentException("a site charge needs a site id, a unit and an event");
        }
    }

    /**
     * The privacy cost a site declared in its upload ({@code UpdateManifest.privacy}), or null
     * when the upload carries none (a study without differential privacy).
     */
    public static SiteCharge fromManifest(UpdateManifest manifest) {
        if (!manifest.hasPrivacy()) {
            return null;
        }
        var p = manifest.getPrivacy();
        return new SiteCharge(
                manifest.getSiteId(),
                unit(p.getUnit()),
                new PrivacyEvent.SampledGaussian(p.getSamplingRate(), p.getNoiseMultiplier(), p.getSteps()));
    }

    /** "patient" or "site" (any case) as a {@link Unit}. */
    public static Unit unit(String word) {
        if (word == null) {
            throw new IllegalArgumentException("a privacy unit is needed: 'patient' or 'site'");
        }
        return switch (word.strip().toLowerCase(Locale.ROOT)) {
            case "patient" -> Unit.PATIENT;
            case "site" -> Unit.SITE;
            default ->
                throw new IllegalArgumentException("privacy unit must be 'patient' or 'site', got '" + word + "'");
        };
    }
}
