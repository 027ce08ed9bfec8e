package org.cohort.coordinator.registry;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.cohort.coordinator.config.CoordinatorProperties;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.cohort.protocol.v1.ModelManifest;
import org.cohort.protocol.v1.TensorEncoding;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Model versions: parameters as little-endian float32 files under the data directory, the
 * signed manifest and lineage in the database. A version is written to disk completely
 * (temp file + atomic move) before its row exists, so a listed version is always loadable.
 */
@Component
public class ModelRegistry {
    private final JdbcClient jdbc;
    private final Path root;
    private final SiteCertificateAuthority ca;
    private final Clock clock;

    public ModelRegistry(JdbcClient jdbc, CoordinatorProperties props, SiteCertificateAuthority ca, Clock clock) {
        this.jdbc = jdbc;
        this.root = props.dataDir().resolve("models");
        this.ca = ca;
        this.clock = clock;
    }

    public ModelVersion publish(String studyId, long version, long parentVersion, int roundNumber,
                                String modelConfigJson, float[] parameters, List<String> contributors) {
        try {
            Path dir = Files.createDirectories(root.resolve(studyId));
            Path file = dir.resolve("v" + version + ".f32");
            Path tmp = dir.resolve("v" + version + ".f32.tmp");
            byte[] digest = writeFloats(tmp, parameters);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Instant now = clock.instant();
            byte[] manifest = ModelManifest.newBuilder()
                    .setStudyId(studyId).setVersion(version).setParentVersion(parentVersion)
                    .setModelConfigJson(modelConfigJson).setNumParameters(parameters.length)
                    .setEncoding(TensorEncoding.FLOAT32_LE).setPayloadSha256(ByteString.copyFrom(digest))
                    .setCreatedUnixMillis(now.toEpochMilli()).setRoundNumber(roundNumber)
                    .build().toByteArray();
            byte[] signature = ca.modelSigner().sign(manifest);
            var mv = new ModelVersion(studyId, version, parentVersion, roundNumber, parameters.length,
                    HexFormat.of().formatHex(digest), manifest, signature, List.copyOf(contributors), file, now);
            jdbc.sql("""
                    INSERT INTO model_versions (study_id, version, parent_version, round_number, num_parameters,
                        payload_sha256, manifest, signature, contributors, path, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                    .params(studyId, version, parentVersion, roundNumber, (long) parameters.length,
                            mv.payloadSha256Hex(), manifest, signature, String.join(",", contributors),
                            file.toString(), Timestamp.from(now))
                    .update();
            return mv;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write model version " + version + " of study " + studyId
                    + " under " + root + " (is the disk full or read-only?)", e);
        }
    }

    public Optional<ModelVersion> find(String studyId, long version) {
        return jdbc.sql("SELECT * FROM model_versions WHERE study_id = ? AND version = ?")
                .params(studyId, version).query(ModelRegistry::map).optional();
    }

    public List<ModelVersion> list(String studyId) {
        return jdbc.sql("SELECT * FROM model_versions WHERE study_id = ? ORDER BY version")
                .param(studyId).query(ModelRegistry::map).list();
    }

    public float[] readParameters(ModelVersion mv) {
        try (FileChannel ch = FileChannel.open(mv.path(), StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate((int) (mv.numParameters() * 4)).order(ByteOrder.LITTLE_ENDIAN);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // keep reading
            }
            buf.flip();
            float[] out = new float[(int) mv.numParameters()];
            buf.asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("model file " + mv.path() + " is unreadable", e);
        }
    }

    private static byte[] writeFloats(Path file, float[] values) throws IOException {
        MessageDigest sha = sha256();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < values.length; i++) {
                buf.putFloat(values[i]);
                if (!buf.hasRemaining() || i == values.length - 1) {
                    buf.flip();
                    sha.update(buf.duplicate());
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    buf.clear();
                }
            }
            ch.force(true);
        }
        return sha.digest();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    private static ModelVersion map(java.sql.ResultSet rs, int i) throws java.sql.SQLException {
        String contributors = rs.getString("contributors");
        return new ModelVersion(rs.getString("study_id"), rs.getLong("version"), rs.getLong("parent_version"),
                rs.getInt("round_number"), rs.getLong("num_parameters"), rs.getString("payload_sha256"),
                rs.getBytes("manifest"), rs.getBytes("signature"),
                contributors.isEmpty() ? List.of() : Arrays.asList(contributors.split(",")),
                Path.of(rs.getString("path")), rs.getTimestamp("created_at").toInstant());
    }
}
