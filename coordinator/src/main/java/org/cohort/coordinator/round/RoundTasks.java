package org.cohort.coordinator.round;

import com.google.protobuf.ByteString;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import org.cohort.coordinator.aggregation.RobustStrategy;
import org.cohort.coordinator.aggregation.Strategy;
import org.cohort.coordinator.compliance.AuditTrail;
import org.cohort.coordinator.compliance.RoundCompliance;
import org.cohort.coordinator.registry.ModelRegistry;
import org.cohort.coordinator.registry.ModelVersion;
import org.cohort.coordinator.site.SiteLookup;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.StudyRepository;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.coordinator.study.StudyStatus;
import org.cohort.crypto.secagg.RingQuantizer;
import org.cohort.crypto.secagg.SecAggParameters;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.SecAggPlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Starts a study's next round attempt and puts its task in front of each selected site: the
 * cohort is every connected, unrevoked site that accepted the study, each with the training size
 * it declared (pinned for the attempt); nothing is sent when too few are there, when the study's
 * strategy cannot aggregate, or when a round would take a site past the study's ε budget. A
 * site that missed its task (it reconnected, or a new driver took over) gets it again.
 */
@Component
class RoundTasks {
    private static final Logger log = LoggerFactory.getLogger(RoundTasks.class);

    private final RoundStore store;
    private final RoundCluster cluster;
    private final SecureRounds secure;
    private final SiteLookup sites;
    private final StudyRepository studies;
    private final RoundRepository history;
    private final ModelRegistry registry;
    private final RoundCompliance compliance;
    private final AuditTrail auditTrail;
    private final TaskFactory tasks;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    RoundTasks(
            RoundStore store,
            RoundCluster cluster,
            SecureRounds secure,
            SiteLookup sites,
            StudyRepository studies,
            RoundRepository history,
            ModelRegistry registry,
            RoundCompliance compliance,
            AuditTrail auditTrail,
            TaskFactory tasks,
            Clock clock) {
        this.store = store;
        this.cluster = cluster;
        this.secure = secure;
        this.sites = sites;
        this.studies = studies;
        this.history = history;
        this.registry = registry;
        this.compliance = compliance;
        this.auditTrail = auditTrail;
        this.tasks = tasks;
        this.clock = clock;
    }

