package org.cohort.agent;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.cohort.crypto.signature.UpdateSigner;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.protocol.transfer.TransferEncoding;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.SiteMetrics;
import org.cohort.protocol.v1.TensorChunk;
import org.cohort.protocol.v1.UpdateHeader;
import org.cohort.protocol.v1.UpdateManifest;
import org.cohort.protocol.v1.UpdatePart;
import org.cohort.protocol.v1.UpdatesGrpc;
import org.cohort.protocol.v1.UploadProgressReply;
import org.cohort.protocol.v1.UploadProgressRequest;
import org.cohort.protocol.v1.UploadReceipt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs an update's manifest and streams the values in chunks, with flow control, resuming an
 * upload that broke off from what the coordinator already holds.
 */
final class UpdateUploader {
    private static final Logger log = LoggerFactory.getLogger(UpdateUploader.class);
    /** Resumes after broken connections before the upload counts as failed. */
    static final int MAX_RESUMES = 3;
    /** Longer than the server's keepalive time plus timeout: by then it has noticed a dead connection. */
    private static final long STILL_RECEIVING_WAIT_MILLIS = 60_000;

    private static final long FIRST_RESUME_PAUSE_MILLIS = 1_000;

    private final String siteId;
    private final UpdateSigner signer;

    UpdateUploader(String siteId, UpdateSigner signer) {
        this.siteId = siteId;
        this.signer = signer;
    }

    /**
     * The manifest this site signs for a task outcome. Its weight ({@code example_count}) is the
     * training size the site declared when it accepted the study, never the count of this run.
     */
    UpdateManifest manifest(RoundTask task, LocalLearner.Outcome outcome, long declaredExamples) {
        boolean withheld = HeldOutRelease.withheld(task);
        // Under DP the training loss, the training time and the held-out metrics would be releases
        // outside the ε accounting (they depend on the patients' rows): withheld, sent as 0. The
        // final evaluation sends its noised counts instead (score histogram or confusion matrix), named
        // as the payload; in clear a binary study's exact score histogram goes beside the metrics.
        var metrics = SiteMetrics.newBuilder()
                .setTrainLoss(withheld ? 0 : outcome.trainLoss())
                .setTrainLossWithheld(withheld)
                .setTestMetricsWithheld(withheld)
                .setTestAccuracy(withheld ? 0 : outcome.testAccuracy())
                .setTestLoss(withheld ? 0 : outcome.testLoss())
                .setTestExamples(withheld ? 0 : outcome.testExamples())
                .setTestCorrect(withheld ? 0 : outcome.testCorrect())
                .setTrainMillis(withheld ? 0 : outcome.trainMillis());
        var b = UpdateManifest.newBuilder()
                .setSiteId(siteId)
                .setStudyId(task.getStudyId())
                .setRoundId(task.getRoundId())
                .setRoundNumber(task.getRoundNumber())
                .setNonce(task.getNonce())
                .setBaseModelVersion(task.getModelVersion())
                .setExampleCount(declaredExamples);
        if (outcome.heldOut() != null) {
            outcome.heldOut().into(metrics);
            b.setPayloadSha256(ByteString.copyFrom(outcome.heldOut().sha256()));
        }
        if (outcome.scores() != null && (outcome.scores().noised() || !withheld)) {
            outcome.scores().into(metrics);
            if (outcome.scores().noised()) {
                b.setPayloadSha256(ByteString.copyFrom(outcome.scores().sha256()));
            }
        }
        if (outcome.errors() != null && (outcome.errors().noised() || !withheld)) {
            outcome.errors().into(metrics);
            if (outcome.errors().noised()) {
                b.setPayloadSha256(ByteString.copyFrom(outcome.errors().sha256()));
            }
        }
        b.setMetrics(metrics);
        if (outcome.privacy() != null) {
            b.setPrivacy(outcome.privacy().toProto());
        }
        if (outcome.delta() != null) {
            // A secure round replaces this with its masked ring elements (SecureAggregationStep).
            TransferEncoding encoding =
                    task.hasSecagg() ? TransferEncoding.Float32.INSTANCE : UpdateQuantization.encoding(task);
            b.setNumParameters(outcome.delta().length)
                    .setEncoding(encoding.wire())
                    .setBlockSize(encoding.blockSize())
                    .setPayloadSha256(ByteString.copyFrom(digest(encoding, outcome.delta())));
            if (task.getKind() == org.cohort.protocol.v1.TaskKind.TRAIN
                    && task.getPlan().getScaffold()) {
                // SCAFFOLD: the delta, then Δc_i of the same length (Dl4jLearner concatenated them),
                // encoded as one vector of twice the model's length.
                b.setControlVariateValues(outcome.delta().length / 2);
            }
        }
        return b.build();
    }

