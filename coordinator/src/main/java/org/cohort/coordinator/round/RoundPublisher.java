package org.cohort.coordinator.round;

import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.cohort.coordinator.aggregation.FedBuff;
import org.cohort.coordinator.aggregation.Scaffold;
import org.cohort.coordinator.aggregation.Strategy;
import org.cohort.coordinator.compliance.AuditTrail;
import org.cohort.coordinator.compliance.RoundCompliance;
import org.cohort.coordinator.ledger.ReleaseCharge;
import org.cohort.coordinator.registry.ModelRegistry;
import org.cohort.coordinator.registry.ModelVersion;
import org.cohort.coordinator.registry.VersionAlreadyPublished;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.StudyRepository;
import org.cohort.coordinator.study.StudyStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Closes an aggregating round with what it produced: seals and merges the replicas' partial sums
 * ({@link PartialSumMerge}), or unmasks a secure round's sum; charges what is released; puts the
 * round on record with its participants and charges; publishes the next model version; and moves
 * the study on. A final evaluation closes the study instead.
 *
 * <p>Ordered so that nothing is published unless it is on record and charged: the secure sum is
 * charged before it is unmasked, and the round is recorded (with every charge) before its version
 * is published. Whatever fails on the way, nothing is published and the attempt is retried — a
 * round is never left aggregating.
 */
@Component
class RoundPublisher {
    private static final Logger log = LoggerFactory.getLogger(RoundPublisher.class);

    private final RoundStore store;
    private final SecureRounds secure;
    private final PartialSumMerge merge;
    private final RoundEnding ending;
    private final StudyRepository studies;
    private final ModelRegistry registry;
    private final RoundCompliance compliance;
    private final AuditTrail auditTrail;
    private final Clock clock;

    RoundPublisher(
            RoundStore store,
            SecureRounds secure,
            PartialSumMerge merge,
            RoundEnding ending,
            StudyRepository studies,
            ModelRegistry registry,
            RoundCompliance compliance,
            AuditTrail auditTrail,
            Clock clock) {
        this.store = store;
        this.secure = secure;
        this.merge = merge;
        this.ending = ending;
        this.studies = studies;
        this.registry = registry;
        this.compliance = compliance;
        this.auditTrail = auditTrail;
        this.clock = clock;
    }

    /**
     * Publishes an aggregating round.
     *
     * @return the failed attempt to retry when nothing could be published; empty when the round is closed
     */
    Optional<Transition> publish(RoundState state) {
        try {
            return publishRound(state);
        } catch (RuntimeException e) {
            log.error("round {}: closing it failed; nothing was published and it will be retried", state.roundId(), e);
            // Its secure aggregation, if it still has one, ends with the retry: nothing more is unmasked.
            RoundState current = store.round(state.roundId());
            if (current == null || current.phase() != RoundPhase.AGGREGATING) {
                return Optional.empty();
            }
            return Optional.of(new Transition(
                    RoundStateMachine.abandoned(
                            current, "closing the round failed (" + e.getMessage() + "); nothing was published"),
                    RoundDecision.RETRY));
        }
    }

    private Optional<Transition> publishRound(RoundState state) {
        Study study = studies.find(state.studyId()).orElseThrow();
        if (state.kind() == RoundKind.EVALUATE) {
            finishStudy(state, study);
            return Optional.empty();
        }
        ModelVersion base = registry.find(study.studyId(), state.baseVersion()).orElseThrow();
        long version = state.baseVersion() + 1;
        var earlier = registry.find(study.studyId(), version);
        if (earlier.isPresent()) {
            // A replica published this round's version and stopped before closing the round: the
            // round is done; aggregating again would charge nothing new but could only fail to publish.
            secure.take(state.roundId());
            return adopt(state, study, earlier.get());
        }
        ModelRegistry.Staged next;
        Map<String, ReleaseCharge> charges;
        SecureRound sr = secure.take(state.roundId());
        if (sr != null) {
            charges = sr.charges();
            // Charged before the sum is unmasked: once it is, every survivor's masked input is released,
            // whatever happens to the round next. If charging fails, nothing is unmasked.
            compliance.chargeReleases(
                    List.copyOf(new TreeMap<>(charges).values()), RoundCompliance.Released.SUM_UNMASKED);
            next = secureStage(study, base, version, sr.release());
        } else {
            PartialSumMerge.Merged merged;
            try {
                merged = merge.merge(state, study, base, version);
            } catch (RuntimeException e) {
                log.warn("round {}: the partial sums could not be merged: {}", state.roundId(), e.getMessage());
                return Optional.of(new Transition(
                        RoundStateMachine.abandoned(
                                state,
                                "the replicas' partial sums could" + " not be merged (" + e.getMessage()
                                        + "); nothing was published"),
                        RoundDecision.RETRY));
            }
            state = merged.state();
            store.save(state);
            next = merged.next();
            charges = merged.charges();
        }
        record(state, study, base, next, charges, sr);
        try {
            registry.publish(
                    next,
                    state.baseVersion(),
                    state.roundNumber(),
                    study.modelConfigJson(),
                    List.copyOf(new TreeSet<>(state.reported())));
        } catch (VersionAlreadyPublished e) {
            // Another replica closed the same round a moment earlier (a failover while closing it).
            return adopt(state, study, e.published());
        }
        ending.forget(state);
        ending.close(
                RoundStateMachine.completed(
                        state,
                        state.reported().size() + " of " + state.selected().size()
                                + " sites reported; published version " + version),
                version);
        if (state.buffered()) {
            carryOver(state, study, version);
        }
        studies.updateProgress(
                study.studyId(),
                StudyStatus.RUNNING,
                "round " + state.roundNumber() + " done",
                version,
                study.roundsDone() + 1,
                clock.instant());
        // The study now rounds from this version: older versions' optimiser states are dead weight.
        registry.pruneStates(study.studyId(), version);
        RoundMetrics.completed(state, clock.instant());
        log.info(
                "study {} round {}: published version {} from {}",
                study.studyId(),
                state.roundNumber(),
                version,
                state.reported());
        return Optional.empty();
    }

