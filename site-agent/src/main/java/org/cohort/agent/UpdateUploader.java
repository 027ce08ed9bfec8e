package org.cohort.agent;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.cohort.crypto.signature.UpdateSigner;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.protocol.v1.SiteMetrics;
import org.cohort.protocol.v1.TensorChunk;
import org.cohort.protocol.v1.TensorEncoding;
import org.cohort.protocol.v1.UpdateHeader;
import org.cohort.protocol.v1.UpdateManifest;
import org.cohort.protocol.v1.UpdatePart;
import org.cohort.protocol.v1.UpdatesGrpc;
import org.cohort.protocol.v1.UploadReceipt;
import org.cohort.protocol.v1.RoundTask;

/** Signs an update's manifest and streams the values in chunks. */
final class UpdateUploader {
    private final String siteId;
    private final UpdateSigner signer;

    UpdateUploader(String siteId, UpdateSigner signer) {
        this.siteId = siteId;
        this.signer = signer;
    }

    /** The manifest this site signs for a task outcome. */
    UpdateManifest manifest(RoundTask task, LocalLearner.Outcome outcome) {
        var b = UpdateManifest.newBuilder()
                .setSiteId(siteId).setStudyId(task.getStudyId()).setRoundId(task.getRoundId())
                .setRoundNumber(task.getRoundNumber()).setNonce(task.getNonce())
                .setBaseModelVersion(task.getModelVersion())
                .setExampleCount(outcome.exampleCount())
                .setMetrics(SiteMetrics.newBuilder().setTrainLoss(outcome.trainLoss())
                        .setTestAccuracy(outcome.testAccuracy()).setTestLoss(outcome.testLoss())
                        .setTestExamples(outcome.testExamples()).setTestCorrect(outcome.testCorrect())
                        .setTrainMillis(outcome.trainMillis()));
        if (outcome.privacy() != null) {
            b.setPrivacy(outcome.privacy().toProto());
        }
        if (outcome.delta() != null) {
            b.setNumParameters(outcome.delta().length).setEncoding(TensorEncoding.FLOAT32_LE)
                    .setPayloadSha256(ByteString.copyFrom(digest(outcome.delta())));
        }
        return b.build();
    }

    UploadReceipt upload(Channel channel, UpdateManifest manifest, float[] values) {
        byte[] manifestBytes = manifest.toByteArray();
        return send(channel, manifestBytes, signer.sign(manifestBytes), values);
    }

    /** Streams header and chunks as given; exposed so tests can send what a broken or hostile agent would. */
    static UploadReceipt send(Channel channel, byte[] manifestBytes, byte[] signature, float[] values) {
        return stream(channel, manifestBytes, signature, values == null ? 0 : values.length,
                (off, n) -> encode(values, off, n));
    }

    /** A masked input of secure aggregation: ring elements, little-endian. */
    static UploadReceipt sendRing(Channel channel, byte[] manifestBytes, byte[] signature, int[] values) {
        return stream(channel, manifestBytes, signature, values.length, (off, n) -> encodeInts(values, off, n));
    }

    static ByteBuffer encodeInts(int[] values, int from, int count) {
        ByteBuffer buf = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            buf.putInt(values[from + i]);
        }
        return buf.flip();
    }

    private static UploadReceipt stream(Channel channel, byte[] manifestBytes, byte[] signature, int length,
                                        java.util.function.BiFunction<Integer, Integer, ByteBuffer> chunk) {
        var done = new CompletableFuture<UploadReceipt>();
        StreamObserver<UpdatePart> out = UpdatesGrpc.newStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES)
                .upload(new StreamObserver<>() {
                    @Override
                    public void onNext(UploadReceipt r) {
                        done.complete(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(UploadReceipt.getDefaultInstance());
                    }
                });
        out.onNext(UpdatePart.newBuilder().setHeader(UpdateHeader.newBuilder()
                .setManifest(ByteString.copyFrom(manifestBytes)).setSignature(ByteString.copyFrom(signature))).build());
        for (int off = 0; off < length && !done.isDone(); off += ProtocolLimits.CHUNK_VALUES) {
            int n = Math.min(ProtocolLimits.CHUNK_VALUES, length - off);
            out.onNext(UpdatePart.newBuilder().setChunk(TensorChunk.newBuilder().setOffset(off)
                    .setData(ByteString.copyFrom(chunk.apply(off, n)))).build());
        }
        out.onCompleted();
        try {
            return done.get(10, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("upload interrupted", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("upload timed out", e);
        }
    }

    static ByteBuffer encode(float[] values, int from, int count) {
        ByteBuffer buf = ByteBuffer.allocate(count * ProtocolLimits.FLOAT32_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            buf.putFloat(values[from + i]);
        }
        return buf.flip();
    }

    static byte[] digest(float[] values) {
        MessageDigest sha = ModelDownloader.sha256();
        for (int off = 0; off < values.length; off += ProtocolLimits.CHUNK_VALUES) {
            sha.update(encode(values, off, Math.min(ProtocolLimits.CHUNK_VALUES, values.length - off)));
        }
        return sha.digest();
    }
}
