package org.cohort.coordinator.round;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every replica's partial sums in one process, reached as the driver reaches them over the
 * cluster: a replica the {@link FakeCluster} no longer counts as alive is left out of a seal (what
 * it held is lost), as a replica that left the cluster is.
 */
final class LocalReplicas implements ReplicaSums {
    private final FakeCluster cluster;
    private final Path dir;
    private final Map<String, PartialSums> byMember = new LinkedHashMap<>();

    LocalReplicas(FakeCluster cluster, Path dir) {
        this.cluster = cluster;
        this.dir = dir;
    }

    /** The partial sums of replica {@code member}, made on first use (models from 1 M parameters go to files). */
    PartialSums of(String member) {
        return byMember.computeIfAbsent(member, m -> new PartialSums(m, dir.resolve(m), 1 << 20));
    }

    private Map<String, PartialSums> alive() {
        var alive = new LinkedHashMap<String, PartialSums>();
        byMember.forEach((member, sums) -> {
            if (cluster.alive.contains(member)) {
                alive.put(member, sums);
            }
        });
        return alive;
    }

    @Override
    public Map<String, PartialSums.Sealed> sealAll(String roundId) {
        var sealed = new LinkedHashMap<String, PartialSums.Sealed>();
        alive().forEach((member, sums) -> sealed.put(member, sums.seal(roundId)));
        return sealed;
    }

    @Override
    public Map<String, List<String>> holdersAll(String roundId) {
        var held = new LinkedHashMap<String, List<String>>();
        alive().forEach((member, sums) -> held.put(member, sums.holders(roundId)));
        return held;
    }

    @Override
    public double[] slice(String memberUuid, String roundId, long offset, int count) {
        return byMember.get(memberUuid).slice(roundId, offset, count);
    }

    @Override
    public float[] updateSlice(String memberUuid, String roundId, String siteId, long offset, int count) {
        return byMember.get(memberUuid).updateSlice(roundId, siteId, offset, count);
    }

    @Override
    public int[] ringSlice(String memberUuid, String roundId, int offset, int count) {
        return byMember.get(memberUuid).ringSlice(roundId, offset, count);
    }

    @Override
    public void discardAll(String roundId) {
        alive().values().forEach(sums -> sums.discard(roundId));
    }
}
