package org.cohort.coordinator.round;

import java.util.List;
import java.util.Map;

/**
 * The round state every replica shares: each attempt's {@link RoundState}, which round each
 * study runs now, who holds each site's accepted upload, and which sites may send a masked input.
 * In production it lives in the Hazelcast cluster ({@link HazelcastRoundStore}) so a new driver
 * finds it after a failover; behind this interface the round engine also runs on plain maps,
 * which is how its tests drive it.
 *
 * <p>Only the driving replica writes rounds and the masked-input roster; every replica reads them
 * and writes upload claims, whose compare-and-set operations are what stop a site counting twice.
 */
interface RoundStore {

    /** The attempt with this id, or null when the cluster does not know it. */
    RoundState round(String roundId);

    void save(RoundState state);

    /** The id of the attempt the study runs now, or null. */
    String activeRoundId(String studyId);

    /** The attempts that studies run now (a copy: the caller may change the store while iterating). */
    List<String> activeRoundIds();

    /** Makes {@code state} the attempt its study runs now. */
    void activate(RoundState state);

    /** Its study no longer runs {@code state} (unless it has moved on to another attempt already). */
    void deactivate(RoundState state);

    /** No study runs the attempt any more: the cluster lost its state. */
    void forgetActive(String roundId);

    /** The replica (member UUID) holding the site's accepted upload of the round, or null. */
    String claimHolder(String roundId, String siteId);

    /**
     * Claims the site's upload of the round for {@code member} unless someone holds it.
     *
     * @return the holder that was there before (then nothing changed), or null when the claim is now {@code member}'s
     */
    String claim(String roundId, String siteId, String member);

    /** Moves the claim from {@code from} to {@code to} if {@code from} still holds it. */
    boolean moveClaim(String roundId, String siteId, String from, String to);

    /** Releases the claim if {@code holder} still holds it. */
    void releaseClaim(String roundId, String siteId, String holder);

    /** Deletes the claim whoever holds it (the round is over). */
    void deleteClaim(String roundId, String siteId);

    /** The sites of a secure round in its masked-input stage, by name with their index; null outside that stage. */
    Map<String, Integer> maskedInputRoster(String roundId);

    /** From now on any replica takes the masked inputs of these sites. */
    void openMaskedInput(String roundId, Map<String, Integer> roster);

    /** No replica takes another masked input of the round. */
    void closeMaskedInput(String roundId);

    /**
     * The tasks the study's sites were still training on when its last buffered round published,
     * by site (empty: none); the study's next round carries them in.
     */
    Map<String, CarriedTask> carried(String studyId);

    /** Replaces what the study's next round carries in (an empty map: nothing). */
    void carry(String studyId, Map<String, CarriedTask> tasks);
}
