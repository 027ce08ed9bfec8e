package org.cohort.coordinator.api;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cohort.coordinator.registry.ModelRegistry;
import org.cohort.coordinator.registry.ModelVersion;
import org.cohort.coordinator.round.RoundRepository;
import org.cohort.coordinator.round.RoundRepository.EvaluationRow;
import org.cohort.coordinator.round.RoundRepository.ReportRow;
import org.cohort.coordinator.round.TaskFactory;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.StudyService;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.protocol.StudyTerms;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Studies, their rounds with metrics, and their model versions. */
@RestController
@RequestMapping("/api/studies")
public class StudiesController {
    private final StudyService studies;
    private final RoundRepository rounds;
    private final ModelRegistry registry;

    public StudiesController(StudyService studies, RoundRepository rounds, ModelRegistry registry) {
        this.studies = studies;
        this.rounds = rounds;
        this.registry = registry;
    }

    public record StudyView(
            String studyId,
            String name,
            String status,
            String statusDetail,
            long currentVersion,
            int roundsDone,
            int rounds,
            StudySpec spec,
            TermsView terms,
            Instant createdAt,
            Instant updatedAt) {
        static StudyView of(Study s) {
            return new StudyView(
                    s.studyId(),
                    s.spec().name(),
                    s.status().name(),
                    s.statusDetail(),
                    s.currentVersion(),
                    s.roundsDone(),
                    s.spec().rounds(),
                    s.spec(),
                    TermsView.of(s),
                    s.createdAt(),
                    s.updatedAt());
        }
    }

    /**
     * The study's privacy terms as a site's admin reviews and pins them: {@code agentProperty} is the
     * line to add to agent.properties; {@code canonical} is the exact text the {@code digest} is over,
     * so anyone can recompute it (SHA-256 of its UTF-8 bytes).
     */
    public record TermsView(
            String studyId, StudyTerms terms, String unit, String canonical, String digest, String agentProperty) {
        static TermsView of(Study s) {
            StudyTerms t = TaskFactory.terms(s.spec());
            return new TermsView(
                    s.studyId(),
                    t,
                    t.unit(),
                    t.canonicalJson(),
                    t.digest(),
                    "study." + s.studyId() + ".terms=" + t.digest());
        }
    }

    /** What a site's admin pins when accepting the study; every task of the study carries exactly these terms. */
    @GetMapping("/{studyId}/terms")
    public TermsView terms(@PathVariable String studyId) {
        return TermsView.of(studies.require(studyId));
    }

    @PostMapping
    public StudyView create(@RequestBody StudySpec spec) {
        return StudyView.of(studies.create(spec));
    }

    @GetMapping
    public List<StudyView> list() {
        return studies.all().stream().map(StudyView::of).toList();
    }

    @GetMapping("/{studyId}")
    public StudyView get(@PathVariable String studyId) {
        return StudyView.of(studies.require(studyId));
    }

    @PostMapping("/{studyId}/start")
    public StudyView start(@PathVariable String studyId) {
        return StudyView.of(studies.start(studyId));
    }

    @PostMapping("/{studyId}/stop")
    public StudyView stop(@PathVariable String studyId) {
        return StudyView.of(studies.stop(studyId, "stopped by admin"));
    }

