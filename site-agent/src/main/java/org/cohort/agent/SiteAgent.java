package org.cohort.agent;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.cohort.crypto.signature.SignatureVerifier;
import org.cohort.crypto.tls.TlsTrust;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.protocol.transfer.TransferEncoding;
import org.cohort.protocol.v1.AgentMessage;
import org.cohort.protocol.v1.AgentState;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.cohort.protocol.v1.Heartbeat;
import org.cohort.protocol.v1.Hello;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.SessionGrpc;
import org.cohort.protocol.v1.TaskKind;
import org.cohort.protocol.v1.TaskOutcome;
import org.cohort.protocol.v1.TaskStatus;
import org.cohort.protocol.v1.UploadReceipt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hospital's program. Enrolls on first start, then keeps one outbound session to the
 * coordinator (reconnecting with capped exponential back-off and jitter, rotating through
 * the configured addresses), and runs the tasks it receives one at a time on a worker
 * thread, so heartbeats keep flowing while a long local training runs.
 */
public final class SiteAgent implements AutoCloseable {
    public static final String VERSION = "0.1.0";
    private static final Logger log = LoggerFactory.getLogger(SiteAgent.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /**
     * How long calls still running on a replaced channel may go on: as long as the coordinator
     * lets a call outlive its connection (its max-connection-age grace).
     */
    private static final Duration OLD_CHANNEL_GRACE = Duration.ofMinutes(15);

    private final AgentConfig config;
    /** The studies accepted now: {@code config}'s at start, then as {@code agent.properties} changes. */
    private final AcceptedStudies accepted;

    /** Replaced when the certificate is renewed; new connections use the current one. */
    private volatile AgentIdentity identity;
    /** When the certificate is due for renewal is decided by this clock (tests move it). */
    private volatile java.time.Clock clock = java.time.Clock.systemUTC();
    /** Renewal calls block on the coordinator: off the session thread. */
    private final ExecutorService renewals = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("cohort-agent-renewal").daemon().factory());
    /** A renewed certificate waits for an idle moment to reconnect the session with it. */
    private volatile boolean reconnectWithRenewed;

