package org.cohort.coordinator.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import org.cohort.coordinator.aggregation.StateFile;
import org.cohort.coordinator.cluster.ClusterSessions;
import org.cohort.coordinator.registry.EncodedModels;
import org.cohort.coordinator.registry.ModelRegistry;
import org.cohort.coordinator.registry.ModelVersion;
import org.cohort.coordinator.session.SessionHub;
import org.cohort.coordinator.study.StudyRepository;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.protocol.transfer.TransferEncoding;
import org.cohort.protocol.v1.ModelHeader;
import org.cohort.protocol.v1.ModelPart;
import org.cohort.protocol.v1.ModelRequest;
import org.cohort.protocol.v1.ModelsGrpc;
import org.cohort.protocol.v1.TensorChunk;
import org.springframework.stereotype.Component;

/**
 * Streams a signed model version: header, then chunks read from disk one at a time, only as
 * fast as the agent takes them (gRPC flow control: a chunk is read and sent only while the
 * call is ready), so a slow agent never makes the coordinator buffer a model in memory. A study
 * with a compact transfer encoding gets each chunk encoded as it is sent, under a manifest
 * signed for that encoding ({@link EncodedModels}).
 * {@code from_offset} resumes an interrupted download.
 *
 * <p>A site downloads only the models of studies its admin accepted, as its open session
 * declared them (on any replica): the models of other studies are not its business.
 */
@Component
class ModelService extends ModelsGrpc.ModelsImplBase {
    private final ModelRegistry registry;
    private final SessionHub sessions;
    private final ClusterSessions cluster;
    private final StudyRepository studies;
    private final EncodedModels encoded;

    public ModelService(
            ModelRegistry registry,
            SessionHub sessions,
            ClusterSessions cluster,
            StudyRepository studies,
            EncodedModels encoded) {
        this.registry = registry;
        this.sessions = sessions;
        this.cluster = cluster;
        this.studies = studies;
        this.encoded = encoded;
    }

