package org.cohort.agent;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's metrics, written to {@code <work.dir>/metrics.prom} in the Prometheus text format
 * (replaced atomically, so node_exporter's textfile collector never reads half a file). Nothing
 * in them is about a patient: times, byte counts, task outcomes by the agent's own refusal codes,
 * and the ε this site's ledger has spent, which its admin already sees in the log.
 */
final class AgentMetrics {
    private static final Logger log = LoggerFactory.getLogger(AgentMetrics.class);
    static final String FILE = "metrics.prom";

    private final Path file;
    private final AtomicLong sentBytes = new AtomicLong();
    private final AtomicLong receivedBytes = new AtomicLong();
    private final Map<String, DoubleAdder> trainingSeconds = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> trainingRounds = new ConcurrentHashMap<>();
    private final Map<String, Double> lastTrainingSeconds = new ConcurrentHashMap<>();
    /** "outcome\u0000reason" → count. */
    private final Map<String, AtomicLong> tasks = new ConcurrentHashMap<>();
    /** "study\u0000unit" → ε. */
    private final Map<String, Double> epsilon = new ConcurrentHashMap<>();

    private final Map<String, Double> lastSuccess = new ConcurrentHashMap<>();
    private volatile double heartbeatRtt = Double.NaN;
    private volatile boolean connected;

    AgentMetrics(Path workDir) {
        this.file = workDir.resolve(FILE);
    }

    Path file() {
        return file;
    }

    void trained(String study, double seconds) {
        trainingSeconds.computeIfAbsent(study, k -> new DoubleAdder()).add(seconds);
        trainingRounds.computeIfAbsent(study, k -> new AtomicLong()).incrementAndGet();
        lastTrainingSeconds.put(study, seconds);
    }

    void sent(long bytes) {
        sentBytes.addAndGet(bytes);
    }

    void received(long bytes) {
        receivedBytes.addAndGet(bytes);
    }

    /** A task's outcome ("accepted", "refused", "failed", "completed") and reason (a refusal or failure code). */
    void task(String outcome, String reason) {
        tasks.computeIfAbsent(outcome + "\u0000" + reason, k -> new AtomicLong())
                .incrementAndGet();
    }

    /** The ε this site's ledger has spent on {@code study} for {@code unit} ("patient", "site"). */
    void epsilonSpent(String study, String unit, double value) {
        epsilon.put(study + "\u0000" + unit, value);
    }

    void heartbeatRoundTrip(double seconds) {
        heartbeatRtt = seconds;
    }

    void connected(boolean now) {
        connected = now;
    }

    void succeeded(String study, long epochMillis) {
        lastSuccess.put(study, epochMillis / 1000.0);
    }

    /** The metrics in the Prometheus text exposition format (version 0.0.4). */
    String render() {
        var sb = new StringBuilder();
        header(sb, "cohort_agent_info", "gauge", "The agent's version.");
        sb.append("cohort_agent_info{version=\"")
                .append(escape(SiteAgent.VERSION))
                .append("\"} 1\n");
        header(sb, "cohort_agent_connected", "gauge", "1 while a session with the coordinator is open.");
        sb.append("cohort_agent_connected ").append(connected ? 1 : 0).append('\n');
        header(
                sb,
                "cohort_agent_sent_bytes_total",
                "counter",
                "Bytes of the gRPC messages sent to the coordinator (uncompressed; the agent compresses none).");
        sb.append("cohort_agent_sent_bytes_total ").append(sentBytes.get()).append('\n');
        header(
                sb,
                "cohort_agent_received_bytes_total",
                "counter",
                "Bytes of the gRPC messages received from the coordinator (uncompressed).");
        sb.append("cohort_agent_received_bytes_total ")
                .append(receivedBytes.get())
                .append('\n');
        header(sb, "cohort_agent_training_seconds_total", "counter", "Time spent in local training, per study.");
        sorted(trainingSeconds).forEach((s, v) -> line(sb, "cohort_agent_training_seconds_total", "study", s, v.sum()));
        header(sb, "cohort_agent_training_rounds_total", "counter", "Local trainings run, per study.");
        sorted(trainingRounds).forEach((s, v) -> line(sb, "cohort_agent_training_rounds_total", "study", s, v.get()));
        header(sb, "cohort_agent_training_seconds_last", "gauge", "Duration of the last local training, per study.");
        sorted(lastTrainingSeconds).forEach((s, v) -> line(sb, "cohort_agent_training_seconds_last", "study", s, v));
        header(
                sb,
                "cohort_agent_tasks_total",
                "counter",
                "Tasks by outcome (accepted, refused, failed, completed) and reason code.");
        sorted(tasks).forEach((k, v) -> {
            String[] parts = k.split("\u0000", 2);
            sb.append("cohort_agent_tasks_total{outcome=\"")
                    .append(escape(parts[0]))
                    .append("\",reason=\"")
                    .append(escape(parts[1]))
                    .append("\"} ")
                    .append(v.get())
                    .append('\n');
        });
        header(
                sb,
                "cohort_agent_epsilon_spent",
                "gauge",
                "ε this site's ledger has spent, per study and unit, at the study's δ.");
        sorted(epsilon).forEach((k, v) -> {
            String[] parts = k.split("\u0000", 2);
            sb.append("cohort_agent_epsilon_spent{study=\"")
                    .append(escape(parts[0]))
                    .append("\",unit=\"")
                    .append(escape(parts[1]))
                    .append("\"} ")
                    .append(number(v))
                    .append('\n');
        });
        header(
                sb,
                "cohort_agent_heartbeat_rtt_seconds",
                "gauge",
                "Round trip of the last heartbeat acknowledged by the coordinator.");
        if (!Double.isNaN(heartbeatRtt)) {
            sb.append("cohort_agent_heartbeat_rtt_seconds ")
                    .append(number(heartbeatRtt))
                    .append('\n');
        }
        header(
                sb,
                "cohort_agent_last_successful_round_timestamp_seconds",
                "gauge",
                "When this site last had an update or evaluation accepted, per study (Unix time).");
        sorted(lastSuccess)
                .forEach((s, v) -> line(sb, "cohort_agent_last_successful_round_timestamp_seconds", "study", s, v));
        return sb.toString();
    }

    /** Replaces the metrics file; a failure is logged, never thrown (metrics must not stop a round). */
    synchronized void write() {
        try {
            AgentProperties.write(file, render());
        } catch (IOException | RuntimeException e) {
            log.debug("cannot write {}: {}", file, e.toString());
        }
    }

    /** Counts the message bytes of every call on a channel it is added to. */
    ClientInterceptor interceptor() {
        ClientStreamTracer.Factory factory = tracers();
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(
                    MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return next.newCall(method, options.withStreamTracerFactory(factory));
            }
        };
    }

    /** One tracer per call, adding the sizes of its messages as the transport reports them. */
    ClientStreamTracer.Factory tracers() {
        return new ClientStreamTracer.Factory() {
            @Override
            public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
                return new ClientStreamTracer() {
                    // Netty reports every message's size; a transport that does not serialize reports -1.
                    @Override
                    public void outboundUncompressedSize(long bytes) {
                        if (bytes > 0) {
                            sent(bytes);
                        }
                    }

                    @Override
                    public void inboundUncompressedSize(long bytes) {
                        if (bytes > 0) {
                            received(bytes);
                        }
                    }
                };
            }
        };
    }

    private static <V> Map<String, V> sorted(Map<String, V> m) {
        return new TreeMap<>(m);
    }

    private static void header(StringBuilder sb, String name, String type, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void line(StringBuilder sb, String name, String label, String value, double v) {
        sb.append(name)
                .append('{')
                .append(label)
                .append("=\"")
                .append(escape(value))
                .append("\"} ")
                .append(number(v))
                .append('\n');
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }

    /** Label values: backslash, double quote and line feed escaped. */
    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
