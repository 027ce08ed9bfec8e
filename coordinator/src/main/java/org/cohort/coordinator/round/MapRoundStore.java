package org.cohort.coordinator.round;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * {@link RoundStore} over four concurrent maps. Hazelcast's maps are concurrent maps, so the same
 * code runs on the cluster's ({@link HazelcastRoundStore}) and on plain in-memory ones
 * ({@link #inMemory()}, one replica alone: the round engine's tests); the compare-and-set calls
 * that keep a site from counting twice mean the same on both.
 */
class MapRoundStore implements RoundStore {
    private final ConcurrentMap<String, RoundState> rounds;
    private final ConcurrentMap<String, String> activeRoundByStudy;
    /** Which replica holds each site's accepted upload, by "roundId/siteId". */
    private final ConcurrentMap<String, String> claims;
    /** A HashMap, not any Map: in the cluster the value is serialised as it is and every replica must read it. */
    private final ConcurrentMap<String, HashMap<String, Integer>> maskedInputRoster;
    /** What each study's next buffered round carries in, by study id. */
    private final ConcurrentMap<String, CarriedTasks> carriedByStudy;

    MapRoundStore(
            ConcurrentMap<String, RoundState> rounds,
            ConcurrentMap<String, String> activeRoundByStudy,
            ConcurrentMap<String, String> claims,
            ConcurrentMap<String, HashMap<String, Integer>> maskedInputRoster,
            ConcurrentMap<String, CarriedTasks> carriedByStudy) {
        this.rounds = rounds;
        this.activeRoundByStudy = activeRoundByStudy;
        this.claims = claims;
        this.maskedInputRoster = maskedInputRoster;
        this.carriedByStudy = carriedByStudy;
    }

    /** A store held by this process alone. */
    static MapRoundStore inMemory() {
        return new MapRoundStore(
                new ConcurrentHashMap<>(),
                new ConcurrentHashMap<>(),
                new ConcurrentHashMap<>(),
                new ConcurrentHashMap<>(),
                new ConcurrentHashMap<>());
    }

    private static String claimKey(String roundId, String siteId) {
        return roundId + "/" + siteId;
    }

    @Override
    public RoundState round(String roundId) {
        return rounds.get(roundId);
    }

    @Override
    public void save(RoundState state) {
        rounds.put(state.roundId(), state);
    }

    @Override
    public String activeRoundId(String studyId) {
        return activeRoundByStudy.get(studyId);
    }

    @Override
    public List<String> activeRoundIds() {
        return List.copyOf(activeRoundByStudy.values());
    }

    @Override
    public void activate(RoundState state) {
        activeRoundByStudy.put(state.studyId(), state.roundId());
    }

    @Override
    public void deactivate(RoundState state) {
        activeRoundByStudy.remove(state.studyId(), state.roundId());
    }

    @Override
    public void forgetActive(String roundId) {
        // Entry by entry, each only if it still names the round: a cluster map's values() is a copy.
        for (var e : activeRoundByStudy.entrySet()) {
            if (e.getValue().equals(roundId)) {
                activeRoundByStudy.remove(e.getKey(), roundId);
            }
        }
    }

    @Override
    public String claimHolder(String roundId, String siteId) {
        return claims.get(claimKey(roundId, siteId));
    }

    @Override
    public String claim(String roundId, String siteId, String member) {
        return claims.putIfAbsent(claimKey(roundId, siteId), member);
    }

    @Override
    public boolean moveClaim(String roundId, String siteId, String from, String to) {
        return claims.replace(claimKey(roundId, siteId), from, to);
    }

    @Override
    public void releaseClaim(String roundId, String siteId, String holder) {
        claims.remove(claimKey(roundId, siteId), holder);
    }

    @Override
    public void deleteClaim(String roundId, String siteId) {
        claims.remove(claimKey(roundId, siteId));
    }

    @Override
    public Map<String, Integer> maskedInputRoster(String roundId) {
        return maskedInputRoster.get(roundId);
    }

    @Override
    public void openMaskedInput(String roundId, Map<String, Integer> roster) {
        maskedInputRoster.put(roundId, new HashMap<>(roster));
    }

    @Override
    public void closeMaskedInput(String roundId) {
        maskedInputRoster.remove(roundId);
    }

    @Override
    public Map<String, CarriedTask> carried(String studyId) {
        CarriedTasks tasks = carriedByStudy.get(studyId);
        return tasks == null ? Map.of() : tasks.bySite();
    }

    @Override
    public void carry(String studyId, Map<String, CarriedTask> tasks) {
        if (tasks.isEmpty()) {
            carriedByStudy.remove(studyId);
        } else {
            carriedByStudy.put(studyId, CarriedTasks.of(tasks));
        }
    }
}
