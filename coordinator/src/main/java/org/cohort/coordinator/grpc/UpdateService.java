package org.cohort.coordinator.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import org.cohort.coordinator.config.CoordinatorProperties;
import org.cohort.coordinator.round.RoundOrchestrator;
import org.cohort.coordinator.round.RoundState;
import org.cohort.coordinator.round.UploadChecks;
import org.cohort.coordinator.round.UploadRejection;
import org.cohort.coordinator.round.UploadRejection.Reason;
import org.cohort.coordinator.site.SiteRepository;
import org.cohort.crypto.signature.SignatureVerifier;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.protocol.v1.TensorChunk;
import org.cohort.protocol.v1.UpdateManifest;
import org.cohort.protocol.v1.UpdatePart;
import org.cohort.protocol.v1.UpdatesGrpc;
import org.cohort.protocol.v1.UploadReceipt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Receives a site's update: the signed manifest is verified and checked against the round
 * before any value is read; values are then checked chunk by chunk (order, length, finite)
 * and spooled to disk while their digest is computed. Only a complete, verified update is
 * folded into the round's sum, so a bad upload can never leave half of itself in the
 * aggregate. A selected site whose upload is rejected is dropped from the round, so the
 * round completes with the others instead of waiting for the deadline.
 */
@Component
public class UpdateService extends UpdatesGrpc.UpdatesImplBase {
    private static final Logger log = LoggerFactory.getLogger(UpdateService.class);

    private final RoundOrchestrator orchestrator;
    private final SiteRepository sites;
    private final Path spoolRoot;

    public UpdateService(RoundOrchestrator orchestrator, SiteRepository sites, CoordinatorProperties props) {
        this.orchestrator = orchestrator;
        this.sites = sites;
        this.spoolRoot = props.dataDir().resolve("spool");
    }

    @Override
    public StreamObserver<UpdatePart> upload(StreamObserver<UploadReceipt> response) {
        return new Upload(SiteContext.siteId(), response);
    }

    private final class Upload implements StreamObserver<UpdatePart> {
        private final String site;
        private final StreamObserver<UploadReceipt> response;
        private UpdateManifest manifest;
        private MessageDigest sha;
        private FileChannel spool;
        private Path spoolFile;
        private long received;
        private boolean finished;

        Upload(String site, StreamObserver<UploadReceipt> response) {
            this.site = site;
            this.response = response;
        }

        @Override
        public void onNext(UpdatePart part) {
            if (finished) {
                return;
            }
            try {
                switch (part.getKindCase()) {
                    case HEADER -> header(part.getHeader().getManifest().toByteArray(),
                            part.getHeader().getSignature().toByteArray());
                    case CHUNK -> chunk(part.getChunk());
                    default -> throw new UploadRejection(Reason.MALFORMED, "empty upload part").asException();
                }
            } catch (UploadRejection.Exception e) {
                fail(e.rejection());
            }
        }

