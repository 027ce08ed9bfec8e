package org.cohort.coordinator.round;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.StudyRepository;
import org.cohort.coordinator.study.StudyStatus;

/** The studies table as a map: the round engine reads and moves studies on, no database needed. */
final class FakeStudies extends StudyRepository {
    private final Map<String, Study> byId = new LinkedHashMap<>();

    FakeStudies() {
        super(null, null);
    }

    @Override
    public void insert(Study s) {
        byId.put(s.studyId(), s);
    }

    @Override
    public void updateProgress(
            String studyId, StudyStatus status, String detail, long currentVersion, int roundsDone, Instant at) {
        Study s = byId.get(studyId);
        byId.put(
                studyId,
                new Study(
                        studyId,
                        s.spec(),
                        s.modelConfigJson(),
                        status,
                        detail,
                        currentVersion,
                        roundsDone,
                        s.createdAt(),
                        at));
    }

    @Override
    public boolean changeStatus(String studyId, Set<StudyStatus> from, StudyStatus status, String detail, Instant at) {
        Study s = byId.get(studyId);
        if (s == null || !from.contains(s.status())) {
            return false;
        }
        updateProgress(studyId, status, detail, s.currentVersion(), s.roundsDone(), at);
        return true;
    }

    @Override
    public Optional<Study> find(String studyId) {
        return Optional.ofNullable(byId.get(studyId));
    }

    @Override
    public List<Study> all() {
        return new ArrayList<>(byId.values());
    }

    Study get(String studyId) {
        return byId.get(studyId);
    }
}
