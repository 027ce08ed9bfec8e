package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.cohort.protocol.v1.AgentMessage;
import org.cohort.protocol.v1.EnrollRequest;
import org.cohort.protocol.v1.EnrollmentGrpc;
import org.cohort.protocol.v1.Heartbeat;
import org.cohort.protocol.v1.Hello;
import org.cohort.protocol.v1.ModelRequest;
import org.cohort.protocol.v1.ModelsGrpc;
import org.cohort.protocol.v1.PrivacyLedgerGrpc;
import org.cohort.protocol.v1.SessionGrpc;
import org.cohort.protocol.v1.SiteChargesRequest;
import org.cohort.protocol.v1.TaskStatus;
import org.cohort.protocol.v1.TensorChunk;
import org.cohort.protocol.v1.UpdateHeader;
import org.cohort.protocol.v1.UpdateManifest;
import org.cohort.protocol.v1.UpdatePart;
import org.cohort.protocol.v1.UpdatesGrpc;
import org.cohort.protocol.v1.UploadProgressRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Malformed protobuf and broken streams against the real agent port (mutual TLS with an enrolled
 * site's certificate, and TLS without one), with a fixed seed and iteration count: raw bytes,
 * valid messages with bits flipped, cut short or padded, streams abandoned half-way and large
 * messages cancelled mid-frame. Every call must end with a clear status (never INTERNAL or
 * UNKNOWN), the coordinator must not crash, and an honest agent must still complete a study
 * afterwards.
 */
class GrpcFuzzIntegrationTest {
    private static final long SEED = 20_261_202L;
    private static final int ITERATIONS = 400;
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    };

    /** Every method of the agent port, with a valid message to start mutations from. */
    private record Target(MethodDescriptor<byte[], byte[]> method, byte[] valid) {}

    private static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> typed) {
        return MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(typed.getType())
                .setFullMethodName(typed.getFullMethodName())
                .setRequestMarshaller(BYTES)
                .setResponseMarshaller(BYTES)
                .build();
    }

    private static List<Target> targets(String studyId) {
        UpdateManifest manifest = UpdateManifest.newBuilder()
                .setSiteId("site-x")
                .setStudyId(studyId)
                .setRoundId("rd-1")
                .setRoundNumber(1)
                .setNumParameters(8)
                .setExampleCount(3)
                .setPayloadSha256(ByteString.copyFrom(new byte[32]))
                .build();
        return List.of(
                new Target(
                        raw(EnrollmentGrpc.getEnrollMethod()),
                        EnrollRequest.newBuilder()
                                .setToken("cohort1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
                                .setCertificateRequest(ByteString.copyFrom(new byte[64]))
                                .build()
                                .toByteArray()),
                new Target(
                        raw(SessionGrpc.getConnectMethod()),
                        AgentMessage.newBuilder()
                                .setHello(Hello.newBuilder()
                                        .addAcceptedStudies(org.cohort.protocol.v1.StudyAcceptance.newBuilder()
                                                .setStudyId(studyId)
                                                .setTrainingExamples(100))
                                        .setAgentVersion("fuzz"))
                                .build()
                                .toByteArray()),
                new Target(
                        raw(SessionGrpc.getConnectMethod()),
                        AgentMessage.newBuilder()
                                .setHeartbeat(
                                        Heartbeat.newBuilder().setSequence(7).setRoundId("rd-1"))
                                .build()
                                .toByteArray()),
                new Target(
                        raw(SessionGrpc.getConnectMethod()),
                        AgentMessage.newBuilder()
                                .setTaskStatus(TaskStatus.newBuilder()
                                        .setRoundId("rd-1")
                                        .setDetail("x"))
                                .build()
                                .toByteArray()),
                new Target(
                        raw(ModelsGrpc.getDownloadMethod()),
                        ModelRequest.newBuilder()
                                .setStudyId(studyId)
                                .setVersion(1)
                                .setFromOffset(3)
                                .build()
                                .toByteArray()),
                new Target(
                        raw(UpdatesGrpc.getUploadMethod()),
                        UpdatePart.newBuilder()
                                .setHeader(UpdateHeader.newBuilder()
                                        .setManifest(manifest.toByteString())
                                        .setSignature(ByteString.copyFrom(new byte[64])))
                                .build()
                                .toByteArray()),
                new Target(
                        raw(UpdatesGrpc.getUploadMethod()),
                        UpdatePart.newBuilder()
                                .setChunk(TensorChunk.newBuilder()
                                        .setOffset(0)
                                        .setData(ByteString.copyFrom(new byte[32])))
                                .build()
                                .toByteArray()),
                new Target(
                        raw(UpdatesGrpc.getUploadProgressMethod()),
                        UploadProgressRequest.newBuilder()
                                .setRoundId("rd-1")
                                .setPayloadSha256(ByteString.copyFrom(new byte[32]))
                                .build()
                                .toByteArray()),
                new Target(
                        raw(PrivacyLedgerGrpc.getSiteChargesMethod()),
                        SiteChargesRequest.newBuilder()
                                .setStudyId(studyId)
                                .build()
                                .toByteArray()));
    }

    /** A mutation of a valid message, or plain noise. */
    private static byte[] mutate(byte[] valid, Random random) {
        switch (random.nextInt(6)) {
            case 0 -> { // noise
                byte[] b = new byte[random.nextInt(512)];
                random.nextBytes(b);
                return b;
            }
            case 1 -> { // cut short (a length-delimited field that ends too soon)
                return java.util.Arrays.copyOf(valid, valid.length == 0 ? 0 : random.nextInt(valid.length));
            }
            case 2 -> { // bits flipped
                byte[] b = valid.clone();
                for (int i = 0; i < 1 + random.nextInt(4) && b.length > 0; i++) {
                    b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
                }
                return b;
            }
            case 3 -> { // garbage appended: unknown fields, bad tags, a varint that never ends
                byte[] tail = new byte[1 + random.nextInt(64)];
                random.nextBytes(tail);
                byte[] b = java.util.Arrays.copyOf(valid, valid.length + tail.length);
                System.arraycopy(tail, 0, b, valid.length, tail.length);
                return b;
            }
            case 4 -> { // a huge declared length: field 1, length-delimited, 2 GiB
                return new byte[] {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 1, 2, 3};
            }
            default -> {
                return valid;
            }
        }
    }

    private enum Ending {
        HALF_CLOSE,
        CANCEL,
        CANCEL_MID_FRAME
    }

    @Test
    void malformedMessagesAndBrokenStreamsGetClearRefusalsAndTheCoordinatorKeepsServing(@TempDir Path dir)
            throws Exception {
        try (var fed = new TestFederation(dir, 1)) {
            String studyId = fed.createStudy(1, 1, 120);
            JsonNode token = fed.token("fuzzer");
            ManagedChannel anonymous = fed.anonymousChannel();
            Map<String, Map<Status.Code, Integer>> seen = new TreeMap<>();
            List<String> unclear = new ArrayList<>();
            try (var site = fed.enrollRogue(token, "fuzzer")) {
                Random random = new Random(SEED);
                long started = System.nanoTime();
                List<Target> targets = targets(studyId);
                for (int i = 0; i < ITERATIONS; i++) {
                    boolean enrolled = random.nextBoolean();
                    Target target = targets.get(random.nextInt(targets.size()));
                    Ending ending = Ending.values()[random.nextInt(Ending.values().length)];
                    int messages = target.method().getType().clientSendsOneMessage() ? 1 : 1 + random.nextInt(4);
                    List<byte[]> sent = new ArrayList<>();
                    for (int m = 0; m < messages; m++) {
                        sent.add(mutate(target.valid(), random));
                    }
                    if (ending == Ending.CANCEL_MID_FRAME) {
                        byte[] big = new byte[1 << 20 + random.nextInt(2)];
                        random.nextBytes(big);
                        sent.add(big);
                    }
                    Status status = call(enrolled ? site.channel : anonymous, target.method(), sent, ending);
                    String name =
                            (enrolled ? "mTLS " : "no cert ") + target.method().getBareMethodName();
                    seen.computeIfAbsent(name, k -> new EnumMap<>(Status.Code.class))
                            .merge(status.getCode(), 1, Integer::sum);
                    if (status.getCode() == Status.Code.INTERNAL || status.getCode() == Status.Code.UNKNOWN) {
                        unclear.add("#" + i + " " + name + " (" + ending + "): " + status);
                    }
                }
                System.out.printf(
                        "gRPC fuzz, seed %d: %d calls in %.1f s: %s%n",
                        SEED, ITERATIONS, (System.nanoTime() - started) / 1e9, seen);
            } finally {
                anonymous.shutdownNow();
            }
            assertThat(unclear).as("calls answered INTERNAL or UNKNOWN").isEmpty();

            // Still serving: an honest agent runs a study to completion.
            fed.runStudy(1);
        }
    }

    /** One call with the given messages and ending; its final status as the client saw it. */
    private static Status call(
            ManagedChannel channel, MethodDescriptor<byte[], byte[]> method, List<byte[]> messages, Ending ending)
            throws Exception {
        var closed = new CompletableFuture<Status>();
        ClientCall<byte[], byte[]> call =
                channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS));
        call.start(
                new ClientCall.Listener<>() {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        closed.complete(status);
                    }
                },
                new Metadata());
        call.request(Integer.MAX_VALUE);
        for (byte[] m : messages) {
            call.sendMessage(m);
        }
        switch (ending) {
            case HALF_CLOSE -> call.halfClose();
            case CANCEL -> {
                Thread.sleep(5); // let a part of it arrive, then abandon the stream
                call.cancel("abandoned by the fuzzer", null);
            }
            case CANCEL_MID_FRAME -> call.cancel("cut mid-message by the fuzzer", null);
        }
        if (ending == Ending.HALF_CLOSE && method.getType() == MethodDescriptor.MethodType.BIDI_STREAMING) {
            // A session stays open after the agent half-closes only until the coordinator answers; give it a moment.
            Status status = closed.completeOnTimeout(null, 2, TimeUnit.SECONDS).get();
            if (status == null) {
                call.cancel("session left open by the fuzzer", null);
                return closed.get(10, TimeUnit.SECONDS);
            }
            return status;
        }
        return closed.get(30, TimeUnit.SECONDS);
    }
}
