package org.cohort.coordinator.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import org.cohort.coordinator.registry.ModelRegistry;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.protocol.v1.ModelHeader;
import org.cohort.protocol.v1.ModelPart;
import org.cohort.protocol.v1.ModelRequest;
import org.cohort.protocol.v1.ModelsGrpc;
import org.cohort.protocol.v1.TensorChunk;
import org.springframework.stereotype.Component;

/** Streams a signed model version: header, then chunks read from disk one at a time. */
@Component
public class ModelService extends ModelsGrpc.ModelsImplBase {
    private final ModelRegistry registry;

    public ModelService(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void download(ModelRequest request, StreamObserver<ModelPart> out) {
        var mv = registry.find(request.getStudyId(), request.getVersion());
        if (mv.isEmpty()) {
            out.onError(Status.NOT_FOUND.withDescription("no model version " + request.getVersion() + " for study '"
                    + request.getStudyId() + "'").asRuntimeException());
            return;
        }
        var version = mv.get();
        if (request.getFromOffset() < 0 || request.getFromOffset() > version.numParameters()) {
            out.onError(Status.OUT_OF_RANGE.withDescription("from_offset must be within [0, "
                    + version.numParameters() + "]").asRuntimeException());
            return;
        }
        out.onNext(ModelPart.newBuilder().setHeader(ModelHeader.newBuilder()
                .setManifest(ByteString.copyFrom(version.manifest()))
                .setSignature(ByteString.copyFrom(version.signature()))).build());
        var call = (ServerCallStreamObserver<ModelPart>) out;
        try (FileChannel ch = FileChannel.open(version.path(), StandardOpenOption.READ)) {
            long offset = request.getFromOffset();
            ByteBuffer buf = ByteBuffer.allocate(ProtocolLimits.CHUNK_VALUES * ProtocolLimits.FLOAT32_BYTES);
            while (offset < version.numParameters()) {
                if (call.isCancelled()) {
                    return;
                }
                int values = (int) Math.min(ProtocolLimits.CHUNK_VALUES, version.numParameters() - offset);
                buf.clear().limit(values * ProtocolLimits.FLOAT32_BYTES);
                long position = offset * ProtocolLimits.FLOAT32_BYTES;
                while (buf.hasRemaining()) {
                    int n = ch.read(buf, position + buf.position());
                    if (n < 0) {
                        throw new IOException("model file shorter than its manifest");
                    }
                }
                buf.flip();
                out.onNext(ModelPart.newBuilder().setChunk(TensorChunk.newBuilder().setOffset(offset)
                        .setData(ByteString.copyFrom(buf))).build());
                offset += values;
            }
            out.onCompleted();
        } catch (IOException e) {
            out.onError(Status.INTERNAL.withDescription("could not read model version: " + e.getMessage())
                    .asRuntimeException());
        }
    }
}
