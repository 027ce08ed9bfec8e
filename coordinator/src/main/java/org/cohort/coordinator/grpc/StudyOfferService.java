package org.cohort.coordinator.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.cohort.coordinator.round.TaskFactory;
import org.cohort.coordinator.session.SiteDeclarations;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.StudyRepository;
import org.cohort.coordinator.study.StudyStatus;
import org.cohort.protocol.v1.GetOfferRequest;
import org.cohort.protocol.v1.ListOffersRequest;
import org.cohort.protocol.v1.ListOffersResponse;
import org.cohort.protocol.v1.StudyOffer;
import org.cohort.protocol.v1.StudyOffersGrpc;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * What a site's admin reviews before accepting a study ({@code cohort-agent studies list|show}):
 * the study's model, data schema and privacy terms as its tasks will carry them. Deny by default:
 * the calling site (from its certificate, {@link SiteAuthInterceptor}) sees the studies open to
 * new sites (created or running) and those it declared itself for before, and nothing else; any
 * other study is {@code NOT_FOUND}, as one that does not exist.
 */
@Component
class StudyOfferService extends StudyOffersGrpc.StudyOffersImplBase {
    private final Supplier<List<Study>> studies;
    private final Function<String, Map<String, Long>> declared;

    @Autowired
    StudyOfferService(StudyRepository studies, SiteDeclarations declarations) {
        this(studies::all, declarations::declared);
    }

    /** @param declared site id → the training size it declared for each study it ever accepted */
    StudyOfferService(Supplier<List<Study>> studies, Function<String, Map<String, Long>> declared) {
        this.studies = studies;
        this.declared = declared;
    }

    @Override
    public void listOffers(ListOffersRequest request, StreamObserver<ListOffersResponse> out) {
        String site = SiteContext.siteId();
        var mine = declared.apply(site);
        var response = ListOffersResponse.newBuilder();
        studies.get().stream()
                .filter(s -> visible(s, mine))
                .sorted(java.util.Comparator.comparing(Study::studyId))
                .forEach(s -> response.addOffers(offer(s, mine)));
        out.onNext(response.build());
        out.onCompleted();
    }

    @Override
    public void getOffer(GetOfferRequest request, StreamObserver<StudyOffer> out) {
        String site = SiteContext.siteId();
        var mine = declared.apply(site);
        Optional<Study> study = studies.get().stream()
                .filter(s -> s.studyId().equals(request.getStudyId()))
                .filter(s -> visible(s, mine))
                .findFirst();
        if (study.isEmpty()) {
            out.onError(Status.NOT_FOUND
                    .withDescription("no study '" + request.getStudyId() + "' is offered to this site")
                    .asRuntimeException());
            return;
        }
        out.onNext(reviewed(study.get(), mine));
        out.onCompleted();
    }

    /** Open to every enrolled site while it may still run; afterwards only to the sites that declared for it. */
    static boolean visible(Study study, Map<String, Long> declaredBySite) {
        return study.status() == StudyStatus.CREATED
                || study.status() == StudyStatus.RUNNING
                || declaredBySite.containsKey(study.studyId());
    }

    /**
     * The offer of one study, as {@code studies show} reviews it: with the study's own model
     * configuration when it carries one, or its module description (name, file digest, adapters) when it
     * names a PyTorch module (the list leaves them out, as a configuration may be large).
     */
    static StudyOffer reviewed(Study study, Map<String, Long> declaredBySite) {
        StudyOffer offer = offer(study, declaredBySite);
        if (study.spec().model() != null
                && (study.spec().model().custom() || study.spec().model().hasModule())) {
            offer = offer.toBuilder()
                    .setModelConfigJson(study.modelConfigJson())
                    .build();
        }
        return offer;
    }

    static StudyOffer offer(Study study, Map<String, Long> declaredBySite) {
        var spec = study.spec();
        var b = StudyOffer.newBuilder()
                .setStudyId(study.studyId())
                .setName(spec.name() == null ? "" : spec.name())
                .setStatus(study.status().name())
                .setRounds(spec.rounds() == null ? 0 : spec.rounds())
                .setRoundsDone(study.roundsDone())
                .setPrivacy(TaskFactory.privacy(spec))
                .setDataset(TaskFactory.dataset(spec.dataset()))
                .setDeclaredTrainingExamples(declaredBySite.getOrDefault(study.studyId(), 0L));
        if (spec.model() != null) {
            b.setModelPreset(spec.model().preset() == null ? "" : spec.model().preset());
            if (spec.model().hidden() != null) {
                b.addAllHiddenLayers(spec.model().hidden());
            }
        }
        if (spec.plan() != null && spec.plan().seed() != null) {
            b.setPlan(TaskFactory.trainingPlan(spec, spec.plan().seed()));
        }
        return b.build();
    }
}
