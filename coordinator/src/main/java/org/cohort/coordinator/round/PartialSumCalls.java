package org.cohort.coordinator.round;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.IExecutorService;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.cohort.coordinator.cluster.EncryptedInCluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The driving replica's calls to every replica's {@link PartialSums}, over Hazelcast's
 * distributed executor: seal a round, pull a sealed sum chunk by chunk, list what is held,
 * forget a round. A replica that does not answer is treated as lost, with what it held.
 */
@Component
public class PartialSumCalls implements ReplicaSums {
    private static final Logger log = LoggerFactory.getLogger(PartialSumCalls.class);
    private static final long TIMEOUT_SECONDS = 60;

    private final HazelcastInstance hazelcast;
    private final IExecutorService executor;
    private final PartialSums local;

    public PartialSumCalls(HazelcastInstance hazelcast, PartialSums local) {
        this.hazelcast = hazelcast;
        this.executor = hazelcast.getExecutorService("cohort.partial-sums");
        this.local = local;
    }

    /**
     * Seals the round on every replica. A replica that left the cluster is left out (what it held
     * is lost); one that is still a member but does not answer makes the call fail.
     */
    @Override
    public Map<String, PartialSums.Sealed> sealAll(String roundId) {
        var results = new LinkedHashMap<String, PartialSums.Sealed>();
        results.put(local.memberUuid(), local.seal(roundId));
        for (var e : askOthers(new Seal(roundId)).entrySet()) {
            results.put(e.getKey(), (PartialSums.Sealed) e.getValue());
        }
        return results;
    }

    /** Which sites each replica holds uploads of, for the round. */
    @SuppressWarnings("unchecked")
    @Override
    public Map<String, List<String>> holdersAll(String roundId) {
        var results = new LinkedHashMap<String, List<String>>();
        results.put(local.memberUuid(), local.holders(roundId));
        for (var e : askOthers(new Holders(roundId)).entrySet()) {
            results.put(e.getKey(), (List<String>) e.getValue());
        }
        return results;
    }

    /** A chunk of a replica's sealed partial sum. */
    @Override
    public double[] slice(String memberUuid, String roundId, long offset, int count) {
        if (memberUuid.equals(local.memberUuid())) {
            return local.slice(roundId, offset, count);
        }
        return remote(memberUuid, new Slice(roundId, offset, count));
    }

    /** A chunk of one site's update a replica holds whole. */
    @Override
    public float[] updateSlice(String memberUuid, String roundId, String siteId, long offset, int count) {
        if (memberUuid.equals(local.memberUuid())) {
            return local.updateSlice(roundId, siteId, offset, count);
        }
        return remote(memberUuid, new UpdateSlice(roundId, siteId, offset, count));
    }

    /** Adds a chunk of a replica's sealed partial sum: in place for this replica's own, a copy over the network for another's. */
    @Override
    public void addSlice(String memberUuid, String roundId, long offset, int count, double[] into) {
        if (memberUuid.equals(local.memberUuid())) {
            local.addSlice(roundId, offset, into, count);
        } else {
            ReplicaSums.super.addSlice(memberUuid, roundId, offset, count, into);
        }
    }

    /** A chunk of a replica's sealed masked partial sum (ring elements). */
    @Override
    public int[] ringSlice(String memberUuid, String roundId, int offset, int count) {
        if (memberUuid.equals(local.memberUuid())) {
            return local.ringSlice(roundId, offset, count);
        }
        return remote(memberUuid, new RingSlice(roundId, offset, count));
    }

