package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Clock;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.cohort.crypto.signature.ModelSigner;
import org.cohort.protocol.v1.ModelHeader;
import org.cohort.protocol.v1.ModelManifest;
import org.cohort.protocol.v1.ModelPart;
import org.cohort.protocol.v1.ModelRequest;
import org.cohort.protocol.v1.ModelsGrpc;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TensorChunk;
import org.cohort.protocol.v1.TensorEncoding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent loads a model only when the coordinator's signature and the digests check out. */
class ModelDownloaderTest {
    @TempDir
    Path dir;

    private SiteCertificateAuthority ca;
    private Server server;
    private ManagedChannel channel;
    private volatile ModelPart header;
    private volatile byte[] payload;
    /** When set, the server's first response stops after the first value with UNAVAILABLE. */
    private volatile boolean interruptOnce;

    private final java.util.List<Long> requestedOffsets = new java.util.concurrent.CopyOnWriteArrayList<>();

    private static final float[] PARAMS = {0.5f, -1.25f, 3f};

    @BeforeEach
    void setUp() throws Exception {
        ca = SiteCertificateAuthority.openOrCreate(dir, "pw".toCharArray(), Clock.systemUTC());
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name)
                .directExecutor()
                .addService(new ModelsGrpc.ModelsImplBase() {
                    @Override
                    public void download(ModelRequest request, StreamObserver<ModelPart> out) {
                        requestedOffsets.add(request.getFromOffset());
                        out.onNext(header);
                        int from = (int) request.getFromOffset() * 4;
                        if (interruptOnce) {
                            interruptOnce = false;
                            out.onNext(ModelPart.newBuilder()
                                    .setChunk(TensorChunk.newBuilder()
                                            .setOffset(0)
                                            .setData(ByteString.copyFrom(payload, 0, 4)))
                                    .build());
                            out.onError(io.grpc.Status.UNAVAILABLE
                                    .withDescription("connection reset")
                                    .asRuntimeException());
                            return;
                        }
                        out.onNext(ModelPart.newBuilder()
                                .setChunk(TensorChunk.newBuilder()
                                        .setOffset(request.getFromOffset())
                                        .setData(ByteString.copyFrom(payload, from, payload.length - from)))
                                .build());
                        out.onCompleted();
                    }
                })
                .build()
                .start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        payload = UpdateUploader.encode(PARAMS, 0, PARAMS.length).array();
    }

    @AfterEach
    void tearDown() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private byte[] manifest(byte[] digest) {
        return ModelManifest.newBuilder()
                .setStudyId("st")
                .setVersion(3)
                .setNumParameters(PARAMS.length)
                .setEncoding(TensorEncoding.FLOAT32_LE)
                .setPayloadSha256(ByteString.copyFrom(digest))
                .setModelConfigJson("{}")
                .build()
                .toByteArray();
    }

    private void serve(byte[] manifest, ModelSigner signer) {
        header = ModelPart.newBuilder()
                .setHeader(ModelHeader.newBuilder()
                        .setManifest(ByteString.copyFrom(manifest))
                        .setSignature(ByteString.copyFrom(signer.sign(manifest))))
                .build();
    }

    private RoundTask task() {
        return RoundTask.newBuilder()
                .setStudyId("st")
                .setModelVersion(3)
                .setModelDigest(ByteString.copyFrom(UpdateUploader.digest(PARAMS)))
                .build();
    }

    @Test
    void resumesAnInterruptedDownloadFromWhereItStopped() {
        serve(manifest(UpdateUploader.digest(PARAMS)), ca.modelSigner());
        interruptOnce = true;
        var model = new ModelDownloader(ca.modelSigningPublicKey()).download(channel, task());
        assertThat(model.parameters()).containsExactly(PARAMS);
        assertThat(requestedOffsets).containsExactly(0L, 1L);
    }

    /** The manifest of PARAMS sent as int8 blocks of 16, vouching for the float32 digest {@code source}. */
    private byte[] int8Manifest(byte[] source) {
        var int8 = new org.cohort.protocol.transfer.TransferEncoding.Int8Blocks(16);
        payload = int8.encode(PARAMS, 0, PARAMS.length).array();
        return ModelManifest.newBuilder()
                .setStudyId("st")
                .setVersion(3)
                .setNumParameters(PARAMS.length)
                .setEncoding(TensorEncoding.INT8_BLOCK_LE)
                .setBlockSize(16)
                .setPayloadSha256(ByteString.copyFrom(UpdateUploader.digest(int8, PARAMS)))
                .setSourceSha256(ByteString.copyFrom(source))
                .setModelConfigJson("{}")
                .build()
                .toByteArray();
    }

    @Test
    void loadsAnInt8ModelDecodedWhenItsManifestVouchesForTheTasksModel() {
        serve(int8Manifest(UpdateUploader.digest(PARAMS)), ca.modelSigner());
        var model = new ModelDownloader(ca.modelSigningPublicKey()).download(channel, task());
        // Scale 3/127: every value within half a step of the float32 model.
        for (int i = 0; i < PARAMS.length; i++) {
            assertThat((double) Math.abs(model.parameters()[i] - PARAMS[i])).isLessThanOrEqualTo(3 / 127.0 / 2 + 1e-7);
        }
        assertThat(model.parameters()[2]).isEqualTo(3f, org.assertj.core.data.Offset.offset(1e-6f));
    }

    @Test
    void refusesAnEncodedModelOfAnotherFloat32Model() {
        serve(int8Manifest(new byte[32]), ca.modelSigner());
        assertThatThrownBy(() -> new ModelDownloader(ca.modelSigningPublicKey()).download(channel, task()))
                .hasMessageContaining("differs from the one in the round task");
    }

    @Test
    void loadsAModelWhoseSignatureAndDigestVerify() {
        serve(manifest(UpdateUploader.digest(PARAMS)), ca.modelSigner());
        var model = new ModelDownloader(ca.modelSigningPublicKey()).download(channel, task());
        assertThat(model.parameters()).containsExactly(PARAMS);
    }

    @Test
    void refusesAModelSignedByAnotherKey() throws Exception {
        var other = SiteCertificateAuthority.openOrCreate(dir.resolve("other"), "pw".toCharArray(), Clock.systemUTC());
        serve(manifest(UpdateUploader.digest(PARAMS)), other.modelSigner());
        assertThatThrownBy(() -> new ModelDownloader(ca.modelSigningPublicKey()).download(channel, task()))
                .isInstanceOf(ModelDownloader.ModelRejectedException.class)
                .hasMessageContaining("signature does not verify");
    }

    @Test
    void refusesParametersThatDoNotMatchTheSignedDigest() {
        serve(manifest(UpdateUploader.digest(PARAMS)), ca.modelSigner());
        payload =
                UpdateUploader.encode(new float[] {0.5f, -1.25f, 3.0001f}, 0, 3).array();
        assertThatThrownBy(() -> new ModelDownloader(ca.modelSigningPublicKey()).download(channel, task()))
                .hasMessageContaining("do not match the signed digest");
    }

    @Test
    void refusesAModelOtherThanTheTaskAskedFor() {
        serve(manifest(UpdateUploader.digest(PARAMS)), ca.modelSigner());
        var wrongVersion = task().toBuilder().setModelVersion(4).build();
        assertThatThrownBy(() -> new ModelDownloader(ca.modelSigningPublicKey()).download(channel, wrongVersion))
                .hasMessageContaining("not the task's");
    }
}
