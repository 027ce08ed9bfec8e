package org.cohort.simulation;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManager;
import org.cohort.crypto.pki.SiteIdentity;
import org.cohort.crypto.pki.SiteKeys;
import org.cohort.crypto.tls.PinnedCaTrust;
import org.cohort.crypto.tls.TlsTrust;
import org.cohort.protocol.v1.AgentMessage;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.cohort.protocol.v1.EnrollRequest;
import org.cohort.protocol.v1.EnrollmentGrpc;
import org.cohort.protocol.v1.Hello;
import org.cohort.protocol.v1.ModelRequest;
import org.cohort.protocol.v1.ModelsGrpc;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.SessionGrpc;
import org.cohort.protocol.v1.SiteMetrics;
import org.cohort.protocol.v1.TaskOutcome;
import org.cohort.protocol.v1.TaskStatus;
import org.cohort.protocol.v1.TensorChunk;
import org.cohort.protocol.v1.TensorEncoding;
import org.cohort.protocol.v1.UpdateHeader;
import org.cohort.protocol.v1.UpdateManifest;
import org.cohort.protocol.v1.UpdatePart;
import org.cohort.protocol.v1.UpdatesGrpc;
import org.cohort.protocol.v1.UploadReceipt;

/**
 * A site that is enrolled for real but speaks the protocol by hand, so tests can send what a
 * broken or hostile agent would: wrong lengths, NaN, bad signatures, replays.
 */
final class RogueSite implements AutoCloseable {
    final String siteId;
    final SiteKeys keys;
    final ManagedChannel channel;
    final BlockingQueue<RoundTask> tasks = new LinkedBlockingQueue<>();
    private StreamObserver<AgentMessage> session;

    private final String address;

    private RogueSite(String siteId, SiteKeys keys, ManagedChannel channel, String address) {
        this.siteId = siteId;
        this.keys = keys;
        this.channel = channel;
        this.address = address;
    }

    static RogueSite enroll(String address, String token, String caFingerprint, String name) throws Exception {
        SiteKeys keys = SiteKeys.generate();
        var pinned = PinnedCaTrust.forFingerprint(caFingerprint);
        ManagedChannel enrollChannel = anonymousChannel(address, pinned);
        try {
            var response = EnrollmentGrpc.newBlockingStub(enrollChannel)
                    .enroll(EnrollRequest.newBuilder()
                            .setToken(token)
                            .setCertificateRequest(ByteString.copyFrom(keys.certificateRequest(name)))
                            .setUpdateSigningPublicKey(ByteString.copyFrom(keys.updateSigningPublicKey()))
                            .build());
            var cf = CertificateFactory.getInstance("X.509");
            X509Certificate cert = (X509Certificate) cf.generateCertificate(
                    new ByteArrayInputStream(response.getCertificate().toByteArray()));
            X509Certificate ca = (X509Certificate) cf.generateCertificate(
                    new ByteArrayInputStream(response.getCaCertificate().toByteArray()));
            SiteIdentity identity = SiteIdentity.create(keys, cert, ca);
            ManagedChannel channel = NettyChannelBuilder.forTarget(
                            address,
                            TlsChannelCredentials.newBuilder()
                                    .keyManager(identity.keyManagers())
                                    .trustManager(TlsTrust.coordinator(ca))
                                    .build())
                    .build();
            return new RogueSite(response.getSiteId(), keys, channel, address);
        } finally {
            enrollChannel.shutdownNow();
        }
    }

    /**
     * A TLS channel to the agent port at {@code address} that presents no client certificate and
     * trusts the coordinator as {@code trust} says: all such a caller may reach is enrollment.
     */
    static ManagedChannel anonymousChannel(String address, TrustManager... trust) {
        return NettyChannelBuilder.forTarget(
                        address,
                        TlsChannelCredentials.newBuilder().trustManager(trust).build())
                .build();
    }

