package org.cohort.coordinator.round;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cohort.coordinator.config.CoordinatorProperties;
import org.cohort.coordinator.registry.ModelRegistry;
import org.cohort.coordinator.registry.ModelVersion;

/**
 * The model registry with its files real (under a test's directory: staging, chunked reads) and
 * its table a map; versions are not signed, there being no CA.
 */
final class FakeRegistry extends ModelRegistry {
    private final Map<String, ModelVersion> versions = new LinkedHashMap<>();
    private final Clock clock;

    FakeRegistry(Path dataDir, Clock clock) {
        super(
                null,
                new CoordinatorProperties(
                        dataDir,
                        0,
                        "127.0.0.1",
                        List.of(),
                        "",
                        "",
                        false,
                        "",
                        Duration.ofSeconds(5),
                        null,
                        1L << 24,
                        50_000_000L,
                        0,
                        1L << 20,
                        null),
                null,
                clock);
        this.clock = clock;
    }

    private static String key(String studyId, long version) {
        return studyId + "/" + version;
    }

    /** Runs inside the next {@link #publish}, just before its row would be inserted (a racing replica). */
    Runnable beforeInsert = () -> {};

    @Override
    public ModelVersion publish(
            Staged staged, long parentVersion, int roundNumber, String modelConfigJson, List<String> contributors) {
        try {
            placeState(staged);
            Path file = publishedFile(staged);
            Files.move(staged.file(), file, StandardCopyOption.REPLACE_EXISTING);
            var mv = new ModelVersion(
                    staged.studyId(),
                    staged.version(),
                    parentVersion,
                    roundNumber,
                    staged.numParameters(),
                    staged.sha256Hex(),
                    new byte[0],
                    new byte[0],
                    List.copyOf(contributors),
                    file,
                    clock.instant());
            Runnable race = beforeInsert;
            beforeInsert = () -> {};
            race.run();
            if (versions.putIfAbsent(key(staged.studyId(), staged.version()), mv) != null) {
                throw lostTo(staged, file);
            }
            return mv;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Optional<ModelVersion> find(String studyId, long version) {
        return Optional.ofNullable(versions.get(key(studyId, version)));
    }

    @Override
    public List<ModelVersion> list(String studyId) {
        return versions.values().stream()
                .filter(v -> v.studyId().equals(studyId))
                .toList();
    }
}
