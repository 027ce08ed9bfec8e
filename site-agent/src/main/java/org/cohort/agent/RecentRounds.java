package org.cohort.agent;

import java.util.LinkedHashSet;

/** The last {@code capacity} round ids seen, in arrival order; the oldest are forgotten first. */
final class RecentRounds {
    private final int capacity;
    private final LinkedHashSet<String> ids = new LinkedHashSet<>();

    RecentRounds(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        this.capacity = capacity;
    }

    /** Adds {@code roundId}; false when it was already among the recent ones. */
    synchronized boolean add(String roundId) {
        if (!ids.add(roundId)) {
            return false;
        }
        if (ids.size() > capacity) {
            ids.remove(ids.iterator().next());
        }
        return true;
    }
}
