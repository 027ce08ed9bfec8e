package org.cohort.coordinator.site;

import java.util.Optional;

/**
 * Reads an enrolled site's record as it stands now. The round engine needs nothing else of the
 * site table (a site's signing key, whether it was revoked), and asking through this one method
 * lets it run against a map in tests.
 */
@FunctionalInterface
public interface SiteLookup {
    Optional<Site> find(String siteId);
}