    /** Starts the study's next attempt (its next training round, or the final evaluation), or says in its status why not. */
    void start(Study study) {
        var spec = study.spec();
        boolean training = study.roundsDone() < spec.rounds();
        int roundNumber = training ? study.roundsDone() + 1 : spec.rounds() + 1;
        SortedMap<String, Long> declared = eligible(study);
        List<String> eligible = List.copyOf(declared.keySet());
        if (training && heldAtMost(spec) < eligible.size()) {
            // A robust strategy holds every update: a round takes no more than its memory check counted.
            eligible = eligible.subList(0, heldAtMost(spec));
            declared = new java.util.TreeMap<>(declared.headMap(eligible.get(eligible.size() - 1) + "\0"));
        }
        boolean secureRound = training
                && spec.secureAggregation() != null
                && spec.secureAggregation().on();
        int minSites = training ? spec.minSites() : 1;
        if (secureRound) {
            minSites = Math.max(minSites, SecAggParameters.MIN_CLIENTS);
        }
        if (eligible.size() < minSites) {
            String detail =
                    "waiting for sites: " + eligible.size() + " connected and accepting, " + minSites + " needed";
            if (!detail.equals(study.statusDetail())) {
                progress(study, StudyStatus.RUNNING, detail, clock.instant());
            }
            return;
        }
        if (training && (!aggregatable(study) || overBudget(study, roundNumber, eligible))) {
            return;
        }
        // A buffered (FedBuff) round publishes after K reports; the sites still training on a task of
        // the previous one are carried in, not sent another (each trains one task at a time).
        int buffer = training ? bufferSize(spec) : 0;
        Map<String, CarriedTask> carried = new TreeMap<>(store.carried(study.studyId()));
        carried.keySet().retainAll(buffer > 0 ? declared.keySet() : Set.of());
        int attempt = history.attempts(study.studyId(), roundNumber) + 1;
        byte[] nonce = new byte[ProtocolLimits.NONCE_BYTES];
        random.nextBytes(nonce);
        Instant now = clock.instant();
        ModelVersion base = registry.find(study.studyId(), study.currentVersion())
                .orElseThrow(() -> new IllegalStateException("model version " + study.currentVersion() + " of study "
                        + study.studyId() + " is missing from the registry"));
        Duration timeout = Duration.ofSeconds(spec.roundTimeoutSeconds());
        Duration stageTimeout =
                secureRound ? Duration.ofSeconds(spec.secureAggregation().stageTimeoutSeconds()) : Duration.ZERO;
        SecureRound sr = null;
        if (secureRound) {
            try {
                sr = secureRound(study, eligible, nonce, base, stageTimeout, now.plus(timeout));
            } catch (IllegalArgumentException e) {
                progress(
                        study,
                        StudyStatus.FAILED,
                        "secure aggregation cannot run with " + eligible.size() + " sites: " + e.getMessage(),
                        now);
                return;
            }
        }
        // Secure rounds also need time after training for key exchange, masked input and unmasking.
        var state = RoundState.builder()
                .roundId("rd-" + UUID.randomUUID())
                .studyId(study.studyId())
                .roundNumber(roundNumber)
                .attempt(attempt)
                .kind(training ? RoundKind.TRAIN : RoundKind.EVALUATE)
                .baseVersion(study.currentVersion())
                .nonce(nonce)
                .selected(Set.copyOf(eligible))
                .minSites(buffer > 0 ? buffer : minSites)
                .startedAt(now)
                .deadline(now.plus(timeout).plus(stageTimeout.multipliedBy(3)))
                .detail("tasks sent to " + (eligible.size() - carried.size()) + " sites"
                        + (carried.isEmpty() ? "" : ", " + carried.size() + " still training carried in")
                        + (buffer > 0 ? " (publishes after " + buffer + " updates)" : "")
                        + (sr != null ? " (secure aggregation, threshold " + sr.parameters.threshold() + ")" : ""))
                .secure(sr != null)
                .declaredExamples(declared)
                .bufferSize(buffer)
                .carried(carried)
                .build();
        if (sr != null) {
            secure.begin(state.roundId(), sr);
        }
        history.insertStarted(state);
        RoundMetrics.started(state);
        store.save(state);
        store.activate(state);
        // The carried tasks live in this attempt now; if it fails, its retry sends those sites fresh tasks.
        store.carry(study.studyId(), Map.of());
        progress(
                study,
                StudyStatus.RUNNING,
                (training ? "round " + roundNumber : "final evaluation") + " running with " + eligible.size()
                        + " sites",
                now);
        log.info(
                "study {} round {} attempt {} ({}): selected {}",
                study.studyId(),
                roundNumber,
                attempt,
                state.kind(),
                eligible);
        for (String site : eligible) {
            if (carried.containsKey(site)) {
                continue;
            }
            cluster.send(
                    site,
                    CoordinatorMessage.newBuilder()
                            .setRoundTask(taskFor(study, state, base, site))
                            .build());
        }
    }

    /** Each connected site that accepted the study with the training size it declared, if within the study's limit. */
    private SortedMap<String, Long> eligible(Study study) {
        var declared = new TreeMap<String, Long>();
        cluster.declaredSizes(study.studyId()).forEach((site, n) -> {
            if (n >= 1
                    && n <= study.spec().siteExamplesLimit()
                    && sites.find(site).map(s -> !s.revoked()).orElse(false)) {
                declared.put(site, n);
            }
        });
        return declared;
    }

    private SecureRound secureRound(
            Study study,
            List<String> eligible,
            byte[] nonce,
            ModelVersion base,
            Duration stageTimeout,
            Instant trainingDeadline) {
        StudySpec spec = study.spec();
        var settings = spec.secureAggregation();
        return new SecureRound(
                eligible,
                nonce,
                settings.threshold(),
                settings.degree(),
                settings.clipRange(),
                // The masked vector is the whole upload: under SCAFFOLD the delta and Δc together,
                // so that the coordinator learns only the sum of each; with frozen layers the trainable
                // part alone (shorter masks, and distributed noise of that dimension).
                Math.toIntExact(
                        org.cohort.coordinator.study.TrainableParameters.updateLength(study, base.numParameters())
                                * spec.uploadVectors()),
                stageTimeout,
                trainingDeadline,
                site -> sites.find(site).orElseThrow().updateSigningPublicKey(),
                spec.privacy(),
                org.cohort.coordinator.study.RingWidth.bits(spec, eligible.size()));
    }

    /** K of a buffered strategy (FedBuff), else 0: the round waits for every selected site. */
    private static int bufferSize(StudySpec spec) {
        try {
            return Strategy.named(spec.strategy(), spec.strategyOptions()).bufferSize();
        } catch (IllegalArgumentException unknownStrategy) {
            return 0; // the strategy check fails the study, before any task is sent
        }
    }

