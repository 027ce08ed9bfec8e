package org.cohort.agent;

import io.grpc.Channel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.cohort.crypto.signature.SignatureVerifier;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.protocol.transfer.TransferEncoding;
import org.cohort.protocol.v1.ModelManifest;
import org.cohort.protocol.v1.ModelPart;
import org.cohort.protocol.v1.ModelRequest;
import org.cohort.protocol.v1.ModelsGrpc;
import org.cohort.protocol.v1.RoundTask;

/**
 * Downloads a model version and refuses it unless the coordinator's signature over its
 * manifest verifies and the parameters match the signed digest (and the task's digest). A study
 * with a compact transfer encoding sends the model as float16 or int8: the signed manifest then
 * names the encoded payload's digest and, as {@code source_sha256}, the float32 model's, which must
 * be the task's; the site trains from the decoded values and its update is relative to them.
 */
final class ModelDownloader {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ModelDownloader.class);

    private final SignatureVerifier modelKey;

    ModelDownloader(byte[] modelSigningPublicKey) {
        this.modelKey = SignatureVerifier.ed25519(modelSigningPublicKey);
    }

    record VerifiedModel(ModelManifest manifest, float[] parameters) {}

    /** Thrown when a model must not be loaded; the message says why. */
    static final class ModelRejectedException extends RuntimeException {
        ModelRejectedException(String message) {
            super(message);
        }
    }

    /** Interruptions of one download that are resumed from where they stopped before giving up. */
    static final int MAX_RESUMES = 3;

    /** What a download has received so far, kept across resumed attempts. */
    private static final class Progress {
        byte[] manifestBytes;
        ModelManifest manifest;
        float[] params;
        TransferEncoding encoding;
        final MessageDigest sha = sha256();
        long next;
    }

    VerifiedModel download(Channel channel, RoundTask task) {
        var progress = new Progress();
        for (int resumes = 0; ; resumes++) {
            try {
                return downloadFrom(channel, task, progress);
            } catch (io.grpc.StatusRuntimeException e) {
                var code = e.getStatus().getCode();
                boolean transientFailure = code == io.grpc.Status.Code.UNAVAILABLE
                        || code == io.grpc.Status.Code.DEADLINE_EXCEEDED
                        || code == io.grpc.Status.Code.ABORTED;
                if (!transientFailure || progress.manifest == null || resumes >= MAX_RESUMES) {
                    throw e;
                }
                log.warn(
                        "model download of study {} version {} interrupted after {} values ({}); resuming",
                        task.getStudyId(),
                        task.getModelVersion(),
                        progress.next,
                        e.getStatus());
            }
        }
    }

    private VerifiedModel downloadFrom(Channel channel, RoundTask task, Progress progress) {
        var parts = ModelsGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.MINUTES)
                .download(ModelRequest.newBuilder()
                        .setStudyId(task.getStudyId())
                        .setVersion(task.getModelVersion())
                        .setFromOffset(progress.next)
                        .build());
        if (!parts.hasNext()) {
            throw new ModelRejectedException("coordinator sent no model header");
        }
        ModelPart first = parts.next();
        if (!first.hasHeader()) {
            throw new ModelRejectedException("model stream did not start with its signed header");
        }
        byte[] manifestBytes = first.getHeader().getManifest().toByteArray();
        if (!modelKey.verify(manifestBytes, first.getHeader().getSignature().toByteArray())) {
            throw new ModelRejectedException("model signature does not verify with the coordinator's model-signing key;"
                    + " refusing to load model version " + task.getModelVersion());
        }
        if (progress.manifestBytes != null && !java.util.Arrays.equals(progress.manifestBytes, manifestBytes)) {
            throw new ModelRejectedException("the model's signed manifest changed while its download was resumed");
        }
        if (progress.manifest == null) {
            ModelManifest manifest;
            try {
                manifest = ModelManifest.parseFrom(manifestBytes);
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new ModelRejectedException("signed model manifest is malformed");
            }
            if (!manifest.getStudyId().equals(task.getStudyId()) || manifest.getVersion() != task.getModelVersion()) {
                throw new ModelRejectedException("signed manifest is for study " + manifest.getStudyId() + " version "
                        + manifest.getVersion() + ", not the task's " + task.getStudyId() + " version "
                        + task.getModelVersion());
            }
            if (manifest.getNumParameters() > ProtocolLimits.MAX_PARAMETERS) {
                throw new ModelRejectedException(
                        "model has " + manifest.getNumParameters() + " parameters, above the limit");
            }
            try {
                progress.encoding = TransferEncoding.of(manifest.getEncoding(), manifest.getBlockSize());
            } catch (IllegalArgumentException e) {
                throw new ModelRejectedException("model payload encoding is unusable: " + e.getMessage());
            }
            progress.manifestBytes = manifestBytes;
            progress.manifest = manifest;
            progress.params = new float[(int) manifest.getNumParameters()];
        }
        float[] params = progress.params;
        while (parts.hasNext()) {
            var part = parts.next();
            if (!part.hasChunk() || part.getChunk().getOffset() != progress.next) {
                throw new ModelRejectedException("model chunks arrived out of order");
            }
            var data = part.getChunk().getData();
            int values;
            try {
                values = progress.encoding.valuesIn(progress.next, data.size(), params.length);
                progress.encoding.decode(data.asReadOnlyByteBuffer(), values, params, (int) progress.next);
            } catch (IllegalArgumentException e) {
                throw new ModelRejectedException("model payload is malformed: " + e.getMessage());
            }
            progress.sha.update(data.asReadOnlyByteBuffer());
            progress.next += values;
        }
        if (progress.next != params.length) {
            throw new ModelRejectedException(
                    "model payload ended after " + progress.next + " of " + params.length + " values");
        }
        byte[] digest = progress.sha.digest();
        if (!MessageDigest.isEqual(digest, progress.manifest.getPayloadSha256().toByteArray())) {
            throw new ModelRejectedException("model parameters do not match the signed digest");
        }
        // An encoded download's manifest vouches, signed, for the float32 model the task names.
        byte[] named = progress.encoding instanceof TransferEncoding.Float32
                ? digest
                : progress.manifest.getSourceSha256().toByteArray();
        if (!MessageDigest.isEqual(named, task.getModelDigest().toByteArray())) {
            throw new ModelRejectedException(
                    "model digest " + HexFormat.of().formatHex(named) + " differs from the one in the round task");
        }
        return new VerifiedModel(progress.manifest, params);
    }

    /**
     * SCAFFOLD's server control variate c of the task's model version: {@code numParameters}
     * finite values after the version's signed header (which names the task's study and version).
     * c carries no digest of its own: a coordinator that forged it could only steer training, as it
     * could with the model, and the correction built from it reads no patient's data whatever it is.
     */
    float[] controlVariate(Channel channel, RoundTask task, int numParameters) {
        var parts = ModelsGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.MINUTES)
                .download(ModelRequest.newBuilder()
                        .setStudyId(task.getStudyId())
                        .setVersion(task.getModelVersion())
                        .setControlVariate(true)
                        .build());
        if (!parts.hasNext()) {
            throw new ModelRejectedException("coordinator sent no header for the control variate");
        }
        ModelPart first = parts.next();
        if (!first.hasHeader()) {
            throw new ModelRejectedException("the control-variate stream did not start with the version's header");
        }
        byte[] manifestBytes = first.getHeader().getManifest().toByteArray();
        if (!modelKey.verify(manifestBytes, first.getHeader().getSignature().toByteArray())) {
            throw new ModelRejectedException(
                    "the control variate's header does not verify with the coordinator's" + " model-signing key");
        }
        ModelManifest manifest;
        try {
            manifest = ModelManifest.parseFrom(manifestBytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new ModelRejectedException("the control variate's signed manifest is malformed");
        }
        if (!manifest.getStudyId().equals(task.getStudyId())
                || manifest.getVersion() != task.getModelVersion()
                || manifest.getNumParameters() != numParameters) {
            throw new ModelRejectedException("the control variate came with the header of study "
                    + manifest.getStudyId() + " version " + manifest.getVersion() + " (" + manifest.getNumParameters()
                    + " parameters), not the task's model");
        }
        float[] c = new float[numParameters];
        int next = 0;
        while (parts.hasNext()) {
            var part = parts.next();
            if (!part.hasChunk() || part.getChunk().getOffset() != next) {
                throw new ModelRejectedException("control-variate chunks arrived out of order");
            }
            var data = part.getChunk().getData();
            int values = data.size() / ProtocolLimits.FLOAT32_BYTES;
            if (data.size() % 4 != 0 || next + values > numParameters) {
                throw new ModelRejectedException("the control variate is longer than the model");
            }
            data.asReadOnlyByteBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .get(c, next, values);
            next += values;
        }
        if (next != numParameters) {
            throw new ModelRejectedException(
                    "the control variate ended after " + next + " of " + numParameters + " values");
        }
        for (float v : c) {
            if (!Float.isFinite(v)) {
                throw new ModelRejectedException("the control variate holds " + v + "; nothing is trained with it");
            }
        }
        return c;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static ByteBuffer littleEndian(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