    private <T> T remote(String memberUuid, Call<T> call) {
        Member member = hazelcast.getCluster().getMembers().stream()
                .filter(m -> m.getUuid().toString().equals(memberUuid))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("replica " + memberUuid + " left the cluster"));
        try {
            return executor.submitToMember(call, member).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while merging partial sums", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "replica " + memberUuid + " did not hand over its partial sum: " + e.getMessage(), e);
        }
    }

    /** Every replica forgets the round. */
    @Override
    public void discardAll(String roundId) {
        local.discard(roundId);
        try {
            executor.executeOnMembers(new Discard(roundId), others());
        } catch (RuntimeException e) {
            log.debug("could not ask the other replicas to forget round {}: {}", roundId, e.getMessage());
        }
    }

    private List<Member> others() {
        return hazelcast.getCluster().getMembers().stream()
                .filter(m -> !m.localMember())
                .toList();
    }

    private Map<String, Object> askOthers(Call<?> call) {
        var results = new LinkedHashMap<String, Object>();
        var others = others();
        if (others.isEmpty()) {
            return results;
        }
        var futures = executor.submitToMembers(call, others);
        for (var e : futures.entrySet()) {
            String member = e.getKey().getUuid().toString();
            try {
                results.put(member, e.getValue().get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while asking the replicas", ie);
            } catch (ExecutionException | TimeoutException ex) {
                if (hazelcast.getCluster().getMembers().contains(e.getKey())) {
                    // Alive but not answering (busy folding a large upload, or failing): what it holds must not be
                    // left out of a published model, so the caller gives up on this attempt instead.
                    throw new IllegalStateException(
                            "replica " + member + " is in the cluster but did not answer "
                                    + call.getClass().getSimpleName() + ": " + ex.getMessage(),
                            ex);
                }
                log.warn(
                        "replica {} left the cluster before answering {}; what it held is treated as lost",
                        member,
                        call.getClass().getSimpleName());
            }
        }
        return results;
    }

    /** A call that runs on another replica against its {@link PartialSums}. */
    abstract static class Call<T> implements Callable<T>, EncryptedInCluster, HazelcastInstanceAware {
        private transient HazelcastInstance instance;

        @Override
        public void setHazelcastInstance(HazelcastInstance instance) {
            this.instance = instance;
        }

        PartialSums partials() {
            var p = (PartialSums) instance.getUserContext().get(PartialSums.class.getName());
            if (p == null) {
                throw new IllegalStateException("this replica is still starting");
            }
            return p;
        }
    }

    static final class Seal extends Call<PartialSums.Sealed> {
        private final String roundId;

        Seal(String roundId) {
            this.roundId = roundId;
        }

        @Override
        public PartialSums.Sealed call() {
            return partials().seal(roundId);
        }
    }

    static final class Holders extends Call<List<String>> {
        private final String roundId;

        Holders(String roundId) {
            this.roundId = roundId;
        }

        @Override
        public List<String> call() {
            return List.copyOf(partials().holders(roundId));
        }
    }

    static final class Slice extends Call<double[]> {
        private final String roundId;
        private final long offset;
        private final int count;

        Slice(String roundId, long offset, int count) {
            this.roundId = roundId;
            this.offset = offset;
            this.count = count;
        }

        @Override
        public double[] call() {
            return partials().slice(roundId, offset, count);
        }
    }

    static final class UpdateSlice extends Call<float[]> {
        private final String roundId;
        private final String siteId;
        private final long offset;
        private final int count;

        UpdateSlice(String roundId, String siteId, long offset, int count) {
            this.roundId = roundId;
            this.siteId = siteId;
            this.offset = offset;
            this.count = count;
        }

        @Override
        public float[] call() {
            return partials().updateSlice(roundId, siteId, offset, count);
        }
    }

    static final class RingSlice extends Call<int[]> {
        private final String roundId;
        private final int offset;
        private final int count;

        RingSlice(String roundId, int offset, int count) {
            this.roundId = roundId;
            this.offset = offset;
            this.count = count;
        }

        @Override
        public int[] call() {
            return partials().ringSlice(roundId, offset, count);
        }
    }

    static final class Discard extends Call<Void> implements Runnable {
        private final String roundId;

        Discard(String roundId) {
            this.roundId = roundId;
        }

        @Override
        public Void call() {
            partials().discard(roundId);
            return null;
        }

        @Override
        public void run() {
            call();
        }
    }
}
