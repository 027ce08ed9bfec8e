package org.cohort.coordinator.registry;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.protocol.transfer.TransferEncoding;
import org.cohort.protocol.v1.ModelManifest;
import org.springframework.stereotype.Component;

/**
 * The signed manifests of model versions as a study's transfer encoding sends them to sites
 * (float16 or int8): the version's own manifest with the encoding, the digest of the encoded
 * payload and, as {@code source_sha256}, the float32 digest that round tasks name. Computed on
 * first request by reading the version's file chunk by chunk (never the whole model in heap) and
 * kept for the few versions sites are downloading; any replica computes the same bytes but for
 * the creation time, which it copies from the version's manifest, so the signature is over a
 * deterministic message.
 *
 * <p>The coordinator keeps and updates the float32 model; a site trains from the decoded copy and
 * sends its change relative to that copy, which the coordinator adds to the float32 model. Each
 * version is encoded afresh from float32, so rounding never accumulates across rounds.
 */
@Component
public class EncodedModels {
    /** Versions × encodings kept: one current version per running study is the common case. */
    private static final int CACHED = 64;

    private final SiteCertificateAuthority ca;
    private final Map<String, Signed> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Signed> eldest) {
            return size() > CACHED;
        }
    };

    public EncodedModels(SiteCertificateAuthority ca) {
        this.ca = ca;
    }

    /** A manifest as sent, and the model-signing key's signature over exactly these bytes. */
    public record Signed(byte[] manifest, byte[] signature) {}

    /** The signed manifest of {@code mv} sent as {@code encoding} (the version's own for float32). */
    public Signed header(ModelVersion mv, TransferEncoding encoding) {
        if (encoding instanceof TransferEncoding.Float32) {
            return new Signed(mv.manifest(), mv.signature());
        }
        String key = mv.studyId() + "\n" + mv.version() + "\n" + mv.payloadSha256Hex() + "\n" + encoding;
        synchronized (cache) {
            Signed held = cache.get(key);
            if (held != null) {
                return held;
            }
        }
        Signed signed = sign(mv, encoding);
        synchronized (cache) {
            cache.put(key, signed);
        }
        return signed;
    }

    private Signed sign(ModelVersion mv, TransferEncoding encoding) {
        ModelManifest own;
        try {
            own = ModelManifest.parseFrom(mv.manifest());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the stored manifest of version " + mv.version() + " is unreadable", e);
        }
        byte[] manifest = own.toBuilder()
                .setEncoding(encoding.wire())
                .setBlockSize(encoding.blockSize())
                .setPayloadSha256(ByteString.copyFrom(digest(mv, encoding)))
                .setSourceSha256(ByteString.copyFrom(HexFormat.of().parseHex(mv.payloadSha256Hex())))
                .build()
                .toByteArray();
        return new Signed(manifest, ca.modelSigner().sign(manifest));
    }

    /** SHA-256 of the encoded payload, chunk by chunk as {@code ModelService} sends it. */
    static byte[] digest(ModelVersion mv, TransferEncoding encoding) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        float[] chunk = new float[(int) Math.min(ProtocolLimits.CHUNK_VALUES, mv.numParameters())];
        try (var reader = new ModelFiles.Reader(mv.path())) {
            for (long off = 0; off < mv.numParameters(); off += ProtocolLimits.CHUNK_VALUES) {
                int n = (int) Math.min(ProtocolLimits.CHUNK_VALUES, mv.numParameters() - off);
                reader.read(off, chunk, n);
                sha.update(encoding.encode(chunk, 0, n));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("model file " + mv.path() + " is unreadable", e);
        }
        return sha.digest();
    }
}