    /** The most updates a round of the study holds whole: a robust strategy's maxSites, else no limit. */
    private static int heldAtMost(org.cohort.coordinator.study.StudySpec spec) {
        try {
            return Strategy.named(spec.strategy(), spec.strategyOptions()) instanceof RobustStrategy
                    ? spec.strategyOptions().maxSites()
                    : Integer.MAX_VALUE;
        } catch (IllegalArgumentException unknownStrategy) {
            return Integer.MAX_VALUE; // the strategy check below fails the study, before any task is sent
        }
    }

    /**
     * Whether the study's strategy exists; if not (a study stored before strategies were checked at
     * creation) it fails now, before any site trains and spends ε on a round that could not close.
     */
    private boolean aggregatable(Study study) {
        try {
            Strategy.forStudy(study.spec());
            return true;
        } catch (IllegalArgumentException e) {
            String detail = "cannot aggregate: " + e.getMessage() + "; no task was sent. Create a new study with"
                    + " a strategy that exists";
            progress(study, StudyStatus.FAILED, detail, clock.instant());
            auditTrail.studyFinished(study.studyId(), StudyStatus.FAILED.name(), detail);
            return false;
        }
    }

    /** Refused before anything is sent: no selected site may go past the study's ε budget. The study stops. */
    private boolean overBudget(Study study, int roundNumber, List<String> eligible) {
        var decision = compliance.checkRound(study, roundNumber, eligible);
        if (decision.allowed()) {
            return false;
        }
        log.warn("study {}: {}", study.studyId(), decision.reason());
        progress(
                study,
                StudyStatus.STOPPED,
                "stopped by the privacy budget after " + study.roundsDone() + " rounds: " + decision.reason(),
                clock.instant());
        auditTrail.studyStopped(study.studyId(), decision.reason(), AuditTrail.COORDINATOR);
        return true;
    }

    private void progress(Study study, StudyStatus status, String detail, Instant at) {
        studies.updateProgress(study.studyId(), status, detail, study.currentVersion(), study.roundsDone(), at);
    }

    /** Sends an open round's task (again) to one site, wherever its session is. */
    void send(RoundState state, String site) {
        Study study = studies.find(state.studyId()).orElseThrow();
        CarriedTask carried = state.carried().get(site);
        // A site carried into the round is asked again for the task it is still working on.
        RoundState sent = carried == null ? state : store.round(carried.roundId());
        if (sent == null) {
            return; // the cluster no longer knows that task: the round's deadline drops the site
        }
        ModelVersion base = registry.find(study.studyId(), sent.baseVersion()).orElseThrow();
        cluster.send(
                site,
                CoordinatorMessage.newBuilder()
                        .setRoundTask(taskFor(study, sent, base, site))
                        .build());
    }

    /** Re-sends its open rounds' tasks to a site that reconnected before reporting. */
    void resend(String siteId) {
        for (String roundId : store.activeRoundIds()) {
            RoundState state = store.round(roundId);
            if (state != null && state.isOpen() && state.outstanding().contains(siteId)) {
                send(state, siteId);
            }
        }
    }

    /** The task a site receives; in a secure round with its SecAgg+ plan (its index, the others' keys, the encoding). */
    private RoundTask taskFor(Study study, RoundState state, ModelVersion base, String site) {
        RoundTask task = tasks.task(study, state, base);
        SecureRound sr = secure.get(state.roundId());
        if (sr == null) {
            return task;
        }
        var plan = SecAggPlan.newBuilder()
                .setClientIndex(sr.indexOf.get(site))
                .addAllSitesByIndex(sr.sitesByIndex)
                .setThreshold(sr.parameters.threshold())
                .setDegree(sr.parameters.degree())
                .setClipRange(sr.siteNoise != null ? sr.siteNoise.clipNorm() : sr.quantizer.clipBound())
                .setScale(sr.siteNoise != null ? sr.siteNoise.scale() : sr.quantizer.scale())
                .setRingBits(sr.siteNoise != null ? RingQuantizer.RING_BITS : sr.quantizer.ringBits());
        Double bound = study.spec().secureAggregation().maxUpdateNorm();
        if (bound != null) {
            plan.setMaxUpdateNorm(bound);
        }
        for (String s : sr.sitesByIndex) {
            plan.addSigningKeysByIndex(
                    ByteString.copyFrom(sites.find(s).orElseThrow().updateSigningPublicKey()));
        }
        return task.toBuilder().setSecagg(plan).build();
    }
}
