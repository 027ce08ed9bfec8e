package org.cohort.coordinator.round;

import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.cohort.coordinator.aggregation.WeightedSum;
import org.cohort.protocol.ProtocolLimits;
import org.springframework.stereotype.Component;

/**
 * This replica's share of each open round: the weighted sum of the uploads it received and
 * which sites they came from. The replica driving the round seals every replica's partial sum
 * when the round closes and merges them; what a replica held is lost with it, and its sites
 * are asked for their (unchanged, already signed) updates again.
 *
 * <p>Sealing and folding take the same per-round lock, and a fold first re-checks that the
 * round is still collecting; the driver marks the round aggregating before it seals. So an
 * upload is either in the sealed sum or refused as late — never half-counted.
 */
@Component
public class PartialSums {
    /** One upload held here: its site, its weight in the sum, and its signed manifest (for the ledger charge). */
    public record Contribution(String siteId, long weight, byte[] manifest) implements Serializable {}

    /** A replica's sealed partial sum as the driver sees it before pulling the values. */
    public record Sealed(String memberUuid, List<Contribution> contributions, boolean broken) implements Serializable {
        public long totalWeight() {
            return contributions.stream().mapToLong(Contribution::weight).sum();
        }
    }

    private static final class Partial {
        final WeightedSum sum;
        final Map<String, Contribution> contributions = new LinkedHashMap<>();
        boolean sealed;
        /** A fold failed half-way (a spool file could not be read): the sum is unusable and the round is retried. */
        boolean broken;

        Partial(int numParameters) {
            this.sum = numParameters > 0 ? new WeightedSum(numParameters) : null;
        }
    }

    private final Map<String, Partial> byRound = new ConcurrentHashMap<>();
    private final String memberUuid;

    public PartialSums(HazelcastInstance hazelcast) {
        this.memberUuid = hazelcast.getCluster().getLocalMember().getUuid().toString();
        // Calls from other replicas (PartialSumCalls) find this member's partial sums here.
        hazelcast.getUserContext().put(PartialSums.class.getName(), this);
    }

    /**
     * Folds a verified upload (values spooled to {@code spool}; none for an evaluation) into this
     * replica's partial sum of the round, if {@code stillCollecting} holds under the round's lock.
     *
     * @return false if the round stopped collecting (it is being aggregated or has closed)
     */
    public boolean fold(String roundId, int numParameters, BooleanSupplier stillCollecting, Contribution c, Path spool) {
        Partial p = byRound.computeIfAbsent(roundId, k -> new Partial(numParameters));
        synchronized (p) {
            if (p.sealed || !stillCollecting.getAsBoolean()) {
                return false;
            }
            if (p.contributions.containsKey(c.siteId())) {
                throw new IllegalStateException("site " + c.siteId() + " already contributed to round " + roundId);
            }
            if (p.sum != null && spool != null) {
                try {
                    addSpooled(p.sum, c.weight(), spool, numParameters);
                } catch (RuntimeException e) {
                    p.broken = true;
                    throw e;
                }
            }
            p.contributions.put(c.siteId(), c);
            return true;
        }
    }

    /** Closes this replica's partial sum of the round to further uploads and says what it holds. */
    public Sealed seal(String roundId) {
        Partial p = byRound.computeIfAbsent(roundId, k -> new Partial(0));
        synchronized (p) {
            p.sealed = true;
            return new Sealed(memberUuid, List.copyOf(p.contributions.values()), p.broken);
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
        Partial p = byRound.get(roundId);
        if (p == null || p.sum == null) {
            throw new IllegalStateException("this replica holds no partial sum of round " + roundId);
        }
        synchronized (p) {
            if (!p.sealed) {
                throw new IllegalStateException("the partial sum of round " + roundId + " is not sealed");
            }
            return p.sum.slice(offset, count);
        }
    }

    /** Forgets the round (published, abandoned or retried). */
    public void discard(String roundId) {
        byRound.remove(roundId);
    }

    /** Forgets every round (this replica stopped driving and holds nothing anyone will merge). */
    public void discardAll() {
        byRound.clear();
    }

    public String memberUuid() {
        return memberUuid;
    }

    private static void addSpooled(WeightedSum sum, long weight, Path spool, long length) {
        try (FileChannel ch = FileChannel.open(spool, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(ProtocolLimits.CHUNK_VALUES * 4).order(ByteOrder.LITTLE_ENDIAN);
            float[] values = new float[ProtocolLimits.CHUNK_VALUES];
            long offset = 0;
            while (offset < length) {
                buf.clear();
                int want = (int) Math.min(ProtocolLimits.CHUNK_VALUES, length - offset);
                buf.limit(want * 4);
                while (buf.hasRemaining()) {
                    if (ch.read(buf) < 0) {
                        throw new IOException("spool file " + spool + " ended early");
                    }
                }
                buf.flip();
                buf.asFloatBuffer().get(values, 0, want);
                sum.addChunk(weight, offset, values, want);
                offset += want;
            }
            sum.completeContribution(weight);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(spool);
            } catch (IOException ignored) {
                // a leftover spool file is removed with its round directory
            }
        }
    }
}
