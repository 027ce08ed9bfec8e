package org.cohort.coordinator.ledger;

/** What one release costs its site: the release that is charged and its cost for one unit. */
public record ReleaseCharge(Release release, SiteCharge charge) {

    public ReleaseCharge {
        if (release == null || charge == null || !release.siteId().equals(charge.siteId())) {
            throw new IllegalArgumentException("a release charge needs a release and the charge of the same site");
        }
    }
}
