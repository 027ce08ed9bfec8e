package org.cohort.coordinator.round;

import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.cohort.coordinator.aggregation.MappedWeightedSum;
import org.cohort.coordinator.aggregation.SumFilePool;
import org.cohort.coordinator.aggregation.WeightedSum;
import org.springframework.stereotype.Component;

/**
 * This replica's share of each open round: the weighted sum of the uploads it received and
 * which sites they came from. The replica driving the round seals every replica's partial sum
 * when the round closes and merges them; what a replica held is lost with it, and its sites
 * are asked for their (unchanged, already signed) updates again.
 *
 * <p>A partial sum is a float64 vector of the model's size: on the heap while it fits the heap-sum
 * budget ({@code cohort.coordinator.heap-sum-bytes}, by default a quarter of the maximum heap,
 * shared by the rounds open on this replica), else in a file ({@link MappedWeightedSum}) under the
 * data dir, so a replica with a small heap holds its share of a billion-parameter round. Files are
 * pooled ({@link SumFilePool}): a round's file is kept when the round is discarded and reused by
 * the next, whose sum then goes into disk blocks and page-cache pages already allocated.
 *
 * <p>Sealing and folding take the same per-round lock, and a fold first re-checks that the
 * round is still collecting; the driver marks the round aggregating before it seals. So an
 * upload is either in the sealed sum or refused as late — never half-counted.
 */
@Component
public class PartialSums {
    /**
     * One upload held here: its site, its weight in the sum, and its manifest exactly as the site
     * signed it with the site's signature (for the ledger charge, which names the site's signed release).
     */
    public record Contribution(String siteId, long weight, byte[] manifest, byte[] signature) implements Serializable {
        /** An upload held without the site's signature (tests and benchmarks). */
        public Contribution(String siteId, long weight, byte[] manifest) {
            this(siteId, weight, manifest, new byte[0]);
        }
    }

    /** A replica's sealed partial sum as the driver sees it before pulling the values. */
    public record Sealed(String memberUuid, List<Contribution> contributions, boolean broken) implements Serializable {
        public long totalWeight() {
            return contributions.stream().mapToLong(Contribution::weight).reduce(0, Math::addExact);
        }
    }

    private static final class Partial {
        /** Allocated by the first upload that is taken (never for one refused as late). */
        RunningSum sum;

        final Map<String, Contribution> contributions = new LinkedHashMap<>();
        boolean sealed;
        /** Heap bytes this round's sum holds of the budget (0 for a file or ring sum). */
        long heapBytes;

        /** A fold failed half-way (a spool file could not be read): the sum is unusable and the round is retried. */
        boolean broken;
    }

    private final Map<String, Partial> byRound = new ConcurrentHashMap<>();
    /** This member's id, read each time: Hazelcast gives a member a new one when it rejoins after a split. */
    private final java.util.function.Supplier<String> memberUuid;

    private final Path mappedDir;
    private final long heapBudget;
    private final SumFilePool files;
    /** Heap bytes held by the open rounds' heap sums and the idle one, at most {@link #heapBudget}. */
    private long heapInUse;
    /** The last discarded round's heap sum, kept for a next round of the same size (counted in heapInUse). */
    private WeightedSum idleHeap;

