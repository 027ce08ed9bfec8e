package org.cohort.coordinator.registry;

/**
 * A version of the study was already published when this attempt tried to publish it: another
 * replica (a driver that stopped while closing the round, or one racing it during a failover)
 * got there first. The caller adopts {@link #published()} rather than retrying the round, which
 * would fail on the same version forever.
 */
public final class VersionAlreadyPublished extends RuntimeException {
    private final transient ModelVersion published;

    public VersionAlreadyPublished(ModelVersion published) {
        super("version " + published.version() + " of study " + published.studyId() + " was already published (round "
                + published.roundNumber() + ", from version " + published.parentVersion() + ")");
        this.published = published;
    }

    public ModelVersion published() {
        return published;
    }
}
