package org.cohort.coordinator.round;

import java.util.HashMap;
import java.util.Map;
import org.cohort.coordinator.cluster.EncryptedInCluster;

/**
 * The tasks a study's sites were still training on when its last buffered round published, by
 * site: what its next round carries in ({@link CarriedTask}). Sealed in the cluster like the round
 * state, since each carries its round's nonce.
 */
record CarriedTasks(HashMap<String, CarriedTask> bySite) implements EncryptedInCluster {
    CarriedTasks {
        bySite = new HashMap<>(bySite);
    }

    static CarriedTasks of(Map<String, CarriedTask> tasks) {
        return new CarriedTasks(new HashMap<>(tasks));
    }

    @Override
    public HashMap<String, CarriedTask> bySite() {
        return new HashMap<>(bySite);
    }
}
