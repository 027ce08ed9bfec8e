package org.cohort.coordinator.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Everything an operator can set for a coordinator ({@code cohort.coordinator.*}).
 *
 * @param dataDir          CA keystore, database (embedded mode), model versions, upload spool
 * @param grpcPort         port agents dial (mutual TLS); 0 picks a free one
 * @param grpcAddress      address the agent port binds to
 * @param publicHostNames  names and IPs agents use to reach this coordinator (server cert SANs)
 * @param keystorePassword CA keystore password ($COHORT_KEYSTORE_PASSWORD); see
 *                         {@link org.cohort.coordinator.pki.KeystorePassword} for where it comes from otherwise
 * @param keystorePasswordFile file holding it ($COHORT_KEYSTORE_PASSWORD_FILE): outside the data dir, mode 600;
 *                         "" for none
 * @param requireKeystorePassword refuse to start unless one of the two above is set (production)
 * @param adminToken       bearer token for the REST API; when empty one is generated into the data dir
 * @param heartbeatInterval how often agents are asked to send heartbeats (liveness display only)
 * @param cluster          Hazelcast membership
 * @param heapSumBytes     heap budget for the plain rounds' float64 partial sums (8 bytes per
 *                         parameter) open on this replica at once: a round whose sum fits what is
 *                         left of it sums on the heap, any other in a file under the data dir (reused
 *                         round after round); 0 = a quarter of the maximum heap
 * @param maxModelParameters most parameters a study's model may have (default 50 M, 200 MB as float32)
 * @param modelMemoryBytes  most memory the coordinator may hold for one study's model, as estimated
 *                         from its size before the study is accepted; 0 = half the maximum heap
 * @param maxRequestBytes   largest REST request body (a study spec, a token request): larger ones get
 *                         413 before they are read (default 1 MiB)
 * @param agentPort        connection limits of the agent port; each unset one keeps its default
 *                         (see {@code grpc.AgentPortLimits} for the values and why)
 */
@ConfigurationProperties("cohort.coordinator")
public record CoordinatorProperties(
        Path dataDir,
        @DefaultValue("9443") int grpcPort,
        @DefaultValue("0.0.0.0") String grpcAddress,
        @DefaultValue({"localhost", "127.0.0.1"}) List<String> publicHostNames,
        @DefaultValue("") String keystorePassword,
        @DefaultValue("") String keystorePasswordFile,
        @DefaultValue("false") boolean requireKeystorePassword,
        @DefaultValue("") String adminToken,
        @DefaultValue("5s") Duration heartbeatInterval,
        @DefaultValue Cluster cluster,
        @DefaultValue("0") long heapSumBytes,
        @DefaultValue("50000000") long maxModelParameters,
        @DefaultValue("0") long modelMemoryBytes,
        @DefaultValue("1048576") long maxRequestBytes,
        @DefaultValue AgentPort agentPort) {

    /** The limits a study's model must fit, with the memory budget resolved against this JVM's heap. */
    public org.cohort.coordinator.study.ModelSize.Limits modelLimits() {
        long budget =
                modelMemoryBytes > 0 ? modelMemoryBytes : Runtime.getRuntime().maxMemory() / 2;
        // A model whose sum exceeds the heap-sum budget is summed in a file: it holds no heap for the round.
        long mappedFrom = heapSumBudget() / Double.BYTES + 1;
        return new org.cohort.coordinator.study.ModelSize.Limits(maxModelParameters, budget, mappedFrom);
    }

    /** {@code heapSumBytes} resolved: a quarter of the maximum heap when unset. */
    public long heapSumBudget() {
        return heapSumBytes > 0 ? heapSumBytes : Runtime.getRuntime().maxMemory() / 4;
    }

    /** Overrides of the agent port's connection limits; null keeps the default. */
    public record AgentPort(
            Duration handshakeTimeout,
            Duration maxConnectionIdle,
            Duration maxConnectionAge,
            Duration maxConnectionAgeGrace,
            Duration unauthenticatedLifetime,
            Integer maxConnectionsPerAddress) {}

    /**
     * @param name    cluster name; replicas with the same name and reachable members form one cluster
     * @param port    first Hazelcast port tried (auto-increments when taken)
     * @param members TCP-IP members to join (host or host:port); empty = a single-member cluster
     * @param quorum  members a replica must see to drive rounds (split-brain protection); 0 = a
     *                majority of {@code members} (or 1 when none are listed)
     * @param leaseDuration how long the driving replica's database lease lasts without renewal;
     *                a replica that stops is replaced after at most this long
     * @param bindAddress the one address of this host the cluster port listens on when
     *                {@code members} are listed; empty = the entry of {@code members} that is an
     *                address of this host (startup fails when none or several are). A single
     *                coordinator (no members) always listens on loopback only.
     */
    public record Cluster(
            @DefaultValue("cohort") String name,
            @DefaultValue("5701") int port,
            @DefaultValue List<String> members,
            @DefaultValue("0") int quorum,
            @DefaultValue("5s") java.time.Duration leaseDuration,
            @DefaultValue("") String bindAddress) {

        /** The effective quorum: as configured, else a majority of the listed members. */
        public int effectiveQuorum() {
            if (quorum > 0) {
                return quorum;
            }
            return members.isEmpty() ? 1 : members.size() / 2 + 1;
        }
    }
}