    /**
     * Signs and sends an update over the agent's current channel ({@code channels} is asked again
     * for each attempt: after a lost connection the agent's session reconnects on a new one).
     */
    UploadReceipt upload(Supplier<? extends Channel> channels, UpdateManifest manifest, float[] values) {
        byte[] manifestBytes = manifest.toByteArray();
        byte[] signature = signer.sign(manifestBytes);
        TransferEncoding encoding = manifest.getNumParameters() == 0
                ? TransferEncoding.Float32.INSTANCE
                : TransferEncoding.of(manifest.getEncoding(), manifest.getBlockSize());
        return stream(
                channels,
                manifestBytes,
                signature,
                values == null ? 0 : values.length,
                (off, n) -> encoding.encode(values, off, n));
    }

    /** Streams header and chunks as given; exposed so tests can send what a broken or hostile agent would. */
    static UploadReceipt send(Channel channel, byte[] manifestBytes, byte[] signature, float[] values) {
        return stream(
                () -> channel,
                manifestBytes,
                signature,
                values == null ? 0 : values.length,
                (off, n) -> encode(values, off, n));
    }

    /** A masked input of secure aggregation: ring elements, little-endian. */
    static UploadReceipt sendRing(Channel channel, byte[] manifestBytes, byte[] signature, int[] values) {
        return sendRing(channel, manifestBytes, signature, values, false);
    }

    /** A masked input, as 32-bit ring elements or, in the narrow ring, their low 16 bits. */
    static UploadReceipt sendRing(
            Channel channel, byte[] manifestBytes, byte[] signature, int[] values, boolean narrow) {
        return stream(
                () -> channel, manifestBytes, signature, values.length, (off, n) -> encodeInts(values, off, n, narrow));
    }

    static ByteBuffer encodeInts(int[] values, int from, int count) {
        return encodeInts(values, from, count, false);
    }