    /**
     * Closes the round with the version another attempt of it published. Its releases were charged
     * and the round went on record before that version was published; whatever this attempt
     * charged stays charged (its sites did release their updates).
     */
    private Optional<Transition> adopt(RoundState state, Study study, ModelVersion published) {
        if (published.roundNumber() != state.roundNumber() || published.parentVersion() != state.baseVersion()) {
            throw new IllegalStateException("version " + published.version() + " of study " + study.studyId()
                    + " was published by round " + published.roundNumber() + " from version "
                    + published.parentVersion() + ", not by round " + state.roundNumber() + " from version "
                    + state.baseVersion());
        }
        long version = published.version();
        log.warn(
                "round {}: version {} was already published by another attempt of the round (a replica that"
                        + " stopped while closing it); the round closes with it",
                state.roundId(),
                version);
        ending.forget(state);
        ending.close(
                RoundStateMachine.completed(
                        state,
                        "version " + version + " had already been published by another replica closing this"
                                + " round; closed with it"),
                version);
        Study now = studies.find(study.studyId()).orElseThrow();
        if (now.currentVersion() < version) {
            studies.updateProgress(
                    study.studyId(),
                    StudyStatus.RUNNING,
                    "round " + state.roundNumber() + " done",
                    version,
                    now.roundsDone() + 1,
                    clock.instant());
        }
        if (state.buffered()) {
            carryOver(state, study, version);
        }
        registry.pruneStates(study.studyId(), version);
        RoundMetrics.completed(state, clock.instant());
        return Optional.empty();
    }

    /**
     * The sites a buffered round did not wait for go on training; the study's next round carries
     * their tasks in, unless a task is now more than maxStaleness versions behind: that site gets a
     * fresh task, and the update it sends for the old one is refused as late.
     */
    private void carryOver(RoundState state, Study study, long version) {
        var strategy =
                (FedBuff) Strategy.named(study.spec().strategy(), study.spec().strategyOptions());
        var carried = new TreeMap<String, CarriedTask>();
        for (String site : state.outstanding()) {
            CarriedTask task = state.task(site);
            if (strategy.usable(version, task.baseVersion())) {
                carried.put(site, task);
            } else {
                ending.tooStale(
                        state,
                        site,
                        "its task on model version " + task.baseVersion() + " is " + (version - task.baseVersion())
                                + " versions behind version " + version + ", more than strategyOptions.maxStaleness = "
                                + strategy.maxStaleness() + "; the site gets a fresh task");
            }
        }
        store.carry(study.studyId(), carried);
    }

    /** The final evaluation is in: the study is complete with the version it evaluated. */
    private void finishStudy(RoundState state, Study study) {
        Instant now = clock.instant();
        ending.forget(state);
        ending.close(
                RoundStateMachine.completed(
                        state, "evaluated by " + state.reported().size() + " sites"),
                null);
        RoundMetrics.completed(state, now);
        String detail = "completed " + study.roundsDone() + " rounds; final model version " + study.currentVersion();
        studies.updateProgress(
                study.studyId(), StudyStatus.COMPLETED, detail, study.currentVersion(), study.roundsDone(), now);
        auditTrail.studyFinished(study.studyId(), StudyStatus.COMPLETED.name(), detail);
    }

