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

    public ModelVersion publish(
            String studyId,
            long version,
            long parentVersion,
            int roundNumber,
            String modelConfigJson,
            float[] parameters,
            List<String> contributors) {
        Staged staged = stage(
                studyId,
                version,
                parameters.length,
                (offset, count) -> java.util.Arrays.copyOfRange(parameters, (int) offset, (int) offset + count));
        return publish(staged, parentVersion, roundNumber, modelConfigJson, contributors);
    }

    /**
     * A model version written to a temporary file, with its digest, not yet published; with the
     * strategy state it carries (a temporary file too), or null for a stateless strategy.
     */
    public record Staged(String studyId, long version, long numParameters, Path file, byte[] sha256, Path state) {
        public Staged(String studyId, long version, long numParameters, Path file, byte[] sha256) {
            this(studyId, version, numParameters, file, sha256, null);
        }

        public String sha256Hex() {
            return HexFormat.of().formatHex(sha256);
        }

        /** This staged version carrying the strategy state written to {@code stateFile}. */
        public Staged withState(Path stateFile) {
            return new Staged(studyId, version, numParameters, file, sha256, stateFile);
        }
    }

    /**
     * Where a round writes the strategy state of the version it stages (a temporary file next to
     * the version's, in the shared data directory).
     */
    public Path stagingState(String studyId, long version) {
        try {
            // A file of its own per staging: two replicas staging the same version (a lost lease, a
            // retry) must not truncate or delete each other's moments.
            return Files.createTempFile(
                    Files.createDirectories(root.resolve(studyId)), "v" + version + ".state.", ".tmp");
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot create the model directory of study " + studyId + " under " + root, e);
        }
    }

    /**
     * The strategy state a published version carries, next to its parameters: written before the
     * version was published, so a listed version of a stateful strategy has it. Empty when none.
     */
    public Optional<Path> state(ModelVersion mv) {
        Path file = stateFileOf(mv.path());
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    /** The state file beside a version's parameters: {@code v<N>-<digest>.state} beside {@code v<N>-<digest>.f32}. */
    private static Path stateFileOf(Path parameters) {
        String name = parameters.getFileName().toString();
        return parameters.resolveSibling(name.substring(0, name.length() - ".f32".length()) + ".state");
    }

    /**
     * Where a staged version's parameters go when published: named by version and content, so two
     * replicas publishing the same version (a driver that stopped while closing a round, and the one
     * that took over) never overwrite each other's files; the row names the one that won. Versions
     * published before this naming keep their {@code v<N>.f32} (the row holds the path).
     */
    protected static Path publishedFile(Staged staged) {
        return staged.file()
                .resolveSibling(
                        "v" + staged.version() + "-" + staged.sha256Hex().substring(0, 16) + ".f32");
    }

    /**
     * A published version's state file ({@code v<N>-<digest>.state}, or {@code v<N>.state} from
     * before content naming), or a staging one ({@code v<N>.state.<random>.tmp}).
     */
    private static final java.util.regex.Pattern STATE_FILE =
            java.util.regex.Pattern.compile("v(\\d{1,18})(-[0-9a-f]{16})?\\.state(\\..+\\.tmp)?");

    /**
     * Deletes the strategy state of the study's versions before {@code currentVersion}, and any
     * staging state of a version up to it: only the current version's state is read again (by
     * whichever replica drives the next round), and each is twice the model's size. Versions
     * themselves are kept. Call it once the study has moved to {@code currentVersion}, so that a
     * round retried from the previous version never finds its state gone. Best effort: a file
     * that cannot be deleted is left for the next call.
     *
     * @return how many files were deleted
     */
    public int pruneStates(String studyId, long currentVersion) {
        Path dir = root.resolve(studyId);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int deleted = 0;
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                var m = STATE_FILE.matcher(f.getFileName().toString());
                if (!m.matches()) {
                    continue;
                }
                long version = Long.parseLong(m.group(1));
                boolean staging = m.group(3) != null;
                if (version < currentVersion || (staging && version == currentVersion)) {
                    try {
                        deleted += Files.deleteIfExists(f) ? 1 : 0;
                    } catch (IOException ignored) {
                        // left for the next round's pruning
                    }
                }
            }
        } catch (IOException | UncheckedIOException ignored) {
            // the directory could not be listed: the states are pruned after the next round
        }
        return deleted;
    }

    /**
     * Moves a staged version's strategy state in place, before the version itself is published:
     * a replica that finds the version finds its state.
     */
    protected void placeState(Staged staged) throws IOException {
        if (staged.state() != null) {
            Files.move(
                    staged.state(),
                    stateFileOf(publishedFile(staged)),
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /**
     * Writes a model version chunk by chunk to a temporary file (memory stays one chunk however
     * large the model), computing its digest on the way; {@link #publish(Staged, long, int, String,
     * List)} then makes it a version, or {@link #discard(Staged)} drops it.
     */
    public Staged stage(String studyId, long version, long numParameters, ModelFiles.ChunkSource source) {
        return stage(studyId, version, numParameters, (ModelFiles.ChunkFill) (offset, count, into) -> {
            float[] values = source.chunk(offset, count);
            if (values.length != count) {
                throw new IllegalStateException(
                        "chunk at " + offset + " has " + values.length + " values, expected " + count);
            }
            System.arraycopy(values, 0, into, 0, count);
        });
    }

    /** As {@link #stage(String, long, long, ModelFiles.ChunkSource)}, each chunk filled into one reused buffer. */
    public Staged stage(String studyId, long version, long numParameters, ModelFiles.ChunkFill source) {
        Path tmp = null;
        try {
            Path dir = Files.createDirectories(root.resolve(studyId));
            // A file of its own per staging: two replicas staging the same version must not write into one file.
            tmp = Files.createTempFile(dir, "v" + version + ".f32.", ".tmp");
            return new Staged(studyId, version, numParameters, tmp, ModelFiles.write(tmp, numParameters, source));
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException(
                    "could not write model version " + version + " of study " + studyId + " under " + root
                            + " (is the disk full or read-only?)",
                    e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    /**
     * The version another attempt published first: this attempt's files go unless they are the
     * winner's own (same content, same name).
     */
    protected VersionAlreadyPublished lostTo(Staged staged, Path file) {
        ModelVersion winner = find(staged.studyId(), staged.version())
                .orElseThrow(() -> new IllegalStateException("version " + staged.version() + " of study "
                        + staged.studyId() + " was neither inserted nor found"));
        if (!winner.path().equals(file)) {
            deleteQuietly(file);
            deleteQuietly(stateFileOf(file));
        }
        return new VersionAlreadyPublished(winner);
    }

    /** Drops a staged version that will not be published. */
    public void discard(Staged staged) {
        deleteQuietly(staged.file());
        deleteQuietly(staged.state());
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover .tmp is overwritten by the next attempt at that version
            }
        }
    }

    /** Publishes a staged version: moves its file in place, signs its manifest, records it. */
    public ModelVersion publish(
            Staged staged, long parentVersion, int roundNumber, String modelConfigJson, List<String> contributors) {
        String studyId = staged.studyId();
        long version = staged.version();
        try {
            placeState(staged);
            Path file = publishedFile(staged);
            // Same name, same content: replacing an identical file of another attempt changes nothing.
            Files.move(staged.file(), file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            byte[] digest = staged.sha256();
            Instant now = clock.instant();
            byte[] manifest = ModelManifest.newBuilder()
                    .setStudyId(studyId)
                    .setVersion(version)
                    .setParentVersion(parentVersion)
                    .setModelConfigJson(modelConfigJson)
                    .setNumParameters(staged.numParameters())
                    .setEncoding(TensorEncoding.FLOAT32_LE)
                    .setPayloadSha256(ByteString.copyFrom(digest))
                    .setCreatedUnixMillis(now.toEpochMilli())
                    .setRoundNumber(roundNumber)
                    .build()
                    .toByteArray();
            byte[] signature = ca.modelSigner().sign(manifest);
            var mv = new ModelVersion(
                    studyId,
                    version,
                    parentVersion,
                    roundNumber,
                    staged.numParameters(),
                    HexFormat.of().formatHex(digest),
                    manifest,
                    signature,
                    List.copyOf(contributors),
                    file,
                    now);
            // ON CONFLICT DO NOTHING (PostgreSQL, and H2 in PostgreSQL mode): the first replica to publish a
            // version wins; the other learns it here and adopts that version (VersionAlreadyPublished).
            int inserted = jdbc.sql("""
                    INSERT INTO model_versions (study_id, version, parent_version, round_number, num_parameters,
                        payload_sha256, manifest, signature, contributors, path, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT DO NOTHING""")
                    .params(
                            studyId,
                            version,
                            parentVersion,
                            roundNumber,
                            staged.numParameters(),
                            mv.payloadSha256Hex(),
                            manifest,
                            signature,
                            String.join(",", contributors),
                            file.toString(),
                            Timestamp.from(now))
                    .update();
            if (inserted == 0) {
                throw lostTo(staged, file);
            }
            return mv;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "could not write model version " + version + " of study " + studyId + " under " + root
                            + " (is the disk full or read-only?)",
                    e);
        }
    }

    /** A version's file opened once, to read chunk after chunk into reused arrays (a merge). */
    public ModelFiles.Reader reader(ModelVersion mv) {
        try {
            return new ModelFiles.Reader(mv.path());
        } catch (IOException e) {
            throw new UncheckedIOException("model file " + mv.path() + " is unreadable", e);
        }
    }

    /** {@code count} parameters of a version from {@code offset}, read from its file. */
    public float[] readChunk(ModelVersion mv, long offset, int count) {
        try {
            return ModelFiles.read(mv.path(), offset, count);
        } catch (IOException e) {
            throw new UncheckedIOException("model file " + mv.path() + " is unreadable", e);
        }
    }

    public Optional<ModelVersion> find(String studyId, long version) {
        return jdbc.sql("SELECT * FROM model_versions WHERE study_id = ? AND version = ?")
                .params(studyId, version)
                .query(ModelRegistry::map)
                .optional();
    }

    public List<ModelVersion> list(String studyId) {
        return jdbc.sql("SELECT * FROM model_versions WHERE study_id = ? ORDER BY version")
                .param(studyId)
                .query(ModelRegistry::map)
                .list();
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

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    private static ModelVersion map(java.sql.ResultSet rs, int i) throws java.sql.SQLException {
        String contributors = rs.getString("contributors");
        return new ModelVersion(
                rs.getString("study_id"),
                rs.getLong("version"),
                rs.getLong("parent_version"),
                rs.getInt("round_number"),
                rs.getLong("num_parameters"),
                rs.getString("payload_sha256"),
                rs.getBytes("manifest"),
                rs.getBytes("signature"),
                contributors.isEmpty() ? List.of() : Arrays.asList(contributors.split(",")),
                Path.of(rs.getString("path")),
                rs.getTimestamp("created_at").toInstant());
    }
}
