package org.cohort.coordinator.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.cohort.coordinator.grpc.GrpcServer;
import org.cohort.coordinator.session.SessionHub;
import org.cohort.coordinator.site.Site;
import org.cohort.coordinator.site.SiteRepository;
import org.cohort.crypto.pki.EnrollmentTokens;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.cohort.crypto.pki.SiteNames;
import org.cohort.protocol.JoinCode;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Enrollment tokens, the site list, revocation. */
@RestController
@RequestMapping("/api")
public class SitesController {
    private final EnrollmentTokens tokens;
    private final SiteRepository sites;
    private final SessionHub sessions;
    private final org.cohort.coordinator.cluster.ClusterSessions clusterSessions;
    private final SiteCertificateAuthority ca;
    private final GrpcServer grpc;
    private final org.cohort.coordinator.compliance.AuditTrail audit;
    private final org.cohort.coordinator.cluster.Leadership leadership;
    private final org.cohort.coordinator.round.RoundOrchestrator orchestrator;
    private final Clock clock;
    private final List<String> publicHostNames;

    public SitesController(
            EnrollmentTokens tokens,
            SiteRepository sites,
            SessionHub sessions,
            org.cohort.coordinator.cluster.ClusterSessions clusterSessions,
            SiteCertificateAuthority ca,
            GrpcServer grpc,
            org.cohort.coordinator.compliance.AuditTrail audit,
            org.cohort.coordinator.cluster.Leadership leadership,
            org.cohort.coordinator.round.RoundOrchestrator orchestrator,
            org.cohort.coordinator.config.CoordinatorProperties properties,
            Clock clock) {
        this.publicHostNames = properties.publicHostNames();
        this.leadership = leadership;
        this.orchestrator = orchestrator;
        this.audit = audit;
        this.tokens = tokens;
        this.sites = sites;
        this.sessions = sessions;
        this.clusterSessions = clusterSessions;
        this.ca = ca;
        this.grpc = grpc;
        this.clock = clock;
    }

    /**
     * @param agentAddresses the coordinator's agent addresses (host:port) to put in the join code;
     *                       null for this coordinator's first public host name and its agent port
     */
    public record TokenRequest(String siteName, Integer ttlMinutes, List<String> agentAddresses) {}

    /** @param joinCode the agent's whole first-start configuration in one string: {@link JoinCode} */
    public record TokenResponse(
            String siteName,
            String token,
            Instant expiresAt,
            String caFingerprint,
            int agentPort,
            String joinCode,
            String howToUse) {}

    @PostMapping("/enrollment-tokens")
    public TokenResponse issueToken(@RequestBody TokenRequest request) {
        SiteNames.check(request.siteName()); // the same rule enrollment applies, so an issued token can enroll
        int ttl = request.ttlMinutes() == null ? 24 * 60 : request.ttlMinutes();
        if (ttl < 1 || ttl > 30 * 24 * 60) {
            throw new IllegalArgumentException("ttlMinutes must be between 1 and 43200 (30 days)");
        }
        List<String> addresses =
                request.agentAddresses() == null || request.agentAddresses().isEmpty()
                        ? List.of(publicHostNames.get(0) + ":" + grpc.port())
                        : request.agentAddresses();
        // Checked before the token is issued: a request that cannot make a join code wastes no token.
        new JoinCode(request.siteName(), addresses, ca.caFingerprint(), "x".repeat(16));
        var issued = tokens.issue(request.siteName(), Duration.ofMinutes(ttl));
        audit.enrollmentTokenIssued(
                request.siteName(),
                issued.tokenId(),
                issued.expiresAt(),
                org.cohort.coordinator.compliance.AuditTrail.actor());
        var join = new JoinCode(request.siteName(), addresses, ca.caFingerprint(), issued.token());
        return new TokenResponse(
                request.siteName(),
                issued.token(),
                issued.expiresAt(),
                ca.caFingerprint(),
                grpc.port(),
                join.encode(),
                "give the join code to the site's admin over a private channel; it works once, until "
                        + issued.expiresAt() + ": cohort-agent init --join <file holding it> --data <the site's data"
                        + " file>");
    }