    static ByteBuffer encodeInts(int[] values, int from, int count, boolean narrow) {
        ByteBuffer buf = ByteBuffer.allocate(count * (narrow ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            if (narrow) {
                buf.putShort((short) values[from + i]);
            } else {
                buf.putInt(values[from + i]);
            }
        }
        return buf.flip();
    }

    /**
     * Streams the upload. When the connection breaks off (UNAVAILABLE, or the whole-call deadline
     * on a slow link) it asks the coordinator how much it holds and resumes from there, up to
     * {@value #MAX_RESUMES} times; a resume the coordinator cannot take is started over once from
     * 0; and ALREADY_EXISTS after a broken stream means an earlier stream was accepted and only
     * its receipt was lost.
     */
    static UploadReceipt stream(
            Supplier<? extends Channel> channels,
            byte[] manifestBytes,
            byte[] signature,
            int length,
            BiFunction<Integer, Integer, ByteBuffer> chunk) {
        long from = 0;
        boolean startedOver = false;
        for (int resumes = 0; ; resumes++) {
            try {
                return streamFrom(channels.get(), manifestBytes, signature, length, chunk, from);
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if (resumes > 0 && code == Status.Code.ALREADY_EXISTS) {
                    return UploadReceipt.newBuilder()
                            .setAccepted(true)
                            .setMessage("update accepted (the receipt" + " of an earlier stream was lost)")
                            .build();
                }
                if (from > 0 && code == Status.Code.FAILED_PRECONDITION && !startedOver) {
                    log.warn(
                            "the coordinator cannot resume the upload at value {} ({}); starting it over",
                            from,
                            e.getStatus().getDescription());
                    startedOver = true;
                    from = 0;
                    continue;
                }
                boolean brokeOff = code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
                if (!brokeOff || resumes >= MAX_RESUMES || length == 0) {
                    throw e;
                }
                UpdateManifest manifest = parse(manifestBytes);
                from = resumableOffset(channels, manifest, resumes);
                log.warn(
                        "upload for round {} broke off ({}); the coordinator holds {} of {} values, resuming",
                        manifest.getRoundNumber(),
                        e.getStatus(),
                        from,
                        length);
            }
        }
    }

    /**
     * Asks how much of the upload the coordinator holds, after a pause that doubles with each
     * resume (1, 2, 4 s: time for the session to reconnect), waiting for the channel to be ready;
     * while the coordinator is still receiving the broken stream (it has not noticed the loss
     * yet), asks again for up to {@value #STILL_RECEIVING_WAIT_MILLIS} ms. When it cannot be
     * asked, the upload starts over from 0.
     */
    private static long resumableOffset(Supplier<? extends Channel> channels, UpdateManifest manifest, int resumes) {
        var request = UploadProgressRequest.newBuilder()
                .setRoundId(manifest.getRoundId())
                .setPayloadSha256(manifest.getPayloadSha256())
                .build();
        long waited = 0;
        long pause = FIRST_RESUME_PAUSE_MILLIS << resumes;
        while (true) {
            pause(pause);
            waited += pause;
            UploadProgressReply reply;
            try {
                reply = UpdatesGrpc.newBlockingStub(channels.get())
                        .withWaitForReady()
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .uploadProgress(request);
            } catch (StatusRuntimeException e) {
                log.warn(
                        "cannot ask the coordinator how much of the upload it holds ({}); starting over",
                        e.getStatus());
                return 0;
            }
            if (!reply.getStillReceiving() || waited >= STILL_RECEIVING_WAIT_MILLIS) {
                return reply.getValuesReceived();
            }
            pause = FIRST_RESUME_PAUSE_MILLIS;
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("upload interrupted", e);
        }
    }

    private static UpdateManifest parse(byte[] manifestBytes) {
        try {
            return UpdateManifest.parseFrom(manifestBytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an UpdateManifest", e);
        }
    }

    /**
     * One upload stream from value {@code from}. Chunks are handed to gRPC only while the call is
     * ready (its outbound buffer has room), so a slow link never makes the agent buffer the
     * whole update in memory: at most about one chunk waits beyond gRPC's window.
     */
    private static UploadReceipt streamFrom(
            Channel channel,
            byte[] manifestBytes,
            byte[] signature,
            int length,
            BiFunction<Integer, Integer, ByteBuffer> chunk,
            long from) {
        var done = new CompletableFuture<UploadReceipt>();
        var ready = new ReadySignal();
        var call = new AtomicReference<ClientCallStreamObserver<UpdatePart>>();
        UpdatesGrpc.newStub(channel)
                .withDeadlineAfter(10, TimeUnit.MINUTES)
                .upload(new ClientResponseObserver<UpdatePart, UploadReceipt>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<UpdatePart> requestStream) {
                        call.set(requestStream);
                        requestStream.setOnReadyHandler(ready::signal);
                    }

                    @Override
                    public void onNext(UploadReceipt r) {
                        done.complete(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                        ready.signal();
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(UploadReceipt.getDefaultInstance());
                        ready.signal();
                    }
                });
        ClientCallStreamObserver<UpdatePart> out = call.get();
        out.onNext(UpdatePart.newBuilder()
                .setHeader(UpdateHeader.newBuilder()
                        .setManifest(ByteString.copyFrom(manifestBytes))
                        .setSignature(ByteString.copyFrom(signature))
                        .setResumeFrom(from))
                .build());
        for (long off = from; off < length && !done.isDone(); off += ProtocolLimits.CHUNK_VALUES) {
            ready.awaitReady(out, done);
            if (done.isDone()) {
                break;
            }
            int n = (int) Math.min(ProtocolLimits.CHUNK_VALUES, length - off);
            out.onNext(UpdatePart.newBuilder()
                    .setChunk(TensorChunk.newBuilder()
                            .setOffset(off)
                            .setData(ByteString.copyFrom(chunk.apply((int) off, n))))
                    .build());
        }
        if (!done.isDone()) {
            out.onCompleted();
        }
        try {
            return done.get(10, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.cancel("agent interrupted", e);
            throw new IllegalStateException("upload interrupted", e);
        } catch (TimeoutException e) {
            out.cancel("no receipt within 10 minutes", e);
            throw new IllegalStateException("upload timed out", e);
        }
    }

    /** Wakes the uploading thread when gRPC says the call can take more, or the call has ended. */
    private static final class ReadySignal {
        private final Object lock = new Object();

        void signal() {
            synchronized (lock) {
                lock.notifyAll();
            }
        }

        void awaitReady(ClientCallStreamObserver<?> call, CompletableFuture<?> done) {
            synchronized (lock) {
                while (!call.isReady() && !done.isDone()) {
                    try {
                        lock.wait(1000); // bounded: a missed signal costs at most a second
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        call.cancel("agent interrupted", e);
                        throw new IllegalStateException("upload interrupted", e);
                    }
                }
            }
        }
    }

    static ByteBuffer encode(float[] values, int from, int count) {
        ByteBuffer buf =
                ByteBuffer.allocate(count * ProtocolLimits.FLOAT32_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            buf.putFloat(values[from + i]);
        }
        return buf.flip();
    }

    static byte[] digest(float[] values) {
        return digest(TransferEncoding.Float32.INSTANCE, values);
    }

    /** SHA-256 of the payload as it travels: the chunks of {@code encoding}, concatenated. */
    static byte[] digest(TransferEncoding encoding, float[] values) {
        MessageDigest sha = ModelDownloader.sha256();
        for (int off = 0; off < values.length; off += ProtocolLimits.CHUNK_VALUES) {
            sha.update(encoding.encode(values, off, Math.min(ProtocolLimits.CHUNK_VALUES, values.length - off)));
        }
        return sha.digest();
    }
}