    @org.springframework.beans.factory.annotation.Autowired
    public PartialSums(HazelcastInstance hazelcast, org.cohort.coordinator.config.CoordinatorProperties props) {
        this(
                () -> hazelcast.getCluster().getLocalMember().getUuid().toString(),
                props.dataDir().resolve("partial-sums"),
                props.heapSumBudget());
        // Sum files left by a replica that stopped: no round can use them any more.
        deleteLeftovers();
        // Calls from other replicas (PartialSumCalls) find this member's partial sums here.
        hazelcast.getUserContext().put(PartialSums.class.getName(), this);
        hazelcast.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == com.hazelcast.core.LifecycleEvent.LifecycleState.MERGED) {
                // Back from the minority side of a split: the majority has treated what was here as lost.
                discardAll();
            }
        });
    }

    /**
     * Partial sums of one replica: on the heap while the open rounds' sums fit {@code heapBudget}
     * bytes (8 per parameter), else in files under {@code mappedDir}.
     */
    public PartialSums(String memberUuid, Path mappedDir, long heapBudget) {
        this(() -> memberUuid, mappedDir, heapBudget);
    }

    private PartialSums(java.util.function.Supplier<String> memberUuid, Path mappedDir, long heapBudget) {
        this.memberUuid = memberUuid;
        this.mappedDir = mappedDir;
        this.heapBudget = heapBudget;
        // One idle file per round that may be open at once is enough for round after round of one study.
        this.files = new SumFilePool(mappedDir, IDLE_SUM_FILES);
    }

    /** Sum files kept for reuse after their round (each as large as the largest model summed in it). */
    static final int IDLE_SUM_FILES = 2;

    private void deleteLeftovers() {
        if (!Files.isDirectory(mappedDir)) {
            return;
        }
        // Deepest first: a robust round's updates lie in a folder of their own.
        try (var files = Files.walk(mappedDir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!f.equals(mappedDir)) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear leftover partial sums in " + mappedDir, e);
        }
    }

    /** A refused upload leaves no trace: an empty, unsealed partial is dropped again. */
    private void dropIfEmpty(String roundId, Partial p) {
        if (!p.sealed && p.contributions.isEmpty() && p.sum == null) {
            byRound.remove(roundId, p);
        }
    }

    /**
     * Folds a verified upload (values spooled to {@code spool}; none for an evaluation) into this
     * replica's partial sum of the round, if {@code stillCollecting} holds under the round's lock.
     *
     * @return false if the round stopped collecting (it is being aggregated or has closed)
     */
    public boolean fold(
            String roundId, long numParameters, BooleanSupplier stillCollecting, Contribution c, Path spool) {
        return fold(roundId, numParameters, stillCollecting, c, spool, false);
    }

    /**
     * As {@link #fold(String, long, BooleanSupplier, Contribution, Path)}; with {@code keepEach}
     * (a robust strategy's round) the update is kept whole rather than summed.
     */
    public boolean fold(
            String roundId,
            long numParameters,
            BooleanSupplier stillCollecting,
            Contribution c,
            Path spool,
            boolean keepEach) {
        return hold(roundId, stillCollecting, c, p -> {
            if (spool == null || numParameters <= 0) {
                return; // an evaluation: counted, nothing to add
            }
            if (keepEach) {
                if (p.sum == null) {
                    p.sum = RunningSum.Held.in(mappedDir.resolve("held-" + roundId));
                }
                ((RunningSum.Held) p.sum).keep(c.siteId(), spool, numParameters);
                return;
            }
            if (p.sum == null) {
                p.sum = newSum(p, numParameters);
            }
            p.sum.add(c.weight(), spool, numParameters);
        });
    }

    /**
     * On the heap if the budget has room for it next to the other open rounds' heap sums, else in a
     * file. A heap sum of the same size that the last round left behind is zeroed and reused: a new
     * array of hundreds of MiB costs more in page faults on first touch than the fold itself.
     */
    private RunningSum newSum(Partial p, long numParameters) {
        long bytes = RunningSum.heapBytes(numParameters);
        WeightedSum reuse = null;
        synchronized (files) {
            if (idleHeap != null && (idleHeap.numParameters() != numParameters || bytes > heapBudget - heapInUse)) {
                heapInUse -= RunningSum.heapBytes(idleHeap.numParameters()); // not the right one: let it go
                idleHeap = null;
            }
            if (idleHeap != null) {
                reuse = idleHeap; // its bytes are already counted
                idleHeap = null;
                p.heapBytes = bytes;
            } else if (bytes <= heapBudget - heapInUse) {
                heapInUse += bytes;
                p.heapBytes = bytes;
            }
        }
        if (reuse != null) {
            reuse.reset();
            return new RunningSum.Heap(reuse);
        }
        if (p.heapBytes > 0) {
            return RunningSum.weighted(numParameters, Long.MAX_VALUE, mappedDir);
        }
        return RunningSum.inFile(numParameters, files);
    }

    private void dropIdleHeap() {
        synchronized (files) {
            if (idleHeap != null) {
                heapInUse -= RunningSum.heapBytes(idleHeap.numParameters());
                idleHeap = null;
            }
        }
    }

    /** Heap bytes the open rounds' heap sums (and the one kept for the next round) hold now. */
    long heapInUse() {
        synchronized (files) {
            return heapInUse;
        }
    }

    /** Sum files kept for the next rounds. */
    int idleSumFiles() {
        return files.idleFiles();
    }

    /**
     * Adds a verified masked input of secure aggregation (ring elements, little-endian uint32,
     * spooled to {@code spool}) to this replica's masked partial sum of the round, if
     * {@code stillCollecting} holds under the round's lock. Masked values reveal nothing alone; the
     * driver feeds the sealed partial sums to its secure-aggregation server, which removes the
     * masks from the total only.
     *
     * @return false if the round stopped collecting masked inputs
     */
    public boolean foldMasked(
            String roundId, int numParameters, BooleanSupplier stillCollecting, Contribution c, Path spool) {
        return hold(roundId, stillCollecting, c, p -> {
            if (p.sum == null) {
                p.sum = RunningSum.ring(numParameters);
            }
            p.sum.add(1, spool, numParameters);
        });
    }

    /**
     * The one way an upload enters a partial sum: under the round's lock, only while the round
     * is collecting, once per site; {@code add} puts its values in, and if it fails part-way the
     * sum is marked broken (the driver then retries the round rather than publish half a sum).
     */
    private boolean hold(
            String roundId, BooleanSupplier stillCollecting, Contribution c, java.util.function.Consumer<Partial> add) {
        Partial p = byRound.computeIfAbsent(roundId, k -> new Partial());
        synchronized (p) {
            if (p.sealed || !stillCollecting.getAsBoolean()) {
                dropIfEmpty(roundId, p);
                return false;
            }
            if (p.contributions.containsKey(c.siteId())) {
                throw new IllegalStateException("site " + c.siteId() + " already contributed to round " + roundId);
            }
            try {
                add.accept(p);
            } catch (RuntimeException e) {
                p.broken = true;
                throw e;
            }
            p.contributions.put(c.siteId(), c);
            return true;
        }
    }

    /** Part of a sealed masked partial sum (ring elements). */
    public int[] ringSlice(String roundId, int offset, int count) {
        Partial p = byRound.get(roundId);
        if (p == null || !(p.sum instanceof RunningSum.Ring ring)) {
            throw new IllegalStateException("this replica holds no masked partial sum of round " + roundId);
        }
        synchronized (p) {
            if (!p.sealed) {
                throw new IllegalStateException("the masked partial sum of round " + roundId + " is not sealed");
            }
            return ring.slice(offset, count);
        }
    }

    /** Closes this replica's partial sum of the round to further uploads and says what it holds. */
    public Sealed seal(String roundId) {
        Partial p = byRound.computeIfAbsent(roundId, k -> new Partial());
        synchronized (p) {
            p.sealed = true;
            return new Sealed(memberUuid(), List.copyOf(p.contributions.values()), p.broken);
        }
    }

    /** The sites whose uploads this replica holds for the round (to reconcile after a change of driver). */
    public List<String> holders(String roundId) {
        Partial p = byRound.get(roundId);
        if (p == null) {
            return List.of();
        }
        synchronized (p) {
            return new ArrayList<>(p.contributions.keySet());
        }
    }

    /** Part of the sealed partial sum, for the driver to merge chunk by chunk (memory stays one chunk per call). */
    public double[] slice(String roundId, long offset, int count) {
        return sealedSum(roundId, sum -> sum.slice(offset, count));
    }

    /**
     * Adds part of the sealed partial sum to {@code into[0..count)}: the driver's merge, without a
     * copy of the slice for the replica it runs on.
     */
    public void addSlice(String roundId, long offset, double[] into, int count) {
        sealedSum(roundId, sum -> {
            sum.addTo(offset, into, count);
            return null;
        });
    }

    /** Reads the round's sealed weighted sum under its lock. */
    private <T> T sealedSum(String roundId, java.util.function.Function<RunningSum.Weighted, T> read) {
        Partial p = byRound.get(roundId);
        if (p == null || !(p.sum instanceof RunningSum.Weighted weighted)) {
            throw new IllegalStateException("this replica holds no partial sum of round " + roundId);
        }
        synchronized (p) {
            if (!p.sealed) {
                throw new IllegalStateException("the partial sum of round " + roundId + " is not sealed");
            }
            return read.apply(weighted);
        }
    }

    /** Part of one site's update held whole for a robust strategy, for the driver to aggregate chunk by chunk. */
    public float[] updateSlice(String roundId, String siteId, long offset, int count) {
        Partial p = byRound.get(roundId);
        if (p == null || !(p.sum instanceof RunningSum.Held held)) {
            throw new IllegalStateException("this replica holds no update of round " + roundId);
        }
        synchronized (p) {
            if (!p.sealed) {
                throw new IllegalStateException("the updates of round " + roundId + " are not sealed");
            }
            return held.slice(siteId, offset, count);
        }
    }

    /** Forgets the round (published, abandoned or retried) and frees its storage (a sum file goes back to the pool). */
    public void discard(String roundId) {
        Partial p = byRound.remove(roundId);
        if (p != null && p.sum != null) {
            synchronized (p) {
                p.sum.close();
                synchronized (files) {
                    if (p.sum instanceof RunningSum.Heap heap && p.heapBytes > 0 && !p.broken) {
                        if (idleHeap != null) {
                            heapInUse -= RunningSum.heapBytes(idleHeap.numParameters());
                        }
                        idleHeap = heap.sum(); // its bytes stay counted while it waits
                    } else {
                        heapInUse -= p.heapBytes;
                    }
                    p.heapBytes = 0;
                }
            }
        }
    }

    /** Forgets every round and deletes the pooled sum files (the replica stops). */
    @jakarta.annotation.PreDestroy
    public void close() {
        List.copyOf(byRound.keySet()).forEach(this::discard);
        dropIdleHeap();
        try {
            files.close();
        } catch (IOException e) {
            // a leftover is deleted when the replica starts again
        }
    }

    /** Forgets every round (what this replica held is lost to the cluster) and frees the storage, pooled files too. */
    public void discardAll() {
        List.copyOf(byRound.keySet()).forEach(this::discard);
        dropIdleHeap();
        try {
            files.clear();
        } catch (IOException e) {
            // a leftover is deleted when the replica starts again
        }
    }

    /** The rounds this replica holds a partial sum of (to sweep those that closed without reaching it). */
    public java.util.Set<String> rounds() {
        return java.util.Set.copyOf(byRound.keySet());
    }

    public String memberUuid() {
        return memberUuid.get();
    }
}