    public record SiteView(
            String siteId,
            String siteName,
            String agentVersion,
            Instant enrolledAt,
            Instant certificateNotAfter,
            boolean revoked,
            Instant revokedAt,
            String revokedReason,
            boolean connected,
            boolean stale,
            String state,
            Instant lastHeartbeat,
            List<String> acceptedStudies,
            Map<String, Long> declaredTrainingExamples) {
        /** @param declared accepted study → the training size the site declared (public by assumption) */
        static SiteView of(
                Site s,
                boolean connected,
                boolean stale,
                String state,
                Instant lastHeartbeat,
                Map<String, Long> declared) {
            return new SiteView(
                    s.siteId(),
                    s.siteName(),
                    s.agentVersion(),
                    s.enrolledAt(),
                    s.certificateNotAfter(),
                    s.revoked(),
                    s.revokedAt(),
                    s.revokedReason(),
                    connected,
                    stale,
                    state,
                    lastHeartbeat,
                    List.copyOf(new java.util.TreeSet<>(declared.keySet())),
                    new java.util.TreeMap<>(declared));
        }
    }

    @GetMapping("/sites")
    public List<SiteView> sites() {
        return sites.all().stream().map(this::view).toList();
    }

    public record RevokeRequest(String reason) {}

    @PostMapping("/sites/{siteId}/revoke")
    public SiteView revoke(@PathVariable String siteId, @RequestBody(required = false) RevokeRequest request) {
        String reason = request == null || request.reason() == null ? "revoked by admin" : request.reason();
        if (sites.find(siteId).isEmpty()) {
            throw new ApiErrors.NotFoundException("no site '" + siteId + "'; list sites with GET /api/sites");
        }
        sites.revoke(siteId, reason, clock.instant());
        audit.revoked(siteId, reason, org.cohort.coordinator.compliance.AuditTrail.actor());
        clusterSessions.disconnect(siteId, io.grpc.Status.PERMISSION_DENIED.withDescription("site revoked: " + reason));
        orchestrator.revoked(siteId, reason);
        return view(sites.find(siteId).orElseThrow());
    }

    @GetMapping("/status")
    public Map<String, Object> status() {
        // connectedSites counts sessions on every replica; connectedHere those this replica holds.
        return Map.of(
                "caFingerprint",
                ca.caFingerprint(),
                "agentPort",
                grpc.port(),
                "connectedSites",
                clusterSessions.connectedCount(),
                "connectedHere",
                sessions.all().size(),
                "clusterMembers",
                clusterSessions.aliveMembers().size(),
                "inQuorum",
                leadership.inQuorum(),
                "enrolledSites",
                sites.all().size(),
                "replica",
                leadership.memberId(),
                "drivesRounds",
                leadership.leading(),
                "leaseTerm",
                leadership.term());
    }

    private SiteView view(Site s) {
        var session = sessions.session(s.siteId());
        var elsewhere = session.isPresent()
                ? java.util.Optional.<org.cohort.coordinator.cluster.ClusterSessions.Entry>empty()
                : clusterSessions.where(s.siteId());
        if (elsewhere.isPresent()) {
            // Connected to another replica: its liveness details are there (GET /api/sites on it shows them).
            return SiteView.of(
                    s,
                    true,
                    false,
                    "CONNECTED_TO_ANOTHER_REPLICA",
                    null,
                    elsewhere.get().acceptedStudies());
        }
        return SiteView.of(
                s,
                session.isPresent(),
                session.map(sessions::stale).orElse(false),
                session.map(x -> x.state().name()).orElse("OFFLINE"),
                session.map(SessionHub.AgentSession::lastHeartbeat).orElse(null),
                session.map(SessionHub.AgentSession::acceptedStudies).orElse(Map.of()));
    }
}
