package org.cohort.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cohort.coordinator.cluster.ClusterNetworkTest.cluster;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cohort.coordinator.round.RoundKind;
import org.cohort.coordinator.round.RoundPhase;
import org.cohort.coordinator.round.RoundState;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.cohort.crypto.seal.Sealer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real coordinator members on loopback, probed the way an outsider on the replicas' network would. */
class ClusterIsolationTest {
    static final String NAME = "cohort-isolation";
    static final byte[] NONCE = HexFormat.of().parseHex("5ec2e75ec2e75ec2e75ec2e75ec2e75e");

    @TempDir
    static Path dataDir;

    static Sealer sealer;
    private final List<HazelcastInstance> started = new ArrayList<>();

    @BeforeAll
    static void sharedCa() {
        sealer = caSealer(dataDir);
    }

    @AfterEach
    void stop() {
        started.forEach(HazelcastInstance::shutdown);
    }

    @Test
    void aHazelcastClientIsRefusedEvenFromAListedAddress() throws IOException {
        // Replicas on loopback: 127.0.0.1 is a listed address, so only the missing client protocol refuses it.
        int port = freePort();
        start(List.of("127.0.0.1:" + port, "127.0.0.1:" + freePort()), port);

        ClientConfig client = new ClientConfig().setClusterName(NAME);
        client.getNetworkConfig().addAddress("127.0.0.1:" + port);
        client.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(2_000);
        client.setProperty("hazelcast.logging.type", "slf4j");

        assertThatThrownBy(() -> HazelcastClient.newHazelcastClient(client).shutdown())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Unable to connect");
    }

    @Test
    void aMemberCannotJoinASingleCoordinator() throws IOException {
        int port = freePort();
        HazelcastInstance coordinator = start(List.of(), port);

        HazelcastInstance stranger = stranger(port);

        assertThat(stranger.getCluster().getMembers()).hasSize(1);
        assertThat(coordinator.getCluster().getMembers()).hasSize(1);
    }

    @Test
    void listedReplicasFormOneClusterWhoseRoundStateIsSealed() throws IOException {
        int first = freePort();
        int second = freePort();
        var members = List.of("127.0.0.1:" + first, "127.0.0.1:" + second);
        HazelcastInstance a = start(members, first);
        HazelcastInstance b = start(members, second);
        RoundState state = round();

        a.getMap("cohort.rounds").put(state.roundId(), state);
        RoundState read =
                (RoundState) b.<String, RoundState>getMap("cohort.rounds").get(state.roundId());

        assertThat(b.getCluster().getMembers()).hasSize(2);
        assertThat(read.nonce()).isEqualTo(NONCE);
        assertThat(read.selected()).isEqualTo(state.selected());
        byte[] stored = serialization(a).toData(state).toByteArray();
        assertThat(HexFormat.of().formatHex(stored))
                .doesNotContain(HexFormat.of().formatHex(NONCE));
        assertThat(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotContain("RoundState", "site-a");
    }

    private HazelcastInstance start(List<String> members, int port) {
        HazelcastInstance member = ClusterMember.start(cluster(NAME, members, "", port), sealer);
        started.add(member);
        return member;
    }

    /** A plain Hazelcast member that knows the cluster name and the port, as the attacker did. */
    private HazelcastInstance stranger(int port) throws IOException {
        Config config = new Config().setClusterName(NAME);
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.getNetworkConfig()
                .setPort(freePort())
                .getInterfaces()
                .setEnabled(true)
                .addInterface("127.0.0.1");
        var join = config.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2).addMember("127.0.0.1:" + port);
        HazelcastInstance stranger = Hazelcast.newHazelcastInstance(config);
        started.add(stranger);
        return stranger;
    }

    private static SerializationService serialization(HazelcastInstance member) {
        return ((SerializationServiceSupport) member).getSerializationService();
    }

    static Sealer caSealer(Path dir) {
        return SiteCertificateAuthority.openOrCreate(dir, "pw".toCharArray(), Clock.systemUTC())
                .sealer("cluster-state/" + NAME);
    }

    static RoundState round() {
        Instant now = Instant.parse("2026-03-01T09:00:00Z");
        return new RoundState(
                "st-1-r1-a1",
                "st-1",
                1,
                1,
                RoundKind.TRAIN,
                0,
                NONCE,
                Set.of("site-a", "site-b"),
                Set.of(),
                Map.of(),
                2,
                now,
                now.plusSeconds(60),
                RoundPhase.COLLECTING,
                "",
                false,
                Map.of("site-a", 100L, "site-b", 100L),
                0,
                null);
    }

    static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
