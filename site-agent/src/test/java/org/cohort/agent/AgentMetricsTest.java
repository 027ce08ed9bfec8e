package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
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
    void countsTheMessageBytesEachCallReports() {
        var m = new AgentMetrics(dir);
        var tracer = m.tracers()
                .newClientStreamTracer(
                        io.grpc.ClientStreamTracer.StreamInfo.newBuilder().build(), new io.grpc.Metadata());
        tracer.outboundUncompressedSize(1200);
        tracer.outboundUncompressedSize(-1); // a transport that does not serialize
        tracer.inboundUncompressedSize(300);
        tracer.inboundUncompressedSize(45);
        assertThat(m.render())
                .contains("cohort_agent_sent_bytes_total 1200\n")
                .contains("cohort_agent_received_bytes_total 345\n");
    }
}