        private void header(byte[] manifestBytes, byte[] signature) {
            if (manifest != null) {
                throw new UploadRejection(Reason.MALFORMED, "the upload sent a second header").asException();
            }
            UpdateManifest m;
            try {
                m = UpdateManifest.parseFrom(manifestBytes);
            } catch (InvalidProtocolBufferException e) {
                throw new UploadRejection(Reason.MALFORMED, "update manifest is not a valid UpdateManifest").asException();
            }
            if (!m.getSiteId().equals(site)) {
                throw new UploadRejection(Reason.SITE_MISMATCH, "manifest names site '" + m.getSiteId()
                        + "' but the caller's certificate is site '" + site + "'").asException();
            }
            byte[] key = sites.find(site).orElseThrow().updateSigningPublicKey();
            if (!SignatureVerifier.ed25519(key).verify(manifestBytes, signature)) {
                // Tampered in transit or signed with another key: this is not the site's update.
                manifest = m;
                throw new UploadRejection(Reason.BAD_SIGNATURE, "update signature does not verify with site "
                        + site + "'s enrolled update-signing key").asException();
            }
            manifest = m;
            RoundState round = orchestrator.round(m.getRoundId());
            var problem = UploadChecks.check(round, m, site, round == null ? -1 : orchestrator.modelLength(round));
            if (problem.isPresent()) {
                throw problem.get().asException();
            }
            sha = sha256();
            try {
                Path dir = Files.createDirectories(spoolRoot.resolve(m.getRoundId()));
                spoolFile = dir.resolve(site + ".f32");
                spool = FileChannel.open(spoolFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
            } catch (IOException e) {
                throw storageFull(e);
            }
        }

        private void chunk(TensorChunk chunk) {
            if (manifest == null || spool == null) {
                throw new UploadRejection(Reason.MALFORMED, "the first upload part must be the signed header")
                        .asException();
            }
            if (chunk.getOffset() != received) {
                throw new UploadRejection(Reason.MALFORMED, "chunk at offset " + chunk.getOffset()
                        + " arrived where offset " + received + " was expected; send chunks in order").asException();
            }
            var data = chunk.getData();
            if (data.size() % ProtocolLimits.FLOAT32_BYTES != 0) {
                throw new UploadRejection(Reason.MALFORMED, "chunk length " + data.size()
                        + " is not a multiple of 4 bytes").asException();
            }
            int values = data.size() / ProtocolLimits.FLOAT32_BYTES;
            if (received + values > manifest.getNumParameters()) {
                throw new UploadRejection(Reason.WRONG_LENGTH, "update has more values than the "
                        + manifest.getNumParameters() + " its manifest declares").asException();
            }
            ByteBuffer buf = data.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            boolean floats = manifest.getEncoding() == org.cohort.protocol.v1.TensorEncoding.FLOAT32_LE;
            for (int i = 0; floats && i < values; i++) {
                float v = buf.getFloat(i * ProtocolLimits.FLOAT32_BYTES);
                if (!Float.isFinite(v)) {
                    throw new UploadRejection(Reason.NON_FINITE, "update value at index " + (received + i) + " is "
                            + v + "; updates must be finite (check the site's training for divergence)").asException();
                }
            }
            sha.update(data.asReadOnlyByteBuffer());
            try {
                ByteBuffer bytes = data.asReadOnlyByteBuffer();
                while (bytes.hasRemaining()) {
                    spool.write(bytes);
                }
            } catch (IOException e) {
                throw storageFull(e);
            }
            received += values;
        }

        @Override
        public void onError(Throwable t) {
            cleanup();
        }

        @Override
        public void onCompleted() {
            if (finished) {
                return;
            }
            try {
                if (manifest == null) {
                    throw new UploadRejection(Reason.MALFORMED, "the upload ended before its header").asException();
                }
                if (received != manifest.getNumParameters()) {
                    throw new UploadRejection(Reason.WRONG_LENGTH, "update ended after " + received
                            + " values but its manifest declares " + manifest.getNumParameters()).asException();
                }
                if (manifest.getNumParameters() > 0
                        && !MessageDigest.isEqual(sha.digest(), manifest.getPayloadSha256().toByteArray())) {
                    throw new UploadRejection(Reason.DIGEST_MISMATCH,
                            "the values received do not match the signed payload digest").asException();
                }
                closeSpool();
                orchestrator.accept(manifest, site, spoolFile);
                finished = true;
                response.onNext(UploadReceipt.newBuilder().setAccepted(true)
                        .setMessage("update accepted for round " + manifest.getRoundId()).build());
                response.onCompleted();
            } catch (UploadRejection.Exception e) {
                fail(e.rejection());
            } catch (RuntimeException e) {
                log.error("upload from {} failed", site, e);
                cleanup();
                finished = true;
                response.onError(Status.INTERNAL.withDescription("coordinator error: " + e.getMessage())
                        .asRuntimeException());
            }
        }

        private void fail(UploadRejection rejection) {
            finished = true;
            cleanup();
            log.warn("rejected upload from site {}: {}", site, rejection.message());
            // Only a site's own, authenticated attempt at the current round drops it from that round;
            // a replay or an upload for a closed round changes nothing.
            if (manifest != null && manifest.getSiteId().equals(site) && switch (rejection.reason()) {
                case WRONG_LENGTH, NON_FINITE, DIGEST_MISMATCH, WRONG_ENCODING, BAD_EXAMPLE_COUNT, MALFORMED,
                     WRONG_BASE_VERSION, BAD_SIGNATURE -> true;
                default -> false;
            }) {
                RoundState round = orchestrator.round(manifest.getRoundId());
                if (round != null && java.security.MessageDigest.isEqual(round.nonce(), manifest.getNonce().toByteArray())) {
                    orchestrator.dropSite(manifest.getRoundId(), site, "REJECTED", rejection.message());
                }
            }
            response.onError(status(rejection).withDescription(rejection.message()).asRuntimeException());
        }

        private UploadRejection.Exception storageFull(IOException e) {
            return new UploadRejection(Reason.STORAGE_FULL, "coordinator could not spool the update under "
                    + spoolRoot + ": " + e.getMessage() + "; the site may retry once the operator frees disk space")
                    .asException();
        }

        private void closeSpool() {
            try {
                if (spool != null) {
                    spool.close();
                }
            } catch (IOException ignored) {
                // the data was written; a close failure only leaks a descriptor
            }
        }

        private void cleanup() {
            closeSpool();
            try {
                if (spoolFile != null) {
                    Files.deleteIfExists(spoolFile);
                }
            } catch (IOException ignored) {
                // removed with the round's spool directory
            }
        }
    }

    static Status status(UploadRejection r) {
        return switch (r.reason()) {
            case NOT_SELECTED, SITE_MISMATCH -> Status.PERMISSION_DENIED;
            case BAD_SIGNATURE -> Status.UNAUTHENTICATED;
            case UNKNOWN_ROUND -> Status.NOT_FOUND;
            case ROUND_CLOSED, REPLAYED_NONCE, WRONG_BASE_VERSION -> Status.FAILED_PRECONDITION;
            case ALREADY_REPORTED -> Status.ALREADY_EXISTS;
            case STORAGE_FULL -> Status.RESOURCE_EXHAUSTED;
            case MALFORMED, WRONG_LENGTH, WRONG_ENCODING, BAD_EXAMPLE_COUNT, DIGEST_MISMATCH, NON_FINITE ->
                    Status.INVALID_ARGUMENT;
        };
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