    /**
     * The global model evaluated on every site's held-out data, and pooled over sites.
     *
     * @param meanLoss null when any site released its evaluation under DP (no loss is released then)
     * @param release "in clear", or, under DP, how the figures were noised: they are estimates from
     *     noised counts, each site's charged to its patient-level budget
     * @param scores a binary study's AUROC, AUPRC and calibration error per site and pooled, from the
     *     sites' score histograms; null for a multiclass or survival study
     * @param errors a regression study's MAE and RMSE per site and pooled, in the label's unit, from the
     *     sites' error sums (its accuracy figures are then 0: no row is "correct"); null for other studies
     */
    public record Evaluation(
            long version,
            double pooledAccuracy,
            long examples,
            Double meanLoss,
            Map<String, Double> accuracyBySite,
            String release,
            ScoreMetricsView.Pooled scores,
            ErrorMetricsView.Pooled errors) {
        static Evaluation of(long version, List<EvaluationRow> rows) {
            return of(version, rows, Double.NaN);
        }

        /** The evaluation of {@code rows}, with a regression study's label range width (NaN for other studies). */
        static Evaluation of(long version, List<EvaluationRow> rows, double labelRangeWidth) {
            long examples = 0;
            long correct = 0;
            double loss = 0;
            Double noise = null;
            var bySite = new java.util.TreeMap<String, Double>();
            for (var r : rows) {
                examples += r.examples();
                correct += r.correct();
                loss += r.loss() * r.examples();
                bySite.put(r.siteId(), r.examples() == 0 ? 0 : (double) r.correct() / r.examples());
                if (r.noiseMultiplier() != null) {
                    noise = r.noiseMultiplier();
                }
            }
            String release = noise == null
                    ? "in clear"
                    : "from "
                            + (rows.stream().allMatch(r -> r.errors() != null)
                                    ? "error sums (count, Σ|e|/R, Σ(e/R)²; L2 sensitivity √3)"
                                    : rows.stream().allMatch(r -> r.scores() != null)
                                            ? "score histograms"
                                            : "confusion matrices")
                            + " with discrete Gaussian noise of σ "
                            + String.format(java.util.Locale.ROOT, "%.4g", noise) + " on every count (patient-level DP,"
                            + " add/remove one patient, charged to each site's study budget): estimates, not exact counts";
            return new Evaluation(
                    version,
                    examples == 0 ? 0 : (double) correct / examples,
                    examples,
                    noise != null ? null : examples == 0 ? 0 : loss / examples,
                    bySite,
                    release,
                    ScoreMetricsView.Pooled.of(rows),
                    ErrorMetricsView.Pooled.of(rows, labelRangeWidth));
        }
    }

    public record RoundView(
            int roundNumber,
            int attempt,
            String kind,
            String status,
            long baseVersion,
            Long resultVersion,
            List<String> selected,
            List<String> reported,
            Map<String, String> dropped,
            Double trainLoss,
            long examples,
            Long durationMillis,
            Evaluation evaluation,
            String detail,
            List<String> resent,
            Upload upload) {}

    /**
     * What a training round's accepted uploads weighed (model downloads are not counted: they stay
     * the full model). Null for rounds without uploads.
     *
     * @param updateValues   values in each upload (the trainable part when the study freezes layers)
     * @param updates        accepted uploads counted
     * @param bytesReceived  their encoded payloads' bytes, summed
     * @param fullModelBytes what the same uploads would have weighed carrying every parameter
     * @param bytesSaved     fullModelBytes − bytesReceived: what freezing layers saved
     */
    public record Upload(long updateValues, int updates, long bytesReceived, long fullModelBytes, long bytesSaved) {
        static Upload of(List<ReportRow> reports) {
            long values = 0;
            int updates = 0;
            long bytes = 0;
            long full = 0;
            for (var r : reports) {
                if (r.outcome().equals("ACCEPTED") && r.upload() != null) {
                    values = Math.max(values, r.upload().updateValues());
                    updates++;
                    bytes += r.upload().bytesReceived();
                    full += r.upload().fullModelBytes();
                }
            }
            return updates == 0 ? null : new Upload(values, updates, bytes, full, full - bytes);
        }
    }

