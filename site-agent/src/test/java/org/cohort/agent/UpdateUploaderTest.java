package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.protocol.v1.UpdateManifest;
import org.cohort.protocol.v1.UpdatePart;
import org.cohort.protocol.v1.UpdatesGrpc;
import org.cohort.protocol.v1.UploadProgressReply;
import org.cohort.protocol.v1.UploadProgressRequest;
import org.cohort.protocol.v1.UploadReceipt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The agent's upload: resumes where a broken stream stopped, and sends only as fast as the call takes. */
class UpdateUploaderTest {
    private static final int CHUNK = ProtocolLimits.CHUNK_VALUES;
    private static final float[] VALUES = values(3 * CHUNK + 5); // four chunks
    private static final byte[] MANIFEST = UpdateManifest.newBuilder()
            .setRoundId("r-1")
            .setRoundNumber(1)
            .setNumParameters(VALUES.length)
            .setPayloadSha256(ByteString.copyFrom(UpdateUploader.digest(VALUES)))
            .build()
            .toByteArray();

    private Server server;
    private ManagedChannel channel;

    /** What the fake coordinator saw: one list of parts per upload call, and the bytes it kept. */
    private final List<List<UpdatePart>> calls = new CopyOnWriteArrayList<>();

    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    /** How many of the next upload calls break off (UNAVAILABLE) after their first chunk. */
    private final AtomicInteger breaksLeft = new AtomicInteger();

