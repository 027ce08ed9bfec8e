package org.cohort.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cohort.coordinator.cluster.ClusterIsolationTest.NAME;
import static org.cohort.coordinator.cluster.ClusterIsolationTest.NONCE;
import static org.cohort.coordinator.cluster.ClusterIsolationTest.caSealer;
import static org.cohort.coordinator.cluster.ClusterIsolationTest.round;
import static org.cohort.coordinator.cluster.ClusterNetworkTest.cluster;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.cohort.coordinator.round.RoundState;
import org.cohort.crypto.seal.Sealer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the member configuration makes of Cohort's cluster values, byte for byte. */
class EncryptingSerializerTest {
    @TempDir
    static Path dataDir;

    @TempDir
    static Path otherDataDir;

    private static Sealer ours;
    private static Sealer anotherCa;

    @BeforeAll
    static void keys() {
        ours = caSealer(dataDir);
        anotherCa = caSealer(otherDataDir);
    }

    @Test
    void roundStateTravelsSealedAndOpensAtAReplica() {
        Data data = service(ours, NAME).toData(round());

        assertThat(data.getType()).isEqualTo(EncryptingSerializer.TYPE_ID);
        assertThat(HexFormat.of().formatHex(data.toByteArray()))
                .doesNotContain(HexFormat.of().formatHex(NONCE));
        assertThat(service(ours, NAME).<RoundState>toObject(data).nonce()).isEqualTo(NONCE);
    }

    @Test
    void messagesBetweenReplicasAreSealedToo() {
        var service = service(ours, NAME);

        assertThat(service.toData(new LeaderInbox.SiteDropped("r1", "site-a", "FAILED", "forged"))
                        .getType())
                .isEqualTo(EncryptingSerializer.TYPE_ID);
        assertThat(service.toData(new ClusterSessions.Delivery("site-a", NONCE, null, null))
                        .getType())
                .isEqualTo(EncryptingSerializer.TYPE_ID);
    }

    @Test
    void aValueSealedWithAnotherCaOrClusterNameDoesNotOpen() {
        Data forged = service(anotherCa, NAME).toData(new LeaderInbox.SiteDropped("r1", "site-a", "FAILED", "forged"));
        Data otherCluster = service(ours, "another-cluster").toData(round());

        assertThatThrownBy(() -> service(ours, NAME).toObject(forged))
                .hasMessageContaining("does not open with this replica's key");
        assertThatThrownBy(() -> service(ours, NAME).toObject(otherCluster))
                .hasMessageContaining("does not open with this replica's key");
    }

    /** The serialization the member configuration sets up. */
    private static SerializationService service(Sealer sealer, String clusterName) {
        var config = ClusterMember.config(
                cluster(clusterName, List.of(), "", 5701),
                new ClusterNetwork(ClusterNetwork.loopback(), List.of()),
                sealer);
        return new DefaultSerializationServiceBuilder()
                .setConfig(config.getSerializationConfig())
                .build();
    }
}
