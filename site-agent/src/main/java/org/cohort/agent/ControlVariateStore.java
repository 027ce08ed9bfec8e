package org.cohort.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The site's SCAFFOLD control variates c_i, one file per study in the agent's work directory
 * ({@code scaffold/<study>.cv}): owner-only from the first byte, as the agent's other state, and
 * replaced whole (written aside, then moved) so a crash leaves the previous round's c_i. A study
 * without a file starts from c_i = 0, as the paper's sites do.
 *
 * <p>Format: magic {@code CSCV}, the number of values (int32), then the values as little-endian
 * float32. A file of another length (the study's model changed) is refused, never misread.
 */
final class ControlVariateStore {
    private static final int MAGIC = 0x43534356; // "CSCV"
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Pattern STUDY_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private final Path dir;

    ControlVariateStore(Path workDir) {
        this.dir = workDir.resolve("scaffold");
    }

    Path file(String studyId) {
        if (!STUDY_ID.matcher(studyId).matches()) {
            throw new IllegalArgumentException("study id '" + studyId + "' cannot name a control-variate file");
        }
        return dir.resolve(studyId + ".cv");
    }

    /** c_i of the study, {@code numParameters} zeros before its first scaffold round at this site. */
    float[] load(String studyId, int numParameters) {
        Path file = file(studyId);
        if (!Files.exists(file)) {
            return new float[numParameters];
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            if (b.remaining() < 8 || b.getInt() != MAGIC) {
                throw new IllegalStateException("the control-variate file " + file + " is damaged; delete it to start"
                        + " this site's c_i from zero again (SCAFFOLD then re-estimates it over the next rounds)");
            }
            int n = b.getInt();
            if (n != numParameters || b.remaining() != (long) n * Float.BYTES) {
                throw new IllegalStateException("the control-variate file " + file + " holds " + n
                        + " values but the study's model has " + numParameters + "; delete it to start c_i from zero");
            }
            float[] values = new float[n];
            b.asFloatBuffer().get(values);
            return values;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the control-variate file " + file, e);
        }
    }

    /** Replaces the study's c_i. */
    void save(String studyId, float[] values) {
        Path file = file(studyId);
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(temp);
            if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
                Files.createFile(temp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } else {
                Files.createFile(temp);
            }
            ByteBuffer b = ByteBuffer.allocate(8 + values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(MAGIC).putInt(values.length);
            b.asFloatBuffer().put(values);
            Files.write(temp, b.array());
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot write the control-variate file " + file
                            + "; the agent's user needs to be able to write its work directory",
                    e);
        }
    }
}