    private static float[] values(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i * 0.001f - 7f;
        }
        return v;
    }

    private void start(UpdatesGrpc.UpdatesImplBase service) throws Exception {
        String name = InProcessServerBuilder.generateName();
        server =
                InProcessServerBuilder.forName(name).addService(service).build().start();
        channel = InProcessChannelBuilder.forName(name).build();
    }

    @AfterEach
    void tearDown() {
        if (channel != null) { // tests of the manifest alone start no server
            channel.shutdownNow();
            server.shutdownNow();
        }
    }

    /** A coordinator that keeps what it received and breaks the first {@link #breaksLeft} calls off. */
    private final class Resumable extends UpdatesGrpc.UpdatesImplBase {
        @Override
        public StreamObserver<UpdatePart> upload(StreamObserver<UploadReceipt> response) {
            var parts = new CopyOnWriteArrayList<UpdatePart>();
            calls.add(parts);
            boolean breakOff = breaksLeft.getAndDecrement() > 0;
            return new StreamObserver<>() {
                private boolean ended;

                @Override
                public void onNext(UpdatePart part) {
                    if (ended) {
                        return;
                    }
                    parts.add(part);
                    if (part.hasChunk()) {
                        synchronized (kept) {
                            kept.writeBytes(part.getChunk().getData().toByteArray());
                        }
                        if (breakOff) {
                            ended = true;
                            response.onError(Status.UNAVAILABLE
                                    .withDescription("connection reset")
                                    .asRuntimeException());
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {
                    if (!ended) {
                        response.onNext(
                                UploadReceipt.newBuilder().setAccepted(true).build());
                        response.onCompleted();
                    }
                }
            };
        }

        @Override
        public void uploadProgress(UploadProgressRequest request, StreamObserver<UploadProgressReply> response) {
            assertThat(request.getRoundId()).isEqualTo("r-1");
            synchronized (kept) {
                response.onNext(UploadProgressReply.newBuilder()
                        .setValuesReceived(kept.size() / 4)
                        .build());
            }
            response.onCompleted();
        }
    }

    @Test
    void resumesABrokenUploadFromWhatTheCoordinatorHolds() throws Exception {
        start(new Resumable());
        breaksLeft.set(2);
        UploadReceipt receipt = UpdateUploader.send(channel, MANIFEST, new byte[64], VALUES);

        assertThat(receipt.getAccepted()).isTrue();
        assertThat(calls).hasSize(3);
        assertThat(calls.get(0).get(0).getHeader().getResumeFrom()).isZero();
        assertThat(calls.get(1).get(0).getHeader().getResumeFrom()).isEqualTo(CHUNK);
        assertThat(calls.get(2).get(0).getHeader().getResumeFrom()).isEqualTo(2L * CHUNK);
        assertThat(calls.get(2).get(1).getChunk().getOffset()).isEqualTo(2L * CHUNK);
        // Every value arrived exactly once, in order.
        assertThat(kept.toByteArray())
                .isEqualTo(UpdateUploader.encode(VALUES, 0, VALUES.length).array());
    }

    @Test
    void givesUpAfterTheMaximumNumberOfResumes() throws Exception {
        start(new Resumable());
        breaksLeft.set(UpdateUploader.MAX_RESUMES + 1);
        assertThatThrownBy(() -> UpdateUploader.send(channel, MANIFEST, new byte[64], VALUES))
                .isInstanceOf(StatusRuntimeException.class)
                .hasMessageContaining("UNAVAILABLE");
        assertThat(calls).hasSize(UpdateUploader.MAX_RESUMES + 1);
    }

    @Test
    void doesNotRetryARejection() throws Exception {
        start(new UpdatesGrpc.UpdatesImplBase() {
            @Override
            public StreamObserver<UpdatePart> upload(StreamObserver<UploadReceipt> response) {
                calls.add(List.of());
                response.onError(Status.INVALID_ARGUMENT
                        .withDescription("update value at index 3 is NaN")
                        .asRuntimeException());
                return new StreamObserver<>() {
                    @Override
                    public void onNext(UpdatePart value) {}

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                };
            }
        });
        assertThatThrownBy(() -> UpdateUploader.send(channel, MANIFEST, new byte[64], VALUES))
                .hasMessageContaining("index 3 is NaN");
        assertThat(calls).hasSize(1);
    }

    /** A coordinator whose n-th upload call ends as {@code endings[n]} says, after reading the whole stream. */
    private final class Scripted extends UpdatesGrpc.UpdatesImplBase {
        private final Status[] endings;
        private final long progress;

        Scripted(long progress, Status... endings) {
            this.progress = progress;
            this.endings = endings;
        }

        @Override
        public StreamObserver<UpdatePart> upload(StreamObserver<UploadReceipt> response) {
            var parts = new CopyOnWriteArrayList<UpdatePart>();
            int call = calls.size();
            calls.add(parts);
            return new StreamObserver<>() {
                @Override
                public void onNext(UpdatePart part) {
                    parts.add(part);
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {
                    Status ending = call < endings.length ? endings[call] : Status.OK;
                    if (ending.isOk()) {
                        response.onNext(UploadReceipt.newBuilder()
                                .setAccepted(true)
                                .setMessage("accepted")
                                .build());
                        response.onCompleted();
                    } else {
                        response.onError(ending.asRuntimeException());
                    }
                }
            };
        }

        @Override
        public void uploadProgress(UploadProgressRequest request, StreamObserver<UploadProgressReply> response) {
            response.onNext(
                    UploadProgressReply.newBuilder().setValuesReceived(progress).build());
            response.onCompleted();
        }
    }

    @Test
    void startsOverOnceWhenTheCoordinatorCannotResume() throws Exception {
        start(new Scripted(
                CHUNK,
                Status.UNAVAILABLE.withDescription("connection reset"),
                Status.FAILED_PRECONDITION.withDescription("cannot resume the upload")));
        UploadReceipt receipt = UpdateUploader.send(channel, MANIFEST, new byte[64], VALUES);

        assertThat(receipt.getAccepted()).isTrue();
        assertThat(calls).hasSize(3);
        assertThat(calls.get(1).get(0).getHeader().getResumeFrom()).isEqualTo(CHUNK);
        assertThat(calls.get(2).get(0).getHeader().getResumeFrom()).isZero();
        assertThat(calls.get(2)).hasSize(1 + 4); // header and all four chunks again
    }

    @Test
    void anUpdateAcceptedBeforeItsReceiptWasLostCountsAsAccepted() throws Exception {
        // The first stream is accepted but its receipt never arrives; the coordinator then holds nothing
        // to resume, and a new stream is refused because the site already reported.
        start(new Scripted(
                0,
                Status.UNAVAILABLE.withDescription("connection reset"),
                Status.ALREADY_EXISTS.withDescription("site already reported for this round")));
        UploadReceipt receipt = UpdateUploader.send(channel, MANIFEST, new byte[64], VALUES);

        assertThat(receipt.getAccepted()).isTrue();
        assertThat(receipt.getMessage()).contains("receipt of an earlier stream was lost");
        assertThat(calls).hasSize(2);
    }

    @Test
    void producesChunksOnlyAsTheCoordinatorTakesThem() throws Exception {
        float[] many = values(40 * CHUNK);
        var requested = new CompletableFuture<ServerCallStreamObserver<UploadReceipt>>();
        var received = new AtomicInteger();
        start(new UpdatesGrpc.UpdatesImplBase() {
            @Override
            public StreamObserver<UpdatePart> upload(StreamObserver<UploadReceipt> response) {
                var call = (ServerCallStreamObserver<UploadReceipt>) response;
                call.disableAutoRequest();
                call.request(3); // the header and two chunks, then nothing until the test says so
                requested.complete(call);
                return new StreamObserver<>() {
                    @Override
                    public void onNext(UpdatePart part) {
                        received.incrementAndGet();
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {
                        response.onNext(
                                UploadReceipt.newBuilder().setAccepted(true).build());
                        response.onCompleted();
                    }
                };
            }
        });
        var produced = new AtomicInteger();
        var upload = CompletableFuture.supplyAsync(
                () -> UpdateUploader.stream(() -> channel, MANIFEST, new byte[64], many.length, (off, n) -> {
                    produced.incrementAndGet();
                    return UpdateUploader.encode(many, off, n);
                }));
        var call = requested.get(30, TimeUnit.SECONDS);
        for (int i = 0; i < 3000 && received.get() < 3; i++) {
            Thread.sleep(10);
        }
        assertThat(received.get()).as("parts the server asked for").isEqualTo(3);
        // The server has stopped asking: the uploader may have produced a chunk or two that wait in
        // the call's buffer, never the 40 of the whole update.
        waitUntilBlocked(upload);
        assertThat(produced.get()).isBetween(2, 4);
        call.request(Integer.MAX_VALUE);
        assertThat(upload.get(60, TimeUnit.SECONDS).getAccepted()).isTrue();
        assertThat(produced.get()).isEqualTo(40);
        assertThat(received.get()).isEqualTo(41);
    }

    /** Waits until the uploading thread parks (in the ready wait, given the server asks for nothing). */
    private static void waitUntilBlocked(CompletableFuture<?> upload) throws InterruptedException {
        for (int i = 0; i < 3000 && !upload.isDone(); i++) {
            boolean parked = Thread.getAllStackTraces().entrySet().stream()
                    .anyMatch(e -> e.getKey().getState() == Thread.State.TIMED_WAITING
                            && List.of(e.getValue()).stream()
                                    .anyMatch(f -> f.getMethodName().equals("awaitReady")));
            if (parked) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the uploader never waited for the call to become ready");
    }

    @Test
    void underDifferentialPrivacyTheTrainingLossAndTimeAreWithheld() {
        var outcome = new LocalLearner.Outcome(new float[] {1f, 2f}, 300, 0.42, 1234, 60, 50, 0.3);
        var plain = org.cohort.protocol.v1.RoundTask.newBuilder()
                .setStudyId("st-1")
                .setRoundId("st-1-r1")
                .build();
        var dp = plain.toBuilder()
                .setPrivacy(org.cohort.protocol.v1.PrivacyPlan.newBuilder()
                        .setMode(org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_PATIENT))
                .build();
        var uploader = new UpdateUploader("site-1", null);

        var open = uploader.manifest(plain, outcome, 300).getMetrics();
        assertThat(open.getTrainMillis()).isEqualTo(1234);
        assertThat(open.getTrainLoss()).isEqualTo(0.42);

        var withheld = uploader.manifest(dp, outcome, 300).getMetrics();
        assertThat(withheld.getTrainMillis())
                .as("timing depends on the training rows")
                .isZero();
        assertThat(withheld.getTrainLoss()).isZero();
        assertThat(withheld.getTrainLossWithheld()).isTrue();
    }
}