    @GetMapping("/{studyId}/rounds")
    public List<RoundView> rounds(@PathVariable String studyId) {
        var dataset = studies.require(studyId).spec().dataset();
        var target = dataset == null ? null : dataset.regressionTarget();
        double width = target == null ? Double.NaN : target.width();
        var reports = rounds.reportsByRound(studyId);
        var evaluations = rounds.evaluationsByVersion(studyId);
        var out = new ArrayList<RoundView>();
        for (var r : rounds.rounds(studyId)) {
            List<ReportRow> rr = reports.getOrDefault(r.roundId(), List.of());
            var reported = new ArrayList<String>();
            var dropped = new java.util.TreeMap<String, String>();
            var lost = new java.util.TreeMap<String, String>();
            double lossSum = 0;
            long examples = 0;
            for (var rep : rr) {
                if (rep.outcome().equals("ACCEPTED")) {
                    reported.add(rep.siteId());
                    if (rep.exampleCount() != null && rep.trainLoss() != null) {
                        lossSum += rep.trainLoss() * rep.exampleCount();
                        examples += rep.exampleCount();
                    }
                } else if (rep.outcome().equals("LOST")) {
                    lost.put(rep.siteId(), rep.outcome() + ": " + rep.detail());
                } else {
                    dropped.put(rep.siteId(), rep.outcome() + ": " + rep.detail());
                }
            }
            // An update lost with a coordinator replica and sent again counts once; one never re-sent is a drop.
            var resent = new ArrayList<String>();
            lost.forEach((site, why) -> {
                if (reported.contains(site)) {
                    resent.add(site);
                } else {
                    dropped.putIfAbsent(site, why);
                }
            });
            // Training rounds are judged by the model they produced; the final evaluation by the one it checked.
            Long evaluated = r.kind().equals("TRAIN") ? r.resultVersion() : Long.valueOf(r.baseVersion());
            Evaluation eval = evaluated != null && evaluations.containsKey(evaluated)
                    ? Evaluation.of(evaluated, evaluations.get(evaluated), width)
                    : null;
            out.add(new RoundView(
                    r.roundNumber(),
                    r.attempt(),
                    r.kind(),
                    r.status(),
                    r.baseVersion(),
                    r.resultVersion(),
                    r.selected(),
                    reported,
                    dropped,
                    examples == 0 || !r.kind().equals("TRAIN") ? null : lossSum / examples,
                    examples,
                    r.closedAt() == null
                            ? null
                            : Duration.between(r.startedAt(), r.closedAt()).toMillis(),
                    eval,
                    r.detail(),
                    resent,
                    Upload.of(rr)));
        }
        return out;
    }

    public record ModelView(
            long version,
            long parentVersion,
            int roundNumber,
            long numParameters,
            String payloadSha256,
            List<String> contributors,
            Instant createdAt) {
        static ModelView of(ModelVersion m) {
            return new ModelView(
                    m.version(),
                    m.parentVersion(),
                    m.roundNumber(),
                    m.numParameters(),
                    m.payloadSha256Hex(),
                    m.contributors(),
                    m.createdAt());
        }
    }

    @GetMapping("/{studyId}/models")
    public List<ModelView> models(@PathVariable String studyId) {
        studies.require(studyId);
        return registry.list(studyId).stream().map(ModelView::of).toList();
    }

    /** The model's DL4J configuration (JSON) — load it and the parameters to use the model. */
    @GetMapping(value = "/{studyId}/model-config", produces = MediaType.APPLICATION_JSON_VALUE)
    public String modelConfig(@PathVariable String studyId) {
        return studies.require(studyId).modelConfigJson();
    }

    /** Parameters as little-endian float32; the digest header lets the caller verify them. */
    @GetMapping("/{studyId}/models/{version}/parameters")
    public ResponseEntity<Resource> parameters(@PathVariable String studyId, @PathVariable long version)
            throws IOException {
        var mv = registry.find(studyId, version)
                .orElseThrow(() -> new ApiErrors.NotFoundException("no model version " + version + " in study "
                        + studyId + "; list them with GET /api/studies/" + studyId + "/models"));
        return ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .contentLength(Files.size(mv.path()))
                .header(
                        HttpHeaders.CONTENT_DISPOSITION,
                        "attachment; filename=\"" + studyId + "-v" + version + ".f32\"")
                .header("X-Cohort-Sha256", mv.payloadSha256Hex())
                .body(new FileSystemResource(mv.path()));
    }
}
