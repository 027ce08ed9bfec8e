package org.cohort.coordinator.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.cohort.coordinator.config.CoordinatorProperties;
import org.cohort.coordinator.round.UploadIntake;
import org.cohort.coordinator.round.UploadRejection;
import org.cohort.coordinator.round.UploadRejection.Reason;
import org.cohort.crypto.pki.PrivateDirectories;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.protocol.transfer.TransferEncoding;
import org.cohort.protocol.v1.TensorChunk;
import org.cohort.protocol.v1.UpdateManifest;
import org.cohort.protocol.v1.UpdatePart;
import org.cohort.protocol.v1.UpdatesGrpc;
import org.cohort.protocol.v1.UploadProgressReply;
import org.cohort.protocol.v1.UploadProgressRequest;
import org.cohort.protocol.v1.UploadReceipt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Receives a site's update: the signed manifest is verified and checked against the round
 * before any value is read; values are then checked chunk by chunk (order, length, finite)
 * and spooled to disk while their digest is computed. Only a complete, verified update is
 * folded into the round's sum, so a bad upload can never leave half of itself in the
 * aggregate. A complete, verified training update of a DP study is charged to its site as soon
 * as it is in (see {@link UploadIntake#accept}); one the study's budget cannot pay for is
 * refused at its header, before any value is read. A selected site whose upload is rejected is dropped from the round, so the
 * round completes with the others instead of waiting for the deadline.
 *
 * <p>An upload that breaks off (connection lost, agent cancelled) keeps what was verified and
 * spooled, so the site can ask {@code UploadProgress} and resume from there with the same
 * signed manifest; the digest state travels with it, so the final check still covers every
 * value. One interrupted upload per site and round is kept, and only on this replica.
 * Inbound flow control is gRPC's: the next chunk is requested only after this one is written.
 *
 * <p>In a plain round of a site-level DP study the update's L2 norm is summed as values arrive
 * and an update above the study's clip norm C is refused at the first chunk that takes it over,
 * naming the site and both numbers. Refused, not clipped here: an honest agent clips before it
 * signs, so an update over C is a broken or hostile site, and its admin should hear of it rather
 * than have it silently reshaped; the sum that is noised then holds only updates of norm ≤ C, the
 * sensitivity the noise and the ledger are computed for.
 */
@Component
public class UpdateService extends UpdatesGrpc.UpdatesImplBase {
    private static final Logger log = LoggerFactory.getLogger(UpdateService.class);

    private final UploadIntake intake;
    private final UploadSpool spoolDir;
    /** Uploads being received now, by site and round. */
    private final Map<String, Upload> inFlight = new ConcurrentHashMap<>();

    private static String key(String site, String roundId) {
        return UploadSpool.key(site, roundId);
    }

    /**
     * Removes what no upload can use any more (see {@link UploadSpool#sweep()}). Runs at start and
     * then every minute.
     */
    @Scheduled(initialDelay = 0, fixedDelay = 60_000)
    public void sweepSpool() {
        spoolDir.sweep();
    }

    public UpdateService(UploadIntake intake, CoordinatorProperties props) throws IOException {
        this.intake = intake;
        this.spoolDir =
                new UploadSpool(PrivateDirectories.create(props.dataDir().resolve("spool")), intake::collecting);
    }

    @Override
    public StreamObserver<UpdatePart> upload(StreamObserver<UploadReceipt> response) {
        if (!intake.servesAgents()) {
            response.onError(outOfQuorum());
            return new StreamObserver<>() { // the rest of the stream is ignored
                @Override
                public void onNext(UpdatePart part) {}

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
            };
        }
        return new Upload(SiteContext.siteId(), response);
    }

    /** A replica cut off from the cluster's quorum takes no upload: the agent tries the next address in its list. */
    private static io.grpc.StatusRuntimeException outOfQuorum() {
        return Status.UNAVAILABLE
                .withDescription("this coordinator replica cannot reach a quorum of the cluster;"
                        + " upload to another address in coordinator.addresses")
                .asRuntimeException();
    }

    @Override
    public void uploadProgress(UploadProgressRequest request, StreamObserver<UploadProgressReply> response) {
        if (!intake.servesAgents()) {
            response.onError(outOfQuorum());
            return;
        }
        String key = key(SiteContext.siteId(), request.getRoundId());
        byte[] payload = request.getPayloadSha256().toByteArray();
        var reply = UploadProgressReply.newBuilder();
        Upload active = inFlight.get(key);
        UploadSpool.Interrupted held = spoolDir.held(key);
        if (active != null) {
            // Any stream of this site and round still being received blocks a new one, whatever it carries.
            boolean same =
                    MessageDigest.isEqual(active.manifest.getPayloadSha256().toByteArray(), payload);
            reply.setValuesReceived(same ? active.received : 0).setStillReceiving(true);
        } else if (held != null
                && MessageDigest.isEqual(held.payloadSha256(), payload)
                && Files.isRegularFile(held.spoolFile())) {
            reply.setValuesReceived(held.received());
        }
        response.onNext(reply.build());
        response.onCompleted();
    }

    private final class Upload implements StreamObserver<UpdatePart> {
        private final String site;
        private final StreamObserver<UploadReceipt> response;
        private volatile UpdateManifest manifest;
        /** The manifest as the site signed it, and its signature: kept with the ledger charge. */
        private byte[] manifestBytes;

        private byte[] signature;
        private MessageDigest sha;
        private FileChannel spool;
        private Path spoolFile;
        /** Read by UploadProgress from other threads. */
        private volatile long received;

        private boolean finished;
        /** How the plain values travel (float32 unless the study chose a compact transfer encoding). */
        private TransferEncoding plain = TransferEncoding.Float32.INSTANCE;
        /** Bytes received on the wire by this stream (what the transfer encoding saves shows here). */
        private long wireBytes;
        /** The L2 bound this update must keep, when the round has one the coordinator can check. */
        private java.util.OptionalDouble normBound = java.util.OptionalDouble.empty();
        /** Σ v² over the values received so far (in double, in arrival order, as the agent's clipping sums). */
        private double sumOfSquares;

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
                    case HEADER ->
                        header(
                                part.getHeader().getManifest().toByteArray(),
                                part.getHeader().getSignature().toByteArray(),
                                part.getHeader().getResumeFrom());
                    case CHUNK -> chunk(part.getChunk());
                    default -> throw new UploadRejection(Reason.MALFORMED, "empty upload part").asException();
                }
            } catch (UploadRejection.Exception e) {
                fail(e.rejection());
            }
        }

        private void header(byte[] manifestBytes, byte[] signature, long resumeFrom) {
            if (manifest != null) {
                throw new UploadRejection(Reason.MALFORMED, "the upload sent a second header").asException();
            }
            UpdateManifest m = intake.read(site, manifestBytes);
            // From here a refusal is the site's own signed attempt (or a forgery of it): see fail().
            manifest = m;
            normBound = intake.admit(site, m, manifestBytes, signature);
            if (m.getEncoding() != org.cohort.protocol.v1.TensorEncoding.UINT32_RING_LE
                    && m.getEncoding() != org.cohort.protocol.v1.TensorEncoding.UINT16_RING_LE
                    && m.getNumParameters() > 0) {
                try {
                    plain = TransferEncoding.of(m.getEncoding(), m.getBlockSize());
                } catch (IllegalArgumentException e) { // admitted only as the study says, so a broken manifest
                    throw new UploadRejection(Reason.WRONG_ENCODING, e.getMessage()).asException();
                }
            }
            this.manifestBytes = manifestBytes;
            this.signature = signature;
            if (inFlight.putIfAbsent(key(site, m.getRoundId()), this) != null) {
                manifest = null; // not this stream's upload: leave the other one's spool alone
                throw new UploadRejection(
                                Reason.STILL_RECEIVING,
                                "the coordinator is still receiving an earlier"
                                        + " stream of this site's upload for round " + m.getRoundId()
                                        + "; ask UploadProgress again"
                                        + " shortly and resume from there")
                        .asException();
            }
            if (resumeFrom != 0) {
                resume(m, resumeFrom);
                return;
            }
            UploadSpool.Interrupted earlier = spoolDir.release(key(site, m.getRoundId())); // a fresh upload replaces it
            if (earlier != null && !earlier.spoolFile().equals(spoolDir.file(m.getRoundId(), site))) {
                UploadSpool.deleteQuietly(earlier.spoolFile());
            }
            sha = sha256();
            try {
                PrivateDirectories.create(spoolDir.root()); // normally there already; an operator may have removed it
                spoolFile = spoolDir.file(m.getRoundId(), site);
                spool = FileChannel.open(
                        spoolFile,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
            } catch (IOException e) {
                throw storageFull(e);
            }
        }

        /** Continues an interrupted upload of the same signed manifest from what is already spooled. */
        private void resume(UpdateManifest m, long resumeFrom) {
            UploadSpool.Interrupted held = spoolDir.held(key(site, m.getRoundId()));
            long holds = held == null || !Files.isRegularFile(held.spoolFile()) ? 0 : held.received();
            boolean samePayload = held != null
                    && MessageDigest.isEqual(held.nonce(), m.getNonce().toByteArray())
                    && MessageDigest.isEqual(
                            held.payloadSha256(), m.getPayloadSha256().toByteArray());
            if (samePayload && holds == resumeFrom) {
                io.micrometer.core.instrument.Metrics.counter("cohort.upload.resumes")
                        .increment();
            }
            if (!samePayload || holds != resumeFrom) {
                throw new UploadRejection(
                                Reason.RESUME_MISMATCH,
                                "cannot resume the upload for round "
                                        + m.getRoundId() + " at value " + resumeFrom + ": the coordinator holds "
                                        + (samePayload
                                                ? holds + " values of it"
                                                : "no interrupted upload of this update")
                                        + "; ask UploadProgress for the offset, or start again from 0")
                        .asException();
            }
            try {
                if (Files.size(held.spoolFile()) != held.received() * ProtocolLimits.FLOAT32_BYTES) {
                    spoolDir.release(key(site, m.getRoundId()));
                    UploadSpool.deleteQuietly(held.spoolFile());
                    throw new UploadRejection(
                                    Reason.RESUME_MISMATCH,
                                    "the spooled part of the interrupted upload" + " for round " + m.getRoundId()
                                            + " is damaged; start again from 0")
                            .asException();
                }
                spoolFile = held.spoolFile();
                spool = FileChannel.open(spoolFile, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw storageFull(e);
            }
            spoolDir.release(key(site, m.getRoundId()));
            sha = held.sha();
            received = held.received();
            sumOfSquares = held.sumOfSquares();
            log.info(
                    "site {} resumes its upload for round {} at value {} of {}",
                    site,
                    m.getRoundId(),
                    received,
                    m.getNumParameters());
        }

        private void chunk(TensorChunk chunk) {
            if (manifest == null || spool == null) {
                throw new UploadRejection(Reason.MALFORMED, "the first upload part must be the signed header")
                        .asException();
            }
            intake.refuseIfRevoked(site); // a revocation stops an upload in flight at its next chunk
            if (chunk.getOffset() != received) {
                throw new UploadRejection(
                                Reason.MALFORMED,
                                "chunk at offset " + chunk.getOffset() + " arrived where offset " + received
                                        + " was expected; send chunks in order")
                        .asException();
            }
            var data = chunk.getData();
            boolean narrowRing = manifest.getEncoding() == org.cohort.protocol.v1.TensorEncoding.UINT16_RING_LE;
            boolean ring = narrowRing || manifest.getEncoding() == org.cohort.protocol.v1.TensorEncoding.UINT32_RING_LE;
            int values;
            try {
                values = ring
                        ? ringValues(data.size(), narrowRing ? 2 : 4)
                        : plain.valuesIn(received, data.size(), manifest.getNumParameters());
            } catch (IllegalArgumentException e) {
                boolean tooLong = e.getMessage().contains("past the");
                throw new UploadRejection(
                                tooLong ? Reason.WRONG_LENGTH : Reason.MALFORMED,
                                tooLong
                                        ? "update has more values than the " + manifest.getNumParameters()
                                                + " its manifest declares"
                                        : e.getMessage())
                        .asException();
            }
            ByteBuffer spooled = data.asReadOnlyByteBuffer();
            if (narrowRing) {
                // Zero-extended to the 32-bit ring elements the sum reads: the Z(2^32) sum's low 16 bits are the
                // Z(2^16) sum.
                ByteBuffer in = data.asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN);
                ByteBuffer wide = ByteBuffer.allocate(values * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < values; i++) {
                    wide.putInt(Short.toUnsignedInt(in.getShort()));
                }
                spooled = wide.flip();
            }
            if (!ring) {
                float[] decoded = decode(data.asReadOnlyByteBuffer(), values);
                for (int i = 0; i < values; i++) {
                    float v = decoded[i];
                    if (!Float.isFinite(v)) {
                        throw new UploadRejection(
                                        Reason.NON_FINITE,
                                        "update value at index " + (received + i) + " is " + v
                                                + "; updates must be finite (check the site's training for divergence)")
                                .asException();
                    }
                    sumOfSquares += (double) v * v;
                }
                if (!(plain instanceof TransferEncoding.Float32)) {
                    // The spool holds float32 whatever travelled: aggregation reads it as it always has.
                    spooled = TransferEncoding.Float32.INSTANCE.encode(decoded, 0, values);
                }
            }
            if (normBound.isPresent() && Math.sqrt(sumOfSquares) > normBound.getAsDouble()) {
                throw new UploadRejection(
                                Reason.OVER_NORM,
                                "the update of site " + site + " has L2 norm at least "
                                        + Math.sqrt(sumOfSquares) + " (after " + (received + values) + " of "
                                        + manifest.getNumParameters()
                                        + " values), above the study's site-level clip norm "
                                        + normBound.getAsDouble() + " ("
                                        + String.format(
                                                java.util.Locale.ROOT,
                                                "%.1f",
                                                Math.sqrt(sumOfSquares) / normBound.getAsDouble())
                                        + "× over); under site-level DP every"
                                        + " update must be clipped to the clip norm before it is sent")
                        .asException();
            }
            sha.update(data.asReadOnlyByteBuffer()); // the signed digest covers what travelled
            try {
                while (spooled.hasRemaining()) {
                    spool.write(spooled);
                }
            } catch (IOException e) {
                throw storageFull(e);
            }
            wireBytes += data.size();
            received += values;
        }

        private int ringValues(int bytes, int width) {
            if (bytes % width != 0) {
                throw new IllegalArgumentException(
                        "chunk length " + bytes + " is not a multiple of " + width + " bytes");
            }
            int values = bytes / width;
            if (received + values > manifest.getNumParameters()) {
                throw new IllegalArgumentException("past the manifest's length");
            }
            return values;
        }

        private float[] decode(ByteBuffer data, int values) {
            float[] out = new float[values];
            try {
                plain.decode(data, values, out, 0);
            } catch (IllegalArgumentException e) {
                throw new UploadRejection(Reason.MALFORMED, e.getMessage() + " (at value " + received + ")")
                        .asException();
            }
            return out;
        }

        /** This stream no longer receives: UploadProgress and new streams stop seeing it as active. */
        private void leave() {
            if (manifest != null) {
                inFlight.remove(key(site, manifest.getRoundId()), this);
            }
        }

        @Override
        public void onError(Throwable t) {
            if (!finished
                    && manifest != null
                    && spool != null
                    && received > 0
                    && received < manifest.getNumParameters()) {
                // Verified and spooled so far: keep it for a resume instead of making the site start over.
                closeSpool();
                spoolDir.forgetStale(site); // at most one per site, and none of closed rounds
                spoolDir.hold(
                        key(site, manifest.getRoundId()),
                        new UploadSpool.Interrupted(
                                manifest.getNonce().toByteArray(),
                                manifest.getPayloadSha256().toByteArray(),
                                received,
                                spoolFile,
                                sha,
                                sumOfSquares));
                log.info(
                        "upload from site {} for round {} broke off after {} of {} values ({}); kept for resume",
                        site,
                        manifest.getRoundId(),
                        received,
                        manifest.getNumParameters(),
                        Status.fromThrowable(t));
                leave();
                return;
            }
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
                    throw new UploadRejection(
                                    Reason.WRONG_LENGTH,
                                    "update ended after " + received + " values but its manifest declares "
                                            + manifest.getNumParameters())
                            .asException();
                }
                if (manifest.getNumParameters() > 0
                        && !MessageDigest.isEqual(
                                sha.digest(), manifest.getPayloadSha256().toByteArray())) {
                    throw new UploadRejection(
                                    Reason.DIGEST_MISMATCH,
                                    "the values received do not match the signed payload digest")
                            .asException();
                }
                closeSpool();
                intake.accept(manifest, manifestBytes, signature, site, spoolFile);
                io.micrometer.core.instrument.Metrics.counter("cohort.upload.bytes")
                        .increment((double) wireBytes);
                finished = true;
                leave();
                response.onNext(UploadReceipt.newBuilder()
                        .setAccepted(true)
                        .setMessage("update accepted for round " + manifest.getRoundId())
                        .build());
                response.onCompleted();
            } catch (UploadRejection.Exception e) {
                fail(e.rejection());
            } catch (RuntimeException e) {
                log.error("upload from {} failed", site, e);
                cleanup();
                finished = true;
                response.onError(Status.INTERNAL
                        .withDescription("coordinator error: " + e.getMessage())
                        .asRuntimeException());
            }
        }

        private void fail(UploadRejection rejection) {
            finished = true;
            cleanup();
            log.warn("rejected upload from site {}: {}", site, rejection.message());
            intake.refused(manifest, site, rejection);
            response.onError(
                    status(rejection).withDescription(rejection.message()).asRuntimeException());
        }

        private UploadRejection.Exception storageFull(IOException e) {
            return new UploadRejection(
                            Reason.STORAGE_FULL,
                            "coordinator could not spool the update under " + spoolDir.root() + ": " + e.getMessage()
                                    + "; the site may retry once the operator frees disk space")
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
            leave();
            closeSpool();
            try {
                if (spoolFile != null) {
                    Files.deleteIfExists(spoolFile);
                }
            } catch (IOException ignored) {
                // the spool sweep removes it
            }
        }
    }

    static Status status(UploadRejection r) {
        return switch (r.reason()) {
            case NOT_SELECTED, SITE_MISMATCH, REVOKED -> Status.PERMISSION_DENIED;
            case BAD_SIGNATURE -> Status.UNAUTHENTICATED;
            case UNKNOWN_ROUND -> Status.NOT_FOUND;
            case ROUND_CLOSED, REPLAYED_NONCE, WRONG_BASE_VERSION, RESUME_MISMATCH, OVER_BUDGET ->
                Status.FAILED_PRECONDITION;
            case STILL_RECEIVING -> Status.UNAVAILABLE;
            case ALREADY_REPORTED -> Status.ALREADY_EXISTS;
            case STORAGE_FULL -> Status.RESOURCE_EXHAUSTED;
            case MALFORMED, WRONG_LENGTH, WRONG_ENCODING, BAD_EXAMPLE_COUNT, DIGEST_MISMATCH, NON_FINITE, OVER_NORM ->
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
