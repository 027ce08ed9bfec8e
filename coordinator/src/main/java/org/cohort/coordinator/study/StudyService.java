package org.cohort.coordinator.study;

import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.cohort.coordinator.compliance.AuditTrail;
import org.cohort.coordinator.registry.ModelRegistry;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Creating, starting and stopping studies. The initial model is version 1 (parent 0). */
@Service
public class StudyService {
    public static final long INITIAL_VERSION = 1;

    private final StudyRepository studies;
    private final ModelRegistry registry;
    private final ModelFactory models;
    private final AuditTrail audit;
    private final Clock clock;

    public StudyService(StudyRepository studies, ModelRegistry registry, ModelFactory models, AuditTrail audit,
                        Clock clock) {
        this.audit = audit;
        this.studies = studies;
        this.registry = registry;
        this.models = models;
        this.clock = clock;
    }

    @Transactional
    public Study create(StudySpec requested) {
        StudySpec spec = requested.validate().withDefaults();
        String configJson = models.configJson(spec);
        float[] initial = models.initialParameters(configJson, spec.model().seed());
        String id = "st-" + UUID.randomUUID().toString().substring(0, 8);
        var now = clock.instant();
        var study = new Study(id, spec, configJson, StudyStatus.CREATED, "created; start it to run rounds",
                INITIAL_VERSION, 0, now, now);
        studies.insert(study);
        registry.publish(id, INITIAL_VERSION, 0, 0, configJson, initial, List.of());
        audit.studyCreated(study, AuditTrail.ADMIN);
        return study;
    }

    public Study require(String studyId) {
        return studies.find(studyId).orElseThrow(() -> new UnknownStudyException(studyId));
    }

    public List<Study> all() {
        return studies.all();
    }

    public Study start(String studyId) {
        Study s = require(studyId);
        if (s.status() == StudyStatus.COMPLETED || s.status() == StudyStatus.FAILED) {
            throw new IllegalStateException("study " + studyId + " is " + s.status() + " and cannot be restarted; create a new study");
        }
        studies.updateProgress(studyId, StudyStatus.RUNNING, "waiting for sites", s.currentVersion(), s.roundsDone(),
                clock.instant());
        audit.studyStarted(studyId, AuditTrail.ADMIN);
        return require(studyId);
    }

    public Study stop(String studyId, String why) {
        Study s = require(studyId);
        studies.updateProgress(studyId, StudyStatus.STOPPED, why, s.currentVersion(), s.roundsDone(), clock.instant());
        audit.studyStopped(studyId, why, AuditTrail.ADMIN);
        return require(studyId);
    }
}