    /** Opens a session that accepts the given studies, declaring 1 training example each, and queues its tasks. */
    void connect(List<String> acceptedStudies) {
        var declared = new java.util.LinkedHashMap<String, Long>();
        acceptedStudies.forEach(id -> declared.put(id, 1L));
        connect(declared);
    }

    /** Opens a session that accepts the given studies with the training sizes given, and queues its tasks. */
    void connect(java.util.Map<String, Long> declaredTrainingExamples) {
        session = SessionGrpc.newStub(channel).connect(new StreamObserver<>() {
            @Override
            public void onNext(CoordinatorMessage m) {
                if (m.hasRoundTask()) {
                    tasks.add(m.getRoundTask());
                }
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        });
        var hello = Hello.newBuilder().setAgentVersion("rogue");
        // The study's published terms, pinned as they are: a hand-written site is selected like an honest one.
        declaredTrainingExamples.forEach(
                (id, n) -> hello.addAcceptedStudies(org.cohort.protocol.v1.StudyAcceptance.newBuilder()
                        .setStudyId(id)
                        .setTrainingExamples(n)
                        .setTermsDigest(publishedTerms(id))));
        session.onNext(AgentMessage.newBuilder().setHello(hello).build());
    }

    private String publishedTerms(String studyId) {
        try {
            return InProcessCoordinator.at(address)
                    .map(c -> c.client().studies().terms(studyId).get("digest").asString())
                    .orElse("");
        } catch (RuntimeException e) {
            return ""; // no such study (yet): the coordinator checks the acceptance when the study's rounds select
        }
    }

    RoundTask nextTask() throws InterruptedException {
        RoundTask t = tasks.poll(120, TimeUnit.SECONDS);
        if (t == null) {
            throw new AssertionError("no round task arrived within 120 s");
        }
        return t;
    }

    synchronized void refuse(RoundTask task, String why) {
        session.onNext(AgentMessage.newBuilder()
                .setTaskStatus(TaskStatus.newBuilder()
                        .setRoundId(task.getRoundId())
                        .setOutcome(TaskOutcome.REFUSED)
                        .setDetail(why))
                .build());
    }

    long modelLength(RoundTask task) throws Exception {
        var parts = ModelsGrpc.newBlockingStub(channel)
                .download(ModelRequest.newBuilder()
                        .setStudyId(task.getStudyId())
                        .setVersion(task.getModelVersion())
                        .build());
        var manifest = org.cohort.protocol.v1.ModelManifest.parseFrom(
                parts.next().getHeader().getManifest());
        parts.forEachRemaining(p -> {});
        return manifest.getNumParameters();
    }

    UpdateManifest manifest(RoundTask task, float[] values) {
        return UpdateManifest.newBuilder()
                .setSiteId(siteId)
                .setStudyId(task.getStudyId())
                .setRoundId(task.getRoundId())
                .setRoundNumber(task.getRoundNumber())
                .setNonce(task.getNonce())
                .setBaseModelVersion(task.getModelVersion())
                .setNumParameters(values.length)
                .setEncoding(TensorEncoding.FLOAT32_LE)
                .setPayloadSha256(ByteString.copyFrom(sha256(values)))
                .setExampleCount(1)
                .setMetrics(metrics(task))
                .build();
    }

    /** No metrics; under DP marked withheld, as an honest agent's are (else the header is refused for them). */
    static SiteMetrics metrics(RoundTask task) {
        boolean dp = task.hasPrivacy()
                && org.cohort.protocol.PrivacyWords.isPrivate(task.getPrivacy().getMode());
        return SiteMetrics.newBuilder()
                .setTestMetricsWithheld(dp)
                .setTrainLossWithheld(dp)
                .build();
    }

    /** Signs correctly and sends. */
    UploadReceipt upload(UpdateManifest manifest, float[] values) throws Exception {
        byte[] bytes = manifest.toByteArray();
        return send(bytes, keys.updateSigner().sign(bytes), values);
    }

    UploadReceipt send(byte[] manifestBytes, byte[] signature, float[] values) throws Exception {
        var upload = new Upload(channel);
        upload.header(manifestBytes, signature, 0);
        upload.chunk(0, values);
        return upload.finish();
    }

    /**
     * Sends the signed header (continuing at {@code resumeFrom}) and the values from
     * {@code from} (exclusive {@code to}), then, when {@code breakOff}, cancels the call as a
     * lost connection would; otherwise completes it and returns the receipt.
     */
    UploadReceipt sendPart(UpdateManifest manifest, long resumeFrom, float[] values, int from, int to, boolean breakOff)
            throws Exception {
        Upload upload = startPart(manifest, resumeFrom, values, from, to);
        if (breakOff) {
            // Break off once the coordinator holds the part, as a connection lost mid-upload would.
            for (int i = 0; i < 1500 && progress(manifest).getValuesReceived() < to; i++) {
                Thread.sleep(20);
            }
            upload.breakOff();
            return null;
        }
        return upload.finish();
    }

    /** Sends the header and the values [from, to) and leaves the call open. */
    Upload startPart(UpdateManifest manifest, long resumeFrom, float[] values, int from, int to) {
        byte[] bytes = manifest.toByteArray();
        var upload = new Upload(channel);
        upload.header(bytes, keys.updateSigner().sign(bytes), resumeFrom);
        upload.chunk(from, java.util.Arrays.copyOfRange(values, from, to));
        return upload;
    }

    /** One upload call, written part by part as the test says. */
    static final class Upload {
        final CompletableFuture<UploadReceipt> done = new CompletableFuture<>();
        final io.grpc.stub.ClientCallStreamObserver<UpdatePart> out;

        Upload(ManagedChannel channel) {
            out = (io.grpc.stub.ClientCallStreamObserver<UpdatePart>)
                    UpdatesGrpc.newStub(channel).upload(new StreamObserver<>() {
                        @Override
                        public void onNext(UploadReceipt r) {
                            done.complete(r);
                        }

                        @Override
                        public void onError(Throwable t) {
                            done.completeExceptionally(t);
                        }

                        @Override
                        public void onCompleted() {}
                    });
        }

        void header(byte[] manifestBytes, byte[] signature, long resumeFrom) {
            out.onNext(UpdatePart.newBuilder()
                    .setHeader(UpdateHeader.newBuilder()
                            .setManifest(ByteString.copyFrom(manifestBytes))
                            .setSignature(ByteString.copyFrom(signature))
                            .setResumeFrom(resumeFrom))
                    .build());
        }

        void chunk(long offset, float[] values) {
            out.onNext(UpdatePart.newBuilder()
                    .setChunk(TensorChunk.newBuilder().setOffset(offset).setData(ByteString.copyFrom(encode(values))))
                    .build());
        }

        void breakOff() {
            out.cancel("connection lost (simulated)", null);
        }

        UploadReceipt finish() throws Exception {
            out.onCompleted();
            try {
                return done.get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw (Exception) e.getCause();
            }
        }
    }

    /** How many values of this manifest's upload the coordinator holds, and whether it is still receiving. */
    org.cohort.protocol.v1.UploadProgressReply progress(UpdateManifest manifest) {
        return UpdatesGrpc.newBlockingStub(channel)
                .uploadProgress(org.cohort.protocol.v1.UploadProgressRequest.newBuilder()
                        .setRoundId(manifest.getRoundId())
                        .setPayloadSha256(manifest.getPayloadSha256())
                        .build());
    }

    static ByteBuffer encode(float[] values) {
        var buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        return buf.flip();
    }

    static byte[] sha256(float[] values) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(encode(values).array());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (session != null) {
            try {
                session.onCompleted();
            } catch (RuntimeException ignored) {
                // closed
            }
        }
        channel.shutdownNow();
    }
}