    /** On record before release: if charging fails, the staged version is dropped and nothing is published. */
    private void record(
            RoundState state,
            Study study,
            ModelVersion base,
            ModelRegistry.Staged next,
            Map<String, ReleaseCharge> charges,
            SecureRound sr) {
        List<String> participants = List.copyOf(new TreeSet<>(state.reported()));
        try {
            compliance.recordRound(new RoundCompliance.RoundRecord(
                    study.studyId(),
                    state.roundNumber(),
                    state.roundId(),
                    state.attempt(),
                    participants,
                    participants.stream()
                            .map(charges::get)
                            .filter(Objects::nonNull)
                            .toList(),
                    roundParameters(study, sr),
                    state.baseVersion(),
                    base.payloadSha256Hex(),
                    next.version(),
                    next.sha256Hex()));
        } catch (RuntimeException e) {
            registry.discard(next);
            throw e;
        }
    }

    /**
     * The parameters the round goes on record with: the study's, and for distributed noise the
     * round's encoding, from which anyone can recompute its charge.
     */
    private static Map<String, ?> roundParameters(Study study, SecureRound sr) {
        var parameters = RoundCompliance.parameters(study.spec());
        if (sr == null || sr.siteNoise == null) {
            return parameters;
        }
        var noise = sr.siteNoise;
        var d = new LinkedHashMap<String, Object>();
        d.put("mechanism", "distributed discrete Gaussian added by each site inside secure aggregation");
        d.put("sites", noise.sites());
        d.put("minSurvivors", noise.minSurvivors());
        d.put("dimension", noise.dimension());
        d.put("ringBits", noise.ringBits());
        d.put("granularityExponent", noise.granularityExponent());
        d.put("effectiveSensitivity", noise.effectiveSensitivity());
        d.put("effectiveNoiseMultiplier", noise.effectiveNoiseMultiplier());
        d.put("wrapProbability", noise.wrapProbability());
        var withNoise = new LinkedHashMap<String, Object>(parameters);
        withNoise.put("distributedNoise", d);
        return withNoise;
    }

    /**
     * The next global model from a securely aggregated round, by the study's strategy: the
     * released sum of the survivors' clipped updates, each of weight 1 (the coordinator cannot
     * see example counts). Under site-level DP the sites noised the sum inside the ring (the
     * coordinator never sees it un-noised) and nothing is added here. A server optimiser steps
     * from that mean with the moments the base version left, and stages the next ones with it.
     */
    private ModelRegistry.Staged secureStage(
            Study study, ModelVersion base, long version, SecureRound.Released released) {
        float[] full = registry.readParameters(base);
        // With frozen layers the released sum holds the trainable part only: the strategy steps that
        // part, and the frozen values are put back exactly as the base version has them.
        var frozen = org.cohort.coordinator.study.TrainableParameters.frozen(study);
        float[] global = frozen.map(f -> f.slice(full)).orElse(full);
        Strategy strategy = secureStrategy(study, released);
        try (var carried = StrategyStates.open(registry, strategy, base, version, global.length)) {
            // SCAFFOLD's masked vector was [Δy, Δc]: the released sum holds both sums, nothing of one site.
            float[] params = strategy instanceof Scaffold scaffold
                    ? scaffold.step(released.survivors(), released.survivors(), released.tasked(), carried)
                            .next(global, released.sum())
                    : strategy.step(released.survivors(), released.survivors(), carried)
                            .next(global, released.sum());
            if (frozen.isPresent()) {
                params = frozen.get().scatter(full, params);
            }
            float[] next = params;
            var staged = registry.stage(
                    study.studyId(),
                    version,
                    next.length,
                    (offset, count) -> Arrays.copyOfRange(next, (int) offset, (int) offset + count));
            return StrategyStates.attach(staged, carried);
        }
    }

    /** The strategy of a secure round, after checking that a site-level DP sum was noised at the sites. */
    private static Strategy secureStrategy(Study study, SecureRound.Released released) {
        var dp = study.spec().privacy();
        if (dp != null && dp.siteLevel() && !released.noisedAtSites()) {
            throw new IllegalStateException(
                    "a site-level DP round released a sum the sites did not noise; nothing is" + " published");
        }
        return Strategy.forSecureRound(study.spec());
    }

    /** The next global model of a secure round of a stateless strategy (tests). */
    static float[] secureNextGlobal(Study study, float[] global, SecureRound.Released released) {
        return secureStrategy(study, released)
                .step(released.survivors(), released.survivors())
                .next(global, released.sum());
    }
}
