package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.cohort.protocol.v1.ListOffersRequest;
import org.cohort.protocol.v1.ListOffersResponse;
import org.cohort.protocol.v1.StudyOffersGrpc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's metrics file: Prometheus text format, replaced atomically, wire bytes counted per call. */
class AgentMetricsTest {
    /** A sample line of the text format: name, optional labels, a value. */
    private static final Pattern SAMPLE = Pattern.compile(
            "[a-z_]+(\\{[a-z_]+=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"(,[a-z_]+=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\")*})?"
                    + " (-?[0-9.E+-]+|NaN|[+-]Inf)");

    @TempDir
    Path dir;

    @Test
    void writesEveryMetricInTheTextFormatAtomically() throws Exception {
        var m = new AgentMetrics(dir);
        m.trained("st-1", 2.5);
        m.trained("st-1", 1.5);
        m.sent(1000);
        m.received(2000);
        m.task("accepted", "");
        m.task("refused", "TERMS_DIFFER");
        m.task("refused", "TERMS_DIFFER");
        m.task("refused", "PRIVACY_LIMIT");
        m.epsilonSpent("st-1", "patient", 0.4321);
        m.heartbeatRoundTrip(0.012);
        m.succeeded("st-1", 1_760_000_000_000L);
        m.connected(true);
        m.write();

        String text = Files.readString(dir.resolve("metrics.prom"));
        assertThat(text)
                .contains("cohort_agent_training_seconds_total{study=\"st-1\"} 4\n")
                .contains("cohort_agent_training_rounds_total{study=\"st-1\"} 2\n")
                .contains("cohort_agent_training_seconds_last{study=\"st-1\"} 1.5\n")
                .contains("cohort_agent_sent_bytes_total 1000\n")
                .contains("cohort_agent_received_bytes_total 2000\n")
                .contains("cohort_agent_tasks_total{outcome=\"accepted\",reason=\"\"} 1\n")
                .contains("cohort_agent_tasks_total{outcome=\"refused\",reason=\"TERMS_DIFFER\"} 2\n")
                .contains("cohort_agent_tasks_total{outcome=\"refused\",reason=\"PRIVACY_LIMIT\"} 1\n")
                .contains("cohort_agent_epsilon_spent{study=\"st-1\",unit=\"patient\"} 0.4321\n")
                .contains("cohort_agent_heartbeat_rtt_seconds 0.012\n")
                .contains("cohort_agent_last_successful_round_timestamp_seconds{study=\"st-1\"} 1760000000\n")
                .contains("cohort_agent_connected 1\n")
                .contains("# TYPE cohort_agent_tasks_total counter\n");
        for (String line : text.split("\n")) {
            if (!line.startsWith("#")) {
                assertThat(line).matches(SAMPLE);
            }
        }
        assertThat(dir).isDirectoryNotContaining(p -> p.getFileName().toString().contains(".tmp-"));
        m.task("refused", "TERMS_DIFFER");
        m.write();
        assertThat(Files.readString(dir.resolve("metrics.prom")))
                .contains("cohort_agent_tasks_total{outcome=\"refused\",reason=\"TERMS_DIFFER\"} 3\n");
    }

    @Test
    void labelValuesAreEscaped() {
        var m = new AgentMetrics(dir);
        m.trained("a\"b\\c\nd", 1);
        assertThat(m.render()).contains("{study=\"a\\\"b\\\\c\\nd\"} 1\n");
    }

    @Test
    void countsTheBytesOfEveryCallOnAChannel() throws Exception {
        var m = new AgentMetrics(dir);
        String name = InProcessServerBuilder.generateName();
        Server server = InProcessServerBuilder.forName(name)
                .directExecutor()
                .addService(new StudyOffersGrpc.StudyOffersImplBase() {
                    @Override
                    public void listOffers(ListOffersRequest request, StreamObserver<ListOffersResponse> out) {
                        out.onNext(ListOffersResponse.newBuilder()
                                .addOffers(StudiesCommandTest.OFFER)
                                .build());
                        out.onCompleted();
                    }
                })
                .build()
                .start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name)
                .directExecutor()
                .intercept(m.interceptor())
                .build();
        try {
            StudyOffersGrpc.newBlockingStub(channel).listOffers(ListOffersRequest.getDefaultInstance());
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
        }
        assertThat(m.render())
                .contains("cohort_agent_received_bytes_total "
                        + ListOffersResponse.newBuilder()
                                .addOffers(StudiesCommandTest.OFFER)
                                .build()
                                .getSerializedSize()
                        + "\n");
    }
}