    private final LocalLearner learner;
    private final ModelDownloader downloader;
    private final ControlVariateStore controlVariates;
    private final UpdateUploader uploader;
    private final SiteLedger ledger;
    private final SiteRoundPrivacy privacy;
    private final HeadStore heads;
    private final StudyDistrust distrust;
    private final PinnedTerms terms;
    private final SignatureVerifier coordinatorKey;
    private final AgentMetrics metrics;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("cohort-agent-session").daemon().factory());
    private final ExecutorService worker = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("cohort-agent-task").daemon().factory());
    private final AtomicReference<StreamObserver<AgentMessage>> outbound = new AtomicReference<>();
    private final AtomicReference<AgentState> state = new AtomicReference<>(AgentState.IDLE);
    private final AtomicReference<String> currentRound = new AtomicReference<>("");
    /**
     * Round ids already queued or run, checked on arrival: a task sent twice before the worker
     * started the first (a resend at reconnect racing the original) runs once, whatever other
     * study's tasks come in between. A retried round has a new id. Bounded: the oldest are forgotten.
     */
    private final RecentRounds scheduled = new RecentRounds(1024);

    private final java.util.concurrent.BlockingQueue<SecureAggregationStep.Inbound> secaggInbox =
            new java.util.concurrent.LinkedBlockingQueue<>();
    private final AtomicLong heartbeatSeq = new AtomicLong();
    /**
     * The last plain update sent, kept until the next task: if the coordinator replica that held
     * it is lost, the coordinator sends the round's task again and the same signed update is
     * re-sent — no training, no new noise, no new privacy spending.
     */
    private final AtomicReference<SentUpdate> lastSent = new AtomicReference<>();

    /** @param nextControl SCAFFOLD's c_i⁺ to keep once the coordinator holds the update; null otherwise */
    private record SentUpdate(
            String roundId,
            org.cohort.protocol.v1.UpdateManifest manifest,
            float[] values,
            long deadlineMillis,
            String studyId,
            float[] nextControl) {}

    private volatile ManagedChannel channel;
    /** Replaced channels whose last calls may still finish. */
    private final java.util.Set<ManagedChannel> retiring = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private volatile int addressIndex;
    private volatile int failures;
    private volatile boolean closed;
    private volatile long heartbeatMillis = ProtocolLimits.HEARTBEAT_INTERVAL.toMillis();
    private volatile String siteId;

    private SiteAgent(AgentConfig config, LocalLearner learner, Path configFile) {
        this.config = config;
        this.accepted = new AcceptedStudies(configFile, config.accepted());
        this.identity = Enroller.ensureEnrolled(config);
        this.learner = learner;
        this.downloader = new ModelDownloader(identity.modelSigningPublicKey());
        this.uploader =
                new UpdateUploader(identity.site().siteId(), identity.site().updateSigner());
        this.ledger = new SiteLedger(config.workDir());
        this.controlVariates = new ControlVariateStore(config.workDir());
        this.privacy = new SiteRoundPrivacy(config, ledger, learner);
        this.coordinatorKey = SignatureVerifier.ed25519(identity.modelSigningPublicKey());
        this.heads = new HeadStore(config.workDir(), coordinatorKey);
        this.distrust = new StudyDistrust(config.workDir());
        this.terms = new PinnedTerms(config.workDir());
        this.siteId = identity.site().siteId();
        this.metrics = new AgentMetrics(config.workDir());
    }

    /** Enrolls if needed and starts the session in the background. */
    public static SiteAgent start(AgentConfig config, LocalLearner learner) {
        return start(config, learner, null);
    }

    /**
     * Enrolls if needed and starts the session in the background; {@code configFile} (the file
     * {@code config} was read from, or null) is watched for accepted and withdrawn studies.
     */
    public static SiteAgent start(AgentConfig config, LocalLearner learner, Path configFile) {
        var agent = new SiteAgent(config, learner, configFile);
        agent.announce();
        agent.scheduler.execute(agent::connect);
        agent.scheduler.scheduleAtFixedRate(agent::heartbeat, 0, 100, TimeUnit.MILLISECONDS);
        if (configFile != null) {
            agent.scheduler.scheduleWithFixedDelay(agent::refreshAcceptances, 2, 2, TimeUnit.SECONDS);
        }
        agent.scheduler.scheduleWithFixedDelay(agent.metrics::write, 0, 15, TimeUnit.SECONDS);
        // At start (once the session channel exists) and daily after.
        agent.scheduler.scheduleWithFixedDelay(
                agent::renewIfDue, 5, CertificateRenewer.CHECK_INTERVAL.toSeconds(), TimeUnit.SECONDS);
        return agent;
    }

    /**
     * Reads the accepted studies again when {@code agent.properties} changed, and announces them to
     * the coordinator with a new hello on the open session (which the coordinator takes as the
     * site's acceptances from then on).
     */
    private void refreshAcceptances() {
        try {
            if (accepted.refresh()) {
                send(hello());
            }
        } catch (RuntimeException e) {
            log.warn("could not re-read the accepted studies: {}", e.toString());
        }
    }

    private AgentMessage hello() {
        return AgentMessage.newBuilder()
                .setHello(Hello.newBuilder()
                        .setAgentVersion(VERSION)
                        .addAllAcceptedStudies(accepted.current().values().stream()
                                .map(StudyAcceptance::toProto)
                                .toList())
                        .setCompute(config.compute()))
                .build();
    }

    /** What the site's admin agreed to, said once at start, so the log shows what this agent will do. */
    private void announce() {
        log.info(
                "site {} ({}), data {}, work directory {}",
                identity.site().siteId(),
                config.siteName(),
                config.dataPath(),
                config.workDir());
        if (config.acceptedStudies().isEmpty()) {
            log.info("no study accepted (studies.accepted is empty): this agent connects but trains nothing");
        }
        config.accepted()
                .values()
                .forEach(a -> log.info(
                        "accepts study {}: declares {} training examples, terms {}",
                        a.studyId(),
                        a.trainingExamples(),
                        a.termsDigest()));
        log.info(
                "ε ceilings set by this site's admin: per patient and study {}, per site and study {}, per patient over"
                        + " all studies {}",
                ceiling(config.patientEpsilonCeiling()),
                ceiling(config.siteEpsilonCeiling()),
                config.patientEpsilonCeilingAllStudies() == null
                        ? "none"
                        : config.patientEpsilonCeilingAllStudies() + " at δ = " + config.allStudiesDelta());
    }

    private static String ceiling(Double value) {
        return value == null ? "none (the study's budget applies)" : String.valueOf(value);
    }

    public String siteId() {
        return siteId;
    }

    /** The metrics file, {@code <work.dir>/metrics.prom} (Prometheus text format). */
    public Path metricsFile() {
        return metrics.file();
    }

    public Path ledgerFile() {
        return ledger.file();
    }

    /** True while a session is open: the coordinator has welcomed this site on the current stream. */
    public boolean connected() {
        // A stream that is open but not yet welcomed may still be refused (no quorum, revoked).
        return welcomed && outbound.get() != null;
    }

    private volatile boolean welcomed;

    private void connect() {
        if (closed) {
            return;
        }
        String address = config.coordinatorAddresses()
                .get(addressIndex % config.coordinatorAddresses().size());
        try {
            var credentials = TlsChannelCredentials.newBuilder()
                    .keyManager(identity.site().keyManagers())
                    .trustManager(TlsTrust.coordinator(identity.site().caCertificate()))
                    .build();
            channel = NettyChannelBuilder.forTarget(address, credentials)
                    .maxInboundMessageSize(ProtocolLimits.MAX_MESSAGE_BYTES)
                    .keepAliveTime(ProtocolLimits.CLIENT_KEEPALIVE_TIME.toSeconds(), TimeUnit.SECONDS)
                    .keepAliveTimeout(ProtocolLimits.KEEPALIVE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                    .keepAliveWithoutCalls(true)
                    .intercept(metrics.interceptor())
                    .build();
            welcomed = false;
            StreamObserver<AgentMessage> out = SessionGrpc.newStub(channel).connect(new Inbound(address));
            synchronized (this) {
                out.onNext(hello());
            }
            outbound.set(out);
        } catch (RuntimeException e) {
            log.warn("cannot open a session with {}: {}", address, e.getMessage());
            scheduleReconnect();
        }
    }

    private final class Inbound implements StreamObserver<CoordinatorMessage> {
        private final String address;

        Inbound(String address) {
            this.address = address;
        }

        @Override
        public void onNext(CoordinatorMessage message) {
            switch (message.getKindCase()) {
                case WELCOME -> {
                    failures = 0;
                    welcomed = true;
                    metrics.connected(true);
                    heartbeatMillis = Math.max(50, message.getWelcome().getHeartbeatIntervalMillis());
                    log.info(
                            "session open with {} as {}",
                            address,
                            message.getWelcome().getSiteId());
                }
                case ROUND_TASK -> {
                    RoundTask task = message.getRoundTask();
                    // In arrival order, before anything runs: heads are only comparable in the order sent.
                    heads.observe(task.getAuditHead()).ifPresent(problem -> distrust(task.getStudyId(), problem));
                    if (scheduled.add(task.getRoundId())) {
                        // A new round means any secure-aggregation wait of the previous one is over.
                        secaggInbox.add(new SecureAggregationStep.Inbound(null, currentRound.get()));
                        lastSent.set(null);
                        worker.execute(() -> runTask(task));
                    } else if (task.getRoundId().equals(currentRound.get())
                            && state.get() == AgentState.IDLE
                            && lastSent.get() != null
                            && lastSent.get().roundId().equals(task.getRoundId())) {
                        worker.execute(() -> resend(task));
                    }
                }
                case CANCEL_TASK -> {
                    secaggInbox.add(new SecureAggregationStep.Inbound(
                            null, message.getCancelTask().getRoundId()));
                    log.info(
                            "coordinator cancelled round {}: {}",
                            message.getCancelTask().getRoundId(),
                            message.getCancelTask().getReason());
                }
                case SECAGG -> secaggInbox.add(new SecureAggregationStep.Inbound(message.getSecagg(), null));
                case NOTICE ->
                    log.warn("coordinator notice: {}", message.getNotice().getText());
                case HEARTBEAT_ACK -> {
                    // A dead connection is found by HTTP/2 keepalive; an ack only measures the round trip.
                    if (message.getHeartbeatAck().getSequence() == lastHeartbeatSeq) {
                        long took = System.nanoTime() - lastHeartbeatNanos;
                        lastRoundTripMicros = took / 1000;
                        metrics.heartbeatRoundTrip(took / 1e9);
                    }
                }
                default -> {}
            }
        }

        @Override
        public void onError(Throwable t) {
            Status s = Status.fromThrowable(t);
            welcomed = false;
            metrics.connected(false);
            outbound.set(null);
            var refusal = TlsRefusal.explain(s);
            if (s.getCode() == Status.Code.PERMISSION_DENIED) {
                log.error("coordinator refused this site: {}", s.getDescription());
            } else if (refusal.isPresent() && !closed) {
                log.error("cannot open a session with {}: {}", address, refusal.get());
            } else if (!closed) {
                log.warn(
                        "session with {} lost: {} {}",
                        address,
                        s.getCode(),
                        s.getDescription() == null ? "" : s.getDescription());
            }
            scheduleReconnect();
        }

        @Override
        public void onCompleted() {
            welcomed = false;
            metrics.connected(false);
            outbound.set(null);
            scheduleReconnect();
        }
    }

    private void scheduleReconnect() {
        if (closed) {
            return;
        }
        ManagedChannel old = channel;
        if (old != null) {
            // Gently: a download or upload still running on it (say, after the coordinator renewed the
            // connection with a GOAWAY) may finish; new calls go to the next channel.
            old.shutdown();
            retiring.add(old);
            scheduler.schedule(
                    () -> {
                        old.shutdownNow();
                        retiring.remove(old);
                    },
                    OLD_CHANNEL_GRACE.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        addressIndex++;
        failures++;
        long capped = Math.min(MAX_BACKOFF.toMillis(), 250L << Math.min(failures, 10));
        long delay = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
        scheduler.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    private long lastHeartbeat;
    private volatile long lastHeartbeatSeq = -1;
    private volatile long lastHeartbeatNanos;
    /** The last heartbeat round trip measured, sent with the next heartbeat for the coordinator's metrics. */
    private volatile long lastRoundTripMicros;

    /** Starts a renewal if the certificate is due (see {@link CertificateRenewer}); never blocks the session. */
    void renewIfDue() {
        AgentIdentity current = identity;
        if (closed || !CertificateRenewer.due(current.site().certificate(), clock.instant(), config.renewFraction())) {
            return;
        }
        ManagedChannel c = channel;
        if (c == null) {
            scheduler.schedule(this::renewIfDue, 1, TimeUnit.MINUTES);
            return;
        }
        renewals.execute(() -> {
            try {
                AgentIdentity renewed = CertificateRenewer.renew(current, config, c);
                identity = renewed;
                reconnectWithRenewed = true;
                log.info(
                        "renewed the site certificate: serial {} valid until {} (the old one, serial {}, stays valid"
                                + " until {})",
                        renewed.site().serial().toString(16),
                        renewed.site().notAfter(),
                        current.site().serial().toString(16),
                        current.site().notAfter());
            } catch (RuntimeException e) {
                log.warn(
                        "certificate renewal failed, retrying in an hour (the certificate expires {}): {}",
                        current.site().notAfter(),
                        e.getMessage());
                if (!closed) {
                    scheduler.schedule(this::renewIfDue, 1, TimeUnit.HOURS);
                }
            }
        });
    }

    /** Ends the session while idle, so that the next connection presents the renewed certificate. */
    private void reconnectIfRenewed() {
        if (!reconnectWithRenewed || state.get() != AgentState.IDLE) {
            return;
        }
        reconnectWithRenewed = false;
        var out = outbound.get();
        if (out != null) {
            try {
                out.onError(Status.CANCELLED
                        .withDescription("reconnecting with the renewed certificate")
                        .asRuntimeException());
            } catch (RuntimeException ignored) {
                // the stream ended already; the reconnect it caused uses the new identity
            }
        }
    }

    private void heartbeat() {
        reconnectIfRenewed();
        long now = System.currentTimeMillis();
        if (now - lastHeartbeat < heartbeatMillis) {
            return;
        }
        lastHeartbeat = now;
        long seq = heartbeatSeq.incrementAndGet();
        lastHeartbeatNanos = System.nanoTime();
        lastHeartbeatSeq = seq;
        send(AgentMessage.newBuilder()
                .setHeartbeat(Heartbeat.newBuilder()
                        .setSequence(seq)
                        .setState(state.get())
                        .setRoundId(currentRound.get())
                        .setLastRoundTripMicros(lastRoundTripMicros))
                .build());
    }

    private synchronized void send(AgentMessage message) {
        var out = outbound.get();
        if (out != null) {
            try {
                out.onNext(message);
            } catch (RuntimeException e) {
                log.debug("session send failed: {}", e.getMessage());
            }
        }
    }

    private void reportAccepted(RoundTask task) {
        metrics.task("accepted", "");
        send(AgentMessage.newBuilder()
                .setTaskStatus(
                        TaskStatus.newBuilder().setRoundId(task.getRoundId()).setOutcome(TaskOutcome.ACCEPTED))
                .build());
    }

    /** The only way a refusal or failure leaves the site: as a {@link SiteFailure}, never as exception text. */
    private void report(RoundTask task, SiteFailure failure) {
        metrics.task(failure.outcome() == TaskOutcome.REFUSED ? "refused" : "failed", failure.code());
        send(AgentMessage.newBuilder()
                .setTaskStatus(failure.toStatus(task.getRoundId()))
                .build());
    }

    /** Logs {@code e} in full here, and sends the coordinator only what {@link SiteFailure} lets through. */
    private void fail(RoundTask task, Throwable e) {
        SiteFailure failure = SiteFailure.of(e, task);
        log.error(
                "round {} of study {}: {} (reported to the coordinator as {}{})",
                task.getRoundNumber(),
                task.getStudyId(),
                failure.outcome(),
                failure.code(),
                failure.reference().isEmpty() ? "" : ", reference " + failure.reference(),
                e);
        report(task, failure);
    }

    /** Refuses before training: logged here with a code the admin can search for, and reported to the coordinator. */
    private void refuse(RoundTask task, String code, String detail) {
        log.warn("refusing round {} of study {} ({}): {}", task.getRoundNumber(), task.getStudyId(), code, detail);
        report(task, SiteFailure.refused(code, detail));
    }

    /** One task: policy, verified model, local work, ledger entry, signed upload. */
    private void runTask(RoundTask task) {
        currentRound.set(task.getRoundId());
        try {
            // Site policy first, before anything is downloaded or trained; a study withdrawn a moment ago counts.
            refreshAcceptances();
            var acceptance = accepted.acceptance(task.getStudyId());
            if (acceptance.isEmpty()) {
                report(
                        task,
                        SiteFailure.refused(
                                "STUDY_NOT_ACCEPTED",
                                "study " + task.getStudyId()
                                        + " is not accepted by this site's admin (studies.accepted in the agent config)"));
                return;
            }
            // The terms the admin pinned, on the task as the coordinator sent it (before any local calibration).
            var otherTerms = terms.refusal(task, acceptance.get().termsDigest());
            if (otherTerms.isPresent()) {
                refuse(task, "TERMS_DIFFER", otherTerms.get());
                return;
            }
            var unable = TaskReadiness.problem(task);
            if (unable.isPresent()) {
                refuse(task, "TASK_UNSUPPORTED", unable.get());
                return;
            }
            var distrusted = distrust.reason(task.getStudyId());
            if (distrusted.isPresent()) {
                log.error(
                        "!!! refusing round {} of study {}: {} - {}",
                        task.getRoundNumber(),
                        task.getStudyId(),
                        distrusted.get(),
                        distrust.advice(task.getStudyId()));
                report(
                        task,
                        SiteFailure.refused(
                                "STUDY_DISTRUSTED",
                                "this site no longer trusts the coordinator's" + " records of study "
                                        + task.getStudyId() + ": " + distrusted.get()));
                return;
            }
            // Before every task that may spend (training, or a DP study's final evaluation).
            if (task.hasPrivacy()
                    && org.cohort.protocol.PrivacyWords.isPrivate(
                            task.getPrivacy().getMode())) {
                var mismatch = crossCheckLedger(task.getStudyId());
                if (mismatch.isPresent()) {
                    report(task, mismatch.get());
                    return;
                }
            }
            var unreadable = dataProblem(task);
            if (unreadable.isPresent()) {
                refuse(task, "DATA_UNREADABLE", unreadable.get());
                return;
            }
            var notPerPatient = learner.unitProblem(task);
            if (notPerPatient.isPresent()) {
                refuse(task, "DATA_NOT_PER_PATIENT", notPerPatient.get());
                return;
            }
            task = privacy.prepared(task, acceptance.get().trainingExamples());
            PrivacyCharge planned = learner.plannedCharge(task);
            var refusal = privacy.refusal(task, planned);
            if (refusal.isPresent() && task.getKind() == TaskKind.EVALUATE) {
                // An evaluation is worth no breach of a ceiling: the site takes part and releases nothing.
                log.warn(
                        "round {} of study {}: the final evaluation's noised release would exceed a limit ({});"
                                + " this site reports its evaluation as withheld",
                        task.getRoundNumber(),
                        task.getStudyId(),
                        refusal.get());
                task = task.toBuilder()
                        .setPrivacy(task.getPrivacy().toBuilder().setEvaluationNoiseMultiplier(0))
                        .build();
                planned = null;
                refusal = java.util.Optional.empty();
            }
            if (refusal.isPresent()) {
                log.warn("refusing round {} of study {}: {}", task.getRoundNumber(), task.getStudyId(), refusal.get());
                report(task, SiteFailure.refused("PRIVACY_LIMIT", refusal.get()));
                return;
            }
            reportAccepted(task);
            state.set(AgentState.DOWNLOADING);
            var model = downloader.download(channel, task);
            var unbuildable = learner.modelProblem(task, model.manifest().getModelConfigJson(), model.parameters());
            if (unbuildable.isPresent()) {
                refuse(task, "MODEL_UNUSABLE", unbuildable.get());
                return;
            }
            // SCAFFOLD: the server's c of this version and this site's own c_i, kept in its work directory.
            org.cohort.learning.train.ControlVariates variates = null;
            if (task.getKind() == TaskKind.TRAIN && task.getPlan().getScaffold()) {
                int n = model.parameters().length;
                variates = new org.cohort.learning.train.ControlVariates(
                        downloader.controlVariate(channel, task, n), controlVariates.load(task.getStudyId(), n));
            }
            state.set(AgentState.TRAINING);
            long trainingStart = System.nanoTime();
            LocalLearner.Outcome trained;
            try {
                trained = learner.run(task, model.manifest().getModelConfigJson(), model.parameters(), variates);
            } catch (TrainerReportCheck.Refused e) {
                // The agent refuses its own trainer's update: recorded in the site's ledger (nothing charged).
                ledger.recordRefused(task, "TRAINER_REPORT_REFUSED", e.getMessage());
                refuse(
                        task,
                        "TRAINER_REPORT_REFUSED",
                        "this site's agent refused the update its trainer returned (the reason is in the site's"
                                + " ledger); nothing was charged or sent");
                log.error(
                        "round {} of study {}: the trainer's update was refused: {}",
                        task.getRoundNumber(),
                        task.getStudyId(),
                        e.getMessage());
                return;
            }
            metrics.trained(task.getStudyId(), (System.nanoTime() - trainingStart) / 1e9);
            if (System.currentTimeMillis() > task.getDeadlineUnixMillis()) {
                report(
                        task,
                        SiteFailure.failed(
                                "DEADLINE_PASSED", "local work finished after the round deadline; nothing uploaded"));
                return;
            }
            // The agent's own bound, before anything is quantized, masked or signed.
            var outcome = trained.withDelta(UpdateClip.apply(task, trained.delta()));
            if (!task.hasSecagg()) {
                outcome = outcome.withDelta(UpdateQuantization.apply(task, outcome.delta()));
            }
            if (task.getKind() == TaskKind.TRAIN && SiteLevelNoise.applies(task) && outcome.delta() != null) {
                outcome = SiteLevelNoise.withCharge(task, outcome); // σ_eff for the update's real size
            }
            long declared = acceptance.get().trainingExamples();
            if (task.getKind() == TaskKind.TRAIN && trained.exampleCount() != declared) {
                log.info(
                        "round {} of study {}: trained on {} examples; the update is weighed by the {} this site"
                                + " declared (study.{}.training-examples)",
                        task.getRoundNumber(),
                        task.getStudyId(),
                        trained.exampleCount(),
                        declared,
                        task.getStudyId());
            }
            state.set(AgentState.UPLOADING);
            var manifest = uploader.manifest(task, outcome, declared);
            Double epsilonAfter = privacy.epsilonAfter(task, outcome.privacy());
            ledger.recordSent(
                    manifest,
                    task.getKind() == TaskKind.TRAIN ? "update" : "evaluation",
                    outcome.privacy(),
                    epsilonAfter,
                    outcome.privacy() == null ? null : task.getPrivacy().getDelta(),
                    UpdateClip.normBound(task));
            float[] nextControl = variates == null ? null : nextControl(task, variates, outcome.delta());
            UploadReceipt receipt;
            if (task.hasSecagg() && task.getKind() == TaskKind.TRAIN) {
                receipt = new SecureAggregationStep(
                                identity.site().updateSigner(),
                                secaggInbox,
                                step -> send(AgentMessage.newBuilder()
                                        .setSecagg(step)
                                        .build()),
                                ledger::recordMasked)
                        .run(channel, task, manifest, outcome.delta());
            } else {
                // Kept before the upload: if it fails after the coordinator took it, it can still be asked for again.
                lastSent.set(new SentUpdate(
                        task.getRoundId(),
                        manifest,
                        outcome.delta(),
                        task.getDeadlineUnixMillis(),
                        task.getStudyId(),
                        nextControl));
                receipt = uploader.upload(() -> channel, manifest, outcome.delta());
                if (receipt.getAccepted() && outcome.privacy() != null) {
                    // The coordinator charges a plain release before it accepts it: from now on its ledger must show
                    // it.
                    ledger.recordAcknowledged(manifest);
                }
            }
            if (receipt.getAccepted() && nextControl != null) {
                // Kept only once the coordinator took the update, so its sum and this c_i stay consistent.
                controlVariates.save(task.getStudyId(), nextControl);
            }
            if (receipt.getAccepted()) {
                metrics.task("completed", "");
                metrics.succeeded(task.getStudyId(), System.currentTimeMillis());
            }
            if (epsilonAfter != null) {
                metrics.epsilonSpent(
                        task.getStudyId(),
                        org.cohort.protocol.PrivacyWords.word(outcome.privacy().unit()),
                        epsilonAfter);
            }
            log.info(
                    "round {} ({}): {} — {}{}",
                    task.getRoundNumber(),
                    task.getKind(),
                    receipt.getMessage(),
                    outcome.heldOut() != null
                            ? "released the noised confusion matrix of the final evaluation (σ "
                                    + outcome.heldOut().noise() + " per count)"
                            : outcome.scores() != null && outcome.scores().noised()
                                    ? "released the noised score histogram of the final evaluation (σ "
                                            + outcome.scores().noise() + " per count)"
                                    : outcome.errors() != null
                                                    && outcome.errors().noised()
                                            ? "released the noised error sums of the final evaluation (σ "
                                                    + outcome.errors().noise() + " per value, in units of (1, Q, Q))"
                                            : HeldOutRelease.withheld(task)
                                                    ? "training loss and held-out metrics withheld (differential privacy)"
                                                    : outcome.errors() != null
                                                            ? String.format(
                                                                    java.util.Locale.ROOT,
                                                                    "train loss %.4f, held-out MAE of incoming model"
                                                                            + " %.4f of the label range",
                                                                    outcome.trainLoss(),
                                                                    outcome.errors()
                                                                            .meanAbsoluteError(1))
                                                            : String.format(
                                                                    java.util.Locale.ROOT,
                                                                    "train loss %.4f, held-out accuracy of incoming model %.3f",
                                                                    outcome.trainLoss(),
                                                                    outcome.testAccuracy()),
                    epsilonAfter == null
                            ? ""
                            : String.format(
                                    java.util.Locale.ROOT,
                                    ", %s ε spent on this study %.4f (δ = %s, %s accountant)",
                                    outcome.privacy().unit().label(),
                                    epsilonAfter,
                                    task.getPrivacy().getDelta(),
                                    org.cohort.protocol.PrivacyWords.word(
                                            task.getPrivacy().getAccountant())));
        } catch (RuntimeException | LinkageError e) {
            // Report, never die silently: the coordinator would otherwise wait for the deadline.
            fail(task, e);
        } finally {
            state.set(AgentState.IDLE);
            metrics.write();
        }
    }

    /**
     * Whether the site's data can be read as the task's dataset describes (columns present, values
     * parseable), asked before the task is accepted. Only the kind of problem leaves the site: the
     * loader's message may quote a patient's row, so it stays in this agent's log.
     */
    private java.util.Optional<String> dataProblem(RoundTask task) {
        try {
            learner.trainingRows(task);
            return java.util.Optional.empty();
        } catch (RuntimeException e) {
            log.warn(
                    "round {} of study {}: the site's data cannot be read as the study describes it",
                    task.getRoundNumber(),
                    task.getStudyId(),
                    e);
            return java.util.Optional.of("this site's data cannot be read as study " + task.getStudyId() + "'s dataset"
                    + " describes it (" + e.getClass().getSimpleName() + "; the site's admin finds the details in the"
                    + " agent's log); refused before training, nothing spent");
        }
    }

    /**
     * SCAFFOLD's c_i⁺ = c_i + the Δc_i this site sends (the upload's second half, after any clipping),
     * as the coordinator's sum holds it: under secure aggregation with every coordinate clipped as the
     * ring's quantizer clips it; in a plain round decoded from the study's transfer encoding (float16
     * or int8 round it), so that c stays the mean of the sites' c_i.
     */
    static float[] nextControl(RoundTask task, org.cohort.learning.train.ControlVariates variates, float[] sent) {
        float[] received =
                task.hasSecagg() ? sent : TransferEncoding.roundTrip(UpdateQuantization.encoding(task), sent);
        float[] change = java.util.Arrays.copyOfRange(received, received.length / 2, received.length);
        if (task.hasSecagg()) {
            float range = (float) task.getSecagg().getClipRange();
            for (int i = 0; i < change.length; i++) {
                change[i] = Math.max(-range, Math.min(range, change[i]));
            }
        }
        return variates.nextSite(change);
    }

    /**
     * The coordinator asked again for an update this site already sent (the replica holding it
     * was lost): the same manifest and values go again. The site's ledger already has the entry.
     */
    private void resend(RoundTask task) {
        SentUpdate sent = lastSent.get();
        if (sent == null || !sent.roundId().equals(task.getRoundId()) || state.get() != AgentState.IDLE) {
            return;
        }
        if (System.currentTimeMillis() > sent.deadlineMillis()) {
            return;
        }
        state.set(AgentState.UPLOADING);
        try {
            var receipt = uploader.upload(() -> channel, sent.manifest(), sent.values());
            if (receipt.getAccepted() && sent.nextControl() != null) {
                controlVariates.save(sent.studyId(), sent.nextControl());
            }
            log.info(
                    "round {}: the coordinator asked for this site's update again; re-sent the same signed update: {}",
                    task.getRoundNumber(),
                    receipt.getMessage());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.ALREADY_EXISTS) {
                if (sent.nextControl() != null) {
                    controlVariates.save(sent.studyId(), sent.nextControl());
                }
                log.info("round {}: the coordinator already holds this site's update", task.getRoundNumber());
                return;
            }
            log.warn("round {}: re-sending the update failed: {}", task.getRoundNumber(), e.getStatus());
            if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                // Unreachable now is not a failure: the coordinator asks again once the session is back.
                fail(task, e);
            }
        } finally {
            state.set(AgentState.IDLE);
        }
    }

    /**
     * Cross-checks the coordinator's privacy ledger for this site against the local one, and
     * against the charges the coordinator signed when it made them, before spending more. A
     * mismatch is logged as an error and stops the study at this site ({@link StudyDistrust}):
     * the site's admin and the study's compliance officer must reconcile the records first.
     */
    private java.util.Optional<SiteFailure> crossCheckLedger(String studyId) {
        org.cohort.protocol.v1.SiteChargesResponse response;
        try {
            response = org.cohort.protocol.v1.PrivacyLedgerGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS)
                    .siteCharges(org.cohort.protocol.v1.SiteChargesRequest.newBuilder()
                            .setStudyId(studyId)
                            .build());
        } catch (StatusRuntimeException e) {
            // Fail closed: a coordinator that under-reports could otherwise dodge the check by failing the call.
            // The round is refused, not the study: the next task checks again.
            log.warn(
                    "could not fetch the coordinator's privacy ledger for study {} ({}); refusing this round until the"
                            + " cross-check can run",
                    studyId,
                    e.getStatus());
            return java.util.Optional.of(SiteFailure.refused(
                    "LEDGER_UNCHECKED",
                    "this site could not check the"
                            + " coordinator's privacy ledger for study " + studyId + " ("
                            + e.getStatus().getCode() + "); it"
                            + " trains only after the coordinator's charges have been compared with its own ledger, so this"
                            + " round is refused and nothing was spent"));
        }
        var remote = response.getChargesList();
        var signatureTrouble = new java.util.ArrayList<String>();
        var recorded = LedgerCrossCheck.verified(
                response.getRecordedList(), coordinatorKey, siteId, studyId, signatureTrouble);
        var result = LedgerCrossCheck.compare(studyId, ledger.sends(studyId), remote, recorded, signatureTrouble);
        result.notes().forEach(n -> log.info("privacy ledger cross-check, study {}: {}", studyId, n));
        if (result.agrees()) {
            log.info(
                    "privacy ledger cross-check, study {}: the coordinator's {} charge(s) match this site's ledger",
                    studyId,
                    remote.size());
            return java.util.Optional.empty();
        }
        String why = "privacy ledger mismatch between the coordinator and this site (" + ledger.file() + "): "
                + String.join("; ", result.mismatches());
        distrust(studyId, why);
        return java.util.Optional.of(SiteFailure.refused("LEDGER_MISMATCH", why));
    }

    /** Stops a study at this site for good and tells the site's admin what happened and what to do. */
    private void distrust(String studyId, String why) {
        boolean already = distrust.reason(studyId).isPresent();
        distrust.distrust(studyId, why);
        if (!already) {
            log.error("!!! study {}: {} - {}", studyId, why, distrust.advice(studyId));
        }
    }

    @Override
    public void close() {
        closed = true;
        renewals.shutdownNow();
        var out = outbound.getAndSet(null);
        if (out != null) {
            try {
                out.onCompleted();
            } catch (RuntimeException ignored) {
                // already closed
            }
        }
        scheduler.shutdownNow();
        worker.shutdownNow();
        ManagedChannel c = channel;
        if (c != null) {
            c.shutdownNow();
        }
        retiring.forEach(ManagedChannel::shutdownNow);
        learner.close(); // an external trainer's process ends with its agent
    }

    /**
     * Runs the agent's command line ({@code studies ...}, {@code check}, {@code init}) without
     * exiting, for a program that embeds the agent; returns its exit code.
     */
    public static int command(String... args) {
        return AgentCommand.execute(args);
    }

    public static void main(String[] args) {
        AgentLogging.console();
        System.exit(AgentCommand.execute(args));
    }
}
