package org.cohort.simulation.virtual;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.cohort.coordinator.aggregation.FedBuff;

/**
 * FedBuff's buffer over virtual sites, as the coordinator's buffered rounds run it: updates arrive
 * in order — those still in flight from earlier versions first (they started earlier), then this
 * version's on-time ones, then its stragglers — and the first K make the next version; the rest
 * stay in flight, their sites busy (sent no task) until their update counts. Each update counts at
 * s(τ)·Δ ({@link FedBuff#staleness}), τ versions after the one it trained from, exactly as the
 * coordinator scales it before folding; one more than maxStaleness behind is discarded (the
 * coordinator gives its site a fresh task).
 */
final class VirtualBuffer {
    /** An update in flight and the version it was trained from. */
    private record InFlight(VirtualSites.SiteUpdate update, long baseVersion) {}

    private final FedBuff strategy;
    private final List<InFlight> inFlight = new ArrayList<>();

    VirtualBuffer(FedBuff strategy) {
        this.strategy = strategy;
    }

    /** Sites whose update is still in flight: they train nothing new. */
    Set<Integer> busy() {
        var out = new HashSet<Integer>();
        inFlight.forEach(f -> out.add(f.update().site()));
        return out;
    }

    /**
     * The buffer that makes the version after {@code version}: the first K arrivals, each scaled by
     * its staleness; empty when fewer than K arrived (nothing is published, and what arrived is lost
     * with the failed round, as a coordinator's retried attempt loses it).
     *
     * @param onTime this version's updates in the order they arrive
     * @param late   this version's stragglers, arriving after the on-time ones
     */
    List<VirtualSites.SiteUpdate> fill(
            long version, List<VirtualSites.SiteUpdate> onTime, List<VirtualSites.SiteUpdate> late) {
        var arrivals = new ArrayList<InFlight>();
        for (InFlight f : inFlight) {
            if (strategy.usable(version, f.baseVersion())) {
                arrivals.add(f);
            }
        }
        inFlight.clear();
        onTime.forEach(u -> arrivals.add(new InFlight(u, version)));
        late.forEach(u -> arrivals.add(new InFlight(u, version)));
        int k = strategy.bufferSize();
        if (arrivals.size() < k) {
            return List.of();
        }
        inFlight.addAll(arrivals.subList(k, arrivals.size()));
        var buffer = new ArrayList<VirtualSites.SiteUpdate>();
        for (InFlight f : arrivals.subList(0, k)) {
            buffer.add(scaled(f.update(), FedBuff.staleness(version - f.baseVersion())));
        }
        return buffer;
    }

    private static VirtualSites.SiteUpdate scaled(VirtualSites.SiteUpdate u, double s) {
        if (s == 1) {
            return u;
        }
        float[] delta = new float[u.delta().length];
        for (int i = 0; i < delta.length; i++) {
            delta[i] = (float) (u.delta()[i] * s);
        }
        return new VirtualSites.SiteUpdate(u.site(), u.weight(), delta, u.loss());
    }
}
