package org.cohort.coordinator.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.cohort.coordinator.round.TaskFactory;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.coordinator.study.StudyStatus;
import org.cohort.protocol.StudyTerms;
import org.cohort.protocol.v1.Accountant;
import org.cohort.protocol.v1.GetOfferRequest;
import org.cohort.protocol.v1.ListOffersRequest;
import org.cohort.protocol.v1.PrivacyMode;
import org.cohort.protocol.v1.StudyOffer;
import org.cohort.protocol.v1.StudyOffersGrpc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The study offers an enrolled site sees over its session, on grpc-java's in-process transport. */
class StudyOfferServiceTest {
    private static final Metadata.Key<String> SITE = Metadata.Key.of("test-site", Metadata.ASCII_STRING_MARSHALLER);
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private Server server;
    private ManagedChannel channel;

    /** Stands in for {@link SiteAuthInterceptor}: the site a certificate would name, or none. */
    private static final ServerInterceptor AUTH = new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String site = headers.get(SITE);
            if (site == null) {
                call.close(Status.UNAUTHENTICATED.withDescription("no certificate"), new Metadata());
                return new ServerCall.Listener<>() {};
            }
            return Contexts.interceptCall(Context.current().withValue(SiteContext.SITE_ID, site), call, headers, next);
        }
    };

    private final List<Study> studies = List.of(
            study("st-created", StudyStatus.CREATED),
            study("st-running", StudyStatus.RUNNING),
            study("st-done-mine", StudyStatus.COMPLETED),
            study("st-done-other", StudyStatus.COMPLETED),
            study("st-stopped", StudyStatus.STOPPED));

    @BeforeEach
    void start() throws Exception {
        var service = new StudyOfferService(
                () -> studies,
                site -> site.equals("site-a") ? Map.of("st-done-mine", 240L, "st-running", 240L) : Map.of());
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name)
                .directExecutor()
                .addService(StrictRequests.of(ServerInterceptors.intercept(service, AUTH)))
                .build()
                .start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private StudyOffersGrpc.StudyOffersBlockingStub as(String site) {
        var headers = new Metadata();
        headers.put(SITE, site);
        return StudyOffersGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    @Test
    void aSiteSeesOpenStudiesAndThoseItDeclaredForOnly() {
        assertThat(as("site-a")
                        .listOffers(ListOffersRequest.getDefaultInstance())
                        .getOffersList())
                .extracting(StudyOffer::getStudyId)
                .containsExactly("st-created", "st-done-mine", "st-running");
        assertThat(as("site-b")
                        .listOffers(ListOffersRequest.getDefaultInstance())
                        .getOffersList())
                .extracting(StudyOffer::getStudyId)
                .containsExactly("st-created", "st-running");
        assertThatThrownBy(() -> as("site-b")
                        .getOffer(GetOfferRequest.newBuilder()
                                .setStudyId("st-done-mine")
                                .build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> as("site-a")
                        .getOffer(GetOfferRequest.newBuilder()
                                .setStudyId("st-none")
                                .build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void withoutASiteNothingIsAnswered() {
        assertThatThrownBy(() ->
                        StudyOffersGrpc.newBlockingStub(channel).listOffers(ListOffersRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }

    @Test
    void anOfferCarriesTheTermsEveryTaskCarries() {
        StudyOffer offer = as("site-a")
                .getOffer(GetOfferRequest.newBuilder().setStudyId("st-running").build());
        Study study = studies.get(1);
        assertThat(StudyTerms.of(offer.getPrivacy(), offer.getDataset()).digest())
                .isEqualTo(TaskFactory.terms(study.spec()).digest());
        assertThat(offer.getDeclaredTrainingExamples()).isEqualTo(240);
        assertThat(offer.getStatus()).isEqualTo("RUNNING");
        assertThat(offer.getPrivacy().getMode()).isEqualTo(PrivacyMode.PRIVACY_MODE_PATIENT);
        assertThat(offer.getDataset().getFeaturesList()).hasSize(1);
    }

    @Test
    void aStudysOwnModelTravelsInTheOfferItsAdminReviews() {
        assertThat(as("site-a")
                        .getOffer(GetOfferRequest.newBuilder()
                                .setStudyId("st-running")
                                .build())
                        .getModelConfigJson())
                .as("a preset is described by its name")
                .isEmpty();
        Study preset = studies.get(1);
        var model = new StudySpec.Model(
                "custom", List.of(), 42L, tools.jackson.databind.node.JsonNodeFactory.instance.objectNode());
        var spec = new StudySpec(
                        "own model", model, null, preset.spec().dataset(), 5, 2, 60, 1, "fedavg", null, null, null)
                .withDefaults();
        Study custom = new Study("st-own", spec, "{\"vertices\": {}}", StudyStatus.CREATED, "", 1, 0, T0, T0);
        StudyOffer offer = StudyOfferService.reviewed(custom, Map.of());
        assertThat(offer.getModelPreset()).isEqualTo("custom");
        assertThat(offer.getModelConfigJson()).isEqualTo("{\"vertices\": {}}");
    }

    private static Study study(String id, StudyStatus status) {
        var dataset = new StudySpec.Dataset(
                "csv", List.of(new StudySpec.Feature("age", 50.0, 10.0, null)), "target", null, null, null);
        var privacy = new StudySpec.Privacy(
                PrivacyMode.PRIVACY_MODE_PATIENT, 1.0, 1.1, 1e-5, 3.0, Accountant.ACCOUNTANT_RDP, 32, false);
        var spec = new StudySpec("test " + id, null, null, dataset, 5, 2, 60, 1, "fedavg", privacy, null, null)
                .withDefaults();
        return new Study(id, spec, "{}", status, "", 1, 0, T0, T0);
    }
}
