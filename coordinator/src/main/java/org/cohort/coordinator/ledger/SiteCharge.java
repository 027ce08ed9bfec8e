package org.cohort.coordinator.ledger;

import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.PrivacyWords;
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
                PrivacyWords.unit(p.getUnit()),
                new PrivacyEvent.SampledGaussian(p.getSamplingRate(), p.getNoiseMultiplier(), p.getSteps()));
    }

    /** "patient" or "site" (any case), as written in an audit entry, as a {@link Unit}. */
    public static Unit unit(String word) {
        return PrivacyWords.unit(PrivacyWords.unit(word));
    }
}
