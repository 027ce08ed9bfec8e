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
    private final ModelSize.Limits modelLimits;

    public StudyService(
            StudyRepository studies,
            ModelRegistry registry,
            ModelFactory models,
            AuditTrail audit,
            Clock clock,
            org.cohort.coordinator.config.CoordinatorProperties props) {
        this.modelLimits = props.modelLimits();
        this.audit = audit;
        this.studies = studies;
        this.registry = registry;
        this.models = models;
        this.clock = clock;
    }

    @Transactional
    public Study create(StudySpec requested) {
        StudySpec spec = requested.validate().withDefaults();
        // Sized from the spec before any network is built: a model too large is refused, not run out of memory.
        ModelSize size = ModelSize.of(spec, modelLimits.mappedFrom());
        size.check(modelLimits);
        size.checkHeldUpdates(spec, modelLimits);
        String configJson;
        float[] initial;
        try {
            configJson = models.configJson(spec);
            initial = models.initialParameters(spec, configJson);
        } catch (InvalidStudyException e) {
            throw e;
        } catch (RuntimeException e) {
            // Sites would fail on the same model after the round began: refuse it now, as the ML team's error.
            throw new InvalidStudyException(List.of("the model cannot be built from model and plan ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "); change the preset, hidden layers or"
                    + " optimizer"));
        }
        String id = "st-" + UUID.randomUUID().toString().substring(0, 8);
        var now = clock.instant();
        var study = new Study(
                id,
                spec,
                configJson,
                StudyStatus.CREATED,
                "created; start it to run rounds",
                INITIAL_VERSION,
                0,
                now,
                now);
        studies.insert(study);
        registry.publish(id, INITIAL_VERSION, 0, 0, configJson, initial, List.of());
        audit.studyCreated(study, AuditTrail.actor());
        return study;
    }

    public Study require(String studyId) {
        return studies.find(studyId).orElseThrow(() -> new UnknownStudyException(studyId));
    }

    public List<Study> all() {
        return studies.all();
    }

    /** Studies that can still run; a COMPLETED or FAILED one is final (its final evaluation ran once). */
    private static final java.util.Set<StudyStatus> OPEN =
            java.util.EnumSet.of(StudyStatus.CREATED, StudyStatus.RUNNING, StudyStatus.STOPPED);

    /** Starts or resumes a study; a COMPLETED or FAILED study cannot run again (IllegalStateException, 409). */
    public Study start(String studyId) {
        require(studyId);
        if (!studies.changeStatus(studyId, OPEN, StudyStatus.RUNNING, "waiting for sites", clock.instant())) {
            throw finished(require(studyId), "restarted");
        }
        audit.studyStarted(studyId, AuditTrail.actor());
        return require(studyId);
    }

    /** Stops a study that can still run; a COMPLETED or FAILED study stays as it ended (IllegalStateException, 409). */
    public Study stop(String studyId, String why) {
        require(studyId);
        if (!studies.changeStatus(studyId, OPEN, StudyStatus.STOPPED, why, clock.instant())) {
            throw finished(require(studyId), "stopped");
        }
        audit.studyStopped(studyId, why, AuditTrail.actor());
        return require(studyId);
    }

    private static IllegalStateException finished(Study s, String verb) {
        return new IllegalStateException("study " + s.studyId() + " is " + s.status() + " (" + s.statusDetail()
                + ") and cannot be " + verb + "; its result is final. Create a new study to train again");
    }
}