    @Override
    public void download(ModelRequest request, StreamObserver<ModelPart> out) {
        String site = SiteContext.siteId();
        // Checked before the study is looked up, so a site cannot probe which study ids exist.
        Set<String> accepted = sessions.session(site)
                .map(s -> s.acceptedStudies().keySet())
                .or(() -> cluster.where(site).map(e -> e.acceptedStudies().keySet()))
                .orElse(null);
        if (accepted == null || !accepted.contains(request.getStudyId())) {
            out.onError(Status.PERMISSION_DENIED
                    .withDescription("site " + site + " may not download models of study '"
                            + request.getStudyId() + "': "
                            + (accepted == null
                                    ? "it has no open session; open one first"
                                    : "its admin has not accepted the study (studies.accepted in the agent config)")
                            + " — a site downloads only the models of studies it accepted")
                    .asRuntimeException());
            return;
        }
        var mv = registry.find(request.getStudyId(), request.getVersion());
        if (mv.isEmpty()) {
            out.onError(Status.NOT_FOUND
                    .withDescription(
                            "no model version " + request.getVersion() + " for study '" + request.getStudyId() + "'")
                    .asRuntimeException());
            return;
        }
        var version = mv.get();
        if (request.getFromOffset() < 0 || request.getFromOffset() > version.numParameters()) {
            out.onError(Status.OUT_OF_RANGE
                    .withDescription("from_offset must be within [0, " + version.numParameters() + "]")
                    .asRuntimeException());
            return;
        }
        // Sites get the study's transfer encoding; the float32 file stays the coordinator's model.
        // SCAFFOLD's c always travels as float32 under the version's own float32 manifest: it is
        // downloaded once per round next to the model, the agent reads it as float32 whatever the
        // study's encoding, and rounding c would bias every site's correction the same way.
        TransferEncoding encoding = request.getControlVariate()
                ? TransferEncoding.Float32.INSTANCE
                : studies.find(request.getStudyId())
                        .map(st -> StudySpec.Transfer.of(st.spec().transfer()))
                        .orElse(TransferEncoding.Float32.INSTANCE);
        if (!(encoding instanceof TransferEncoding.Float32)
                && request.getFromOffset() % ProtocolLimits.CHUNK_VALUES != 0
                && request.getFromOffset() != version.numParameters()) {
            out.onError(Status.OUT_OF_RANGE
                    .withDescription("from_offset of a " + encoding.word() + " download must be a multiple of "
                            + ProtocolLimits.CHUNK_VALUES + " (where a chunk starts), or the model's length")
                    .asRuntimeException());
            return;
        }
        EncodedModels.Signed header;
        try {
            header = encoded.header(version, encoding);
        } catch (RuntimeException e) {
            out.onError(Status.INTERNAL
                    .withDescription("could not encode model version " + version.version() + " as " + encoding.word()
                            + ": " + e.getMessage())
                    .asRuntimeException());
            return;
        }
        var call = (ServerCallStreamObserver<ModelPart>) out;
        FileChannel file = null;
        long start = 0;
        try {
            if (!request.getControlVariate()) {
                file = FileChannel.open(version.path(), StandardOpenOption.READ);
            } else {
                // SCAFFOLD's c, kept next to the version as its strategy state; none yet (the
                // study's initial model): c = 0, streamed as zeros.
                var state = registry.state(version).orElse(null);
                if (state != null) {
                    file = FileChannel.open(state, StandardOpenOption.READ);
                    start = StateFile.vectorStart(file, state, "scaffold", 1, version.numParameters(), 0);
                }
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(file);
            out.onError(Status.INTERNAL
                    .withDescription("could not open " + (request.getControlVariate() ? "the control variate of " : "")
                            + "model version " + request.getVersion() + ": " + e.getMessage())
                    .asRuntimeException());
            return;
        }
        var sender = new ChunkSender(version, encoding, request.getFromOffset(), call, file, start);
        call.setOnCancelHandler(sender::close);
        call.setOnReadyHandler(sender::drain);
        out.onNext(ModelPart.newBuilder()
                .setHeader(ModelHeader.newBuilder()
                        .setManifest(ByteString.copyFrom(header.manifest()))
                        .setSignature(ByteString.copyFrom(header.signature())))
                .build());
        sender.drain();
    }

    /** Sends chunks while the call is ready; called again by gRPC each time it becomes ready. */
    private static final class ChunkSender {
        /** Model bytes sent to agents by this replica ({@code cohort_model_bytes_total}). */
        private static final io.micrometer.core.instrument.Counter MODEL_BYTES =
                io.micrometer.core.instrument.Metrics.counter("cohort.model.bytes");

        private final ModelVersion version;
        private final TransferEncoding encoding;
        /** One chunk as floats, reused, when it must be encoded before it is sent. */
        private final float[] decoded;

        private final ServerCallStreamObserver<ModelPart> call;
        private final FileChannel file;
        private final ByteBuffer buf = ByteBuffer.allocate(ProtocolLimits.CHUNK_VALUES * ProtocolLimits.FLOAT32_BYTES);
        private long offset;
        private boolean done;

        /** Where the vector's first value lies in {@code file}. */
        private final long start;

        /** @param file the vector's file, or null for a vector of zeros */
        ChunkSender(
                ModelVersion version,
                TransferEncoding encoding,
                long from,
                ServerCallStreamObserver<ModelPart> call,
                FileChannel file,
                long start) {
            this.version = version;
            this.encoding = encoding;
            this.decoded = encoding instanceof TransferEncoding.Float32 ? null : new float[ProtocolLimits.CHUNK_VALUES];
            this.offset = from;
            this.call = call;
            this.file = file;
            this.start = start;
        }

        synchronized void drain() {
            if (done) {
                return;
            }
            try {
                while (offset < version.numParameters() && call.isReady() && !call.isCancelled()) {
                    int values = (int) Math.min(ProtocolLimits.CHUNK_VALUES, version.numParameters() - offset);
                    buf.clear().limit(values * ProtocolLimits.FLOAT32_BYTES);
                    long position = start + offset * ProtocolLimits.FLOAT32_BYTES;
                    while (file != null && buf.hasRemaining()) {
                        if (file.read(buf, position + buf.position()) < 0) {
                            throw new IOException("model file shorter than its manifest");
                        }
                    }
                    if (file == null) {
                        buf.position(buf.limit()); // zeros, as allocated and never written
                    }
                    buf.flip();
                    ByteBuffer data = buf;
                    if (decoded != null) {
                        buf.order(java.nio.ByteOrder.LITTLE_ENDIAN)
                                .asFloatBuffer()
                                .get(decoded, 0, values);
                        data = encoding.encode(decoded, 0, values);
                    }
                    MODEL_BYTES.increment(data.remaining());
                    call.onNext(ModelPart.newBuilder()
                            .setChunk(TensorChunk.newBuilder().setOffset(offset).setData(ByteString.copyFrom(data)))
                            .build());
                    offset += values;
                }
                if (offset >= version.numParameters() && !call.isCancelled()) {
                    done = true;
                    close();
                    call.onCompleted();
                }
            } catch (IOException | RuntimeException e) {
                done = true;
                close();
                call.onError(Status.INTERNAL
                        .withDescription("could not read model version: " + e.getMessage())
                        .asRuntimeException());
            }
        }

        synchronized void close() {
            done = true;
            closeQuietly(file);
        }
    }

    private static void closeQuietly(FileChannel file) {
        if (file == null) {
            return;
        }
        try {
            file.close();
        } catch (IOException ignored) {
            // read-only; nothing to flush
        }
    }
}
