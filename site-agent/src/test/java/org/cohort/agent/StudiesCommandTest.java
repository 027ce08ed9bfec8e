package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.cohort.protocol.StudyTerms;
import org.cohort.protocol.v1.Accountant;
import org.cohort.protocol.v1.DatasetSpec;
import org.cohort.protocol.v1.FeatureColumnSpec;
import org.cohort.protocol.v1.GetOfferRequest;
import org.cohort.protocol.v1.ListOffersRequest;
import org.cohort.protocol.v1.ListOffersResponse;
import org.cohort.protocol.v1.PrivacyMode;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.StudyOffer;
import org.cohort.protocol.v1.StudyOffersGrpc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cohort-agent studies ...} against a coordinator on grpc-java's in-process transport. */
class StudiesCommandTest {
    static final StudyOffer OFFER = StudyOffer.newBuilder()
            .setStudyId("st-1a2b3c4d")
            .setName("heart disease")
            .setStatus("RUNNING")
            .setModelPreset("logistic-regression")
            .setRounds(5)
            .setPrivacy(PrivacyPlan.newBuilder()
                    .setMode(PrivacyMode.PRIVACY_MODE_PATIENT)
                    .setClipNorm(1.0)
                    .setNoiseMultiplier(1.1)
                    .setExpectedBatchSize(32)
                    .setDelta(1e-5)
                    .setEpsilonBudget(3.0)
                    .setAccountant(Accountant.ACCOUNTANT_RDP)
                    .setStudyRounds(5)
                    .setMaxSiteExamples(10_000))
            .setDataset(DatasetSpec.newBuilder()
                    .setFormat("csv")
                    .setLabelColumn("num")
                    .setTestFraction(0.2)
                    .addFeatures(FeatureColumnSpec.newBuilder()
                            .setName("age")
                            .setHasScaling(true)
                            .setCenter(50)
                            .setScale(10)))
            .build();
    static final String DIGEST =
            StudyTerms.of(OFFER.getPrivacy(), OFFER.getDataset()).digest();
    static final String CONFIG = """
            # Cleveland's agent: keep this comment
            site.name=Cleveland
            coordinator.addresses=localhost:9443
            data.path=site.csv

            # the studies this hospital agreed to
            studies.accepted=
            ! a bang comment, kept too
            privacy.patient-epsilon-ceiling=1.0
            """;

    @TempDir
    Path dir;

    Path file;
    Server server;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream stdout;
    PrintStream stderr;

    @BeforeEach
    void setUp() throws Exception {
        file = Files.writeString(dir.resolve("agent.properties"), CONFIG);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name)
                .directExecutor()
                .addService(new StudyOffersGrpc.StudyOffersImplBase() {
                    @Override
                    public void listOffers(ListOffersRequest request, StreamObserver<ListOffersResponse> o) {
                        o.onNext(
                                ListOffersResponse.newBuilder().addOffers(OFFER).build());
                        o.onCompleted();
                    }

                    @Override
                    public void getOffer(GetOfferRequest request, StreamObserver<StudyOffer> o) {
                        // "st-decoy": a hostile coordinator answering with another study of the same terms.
                        if (request.getStudyId().equals(OFFER.getStudyId())
                                || request.getStudyId().equals("st-decoy")) {
                            o.onNext(OFFER);
                            o.onCompleted();
                        } else {
                            o.onError(Status.NOT_FOUND
                                    .withDescription("not offered")
                                    .asRuntimeException());
                        }
                    }
                })
                .build()
                .start();
        StudiesCommand.channels =
                config -> InProcessChannelBuilder.forName(name).directExecutor().build();
        stdout = System.out;
        stderr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void tearDown() {
        System.setOut(stdout);
        System.setErr(stderr);
        StudiesCommand.channels = StudiesCommand::mutualTls;
        server.shutdownNow();
    }

    private int accept() {
        return run(
                "studies",
                "accept",
                "st-1a2b3c4d",
                "--training-examples",
                "240",
                "--terms",
                DIGEST,
                "--config",
                file.toString());
    }

    private int run(String... args) {
        return AgentCommand.execute(args);
    }

    @Test
    void acceptPinsExactlyTheDigestComputedHereAndKeepsComments() throws Exception {
        assertThat(accept()).as(err.toString()).isZero();
        AgentConfig config = AgentConfig.load(file);
        assertThat(config.acceptance("st-1a2b3c4d")).contains(new StudyAcceptance("st-1a2b3c4d", 240, DIGEST));
        String text = Files.readString(file);
        assertThat(text)
                .contains("# Cleveland's agent: keep this comment\n")
                .contains("# the studies this hospital agreed to\nstudies.accepted=st-1a2b3c4d\n")
                .contains("! a bang comment, kept too\n")
                .contains("privacy.patient-epsilon-ceiling=1.0\n")
                .endsWith("study.st-1a2b3c4d.training-examples=240\nstudy.st-1a2b3c4d.terms=" + DIGEST + "\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(dir).isDirectoryNotContaining(p -> p.getFileName().toString().contains(".tmp-"));

        // with --terms as shown: the same
        assertThat(run(
                        "studies",
                        "accept",
                        "st-1a2b3c4d",
                        "--training-examples",
                        "240",
                        "--terms",
                        DIGEST,
                        "--config",
                        file.toString()))
                .isZero();
        assertThat(Files.readString(file)).isEqualTo(text);
    }

    @Test
    void acceptWithASavedReviewPinsWhatTheReviewShowsAndRefusesAnyOtherFile() throws Exception {
        Path review = dir.resolve("review.txt");
        Files.writeString(review, String.join("\n", StudyReview.show(OFFER)) + "\n");
        assertThat(run(
                        "studies",
                        "accept",
                        "st-1a2b3c4d",
                        "--training-examples",
                        "240",
                        "--reviewed",
                        review.toString(),
                        "--config",
                        file.toString()))
                .as(err.toString())
                .isZero();
        assertThat(AgentConfig.load(file).acceptance("st-1a2b3c4d"))
                .contains(new StudyAcceptance("st-1a2b3c4d", 240, DIGEST));

        Files.writeString(file, CONFIG);
        Path other = dir.resolve("other.txt");
        Files.writeString(other, Files.readString(review).replace("accept st-1a2b3c4d ", "accept st-other "));
        Path notAReview = dir.resolve("notes.txt");
        Files.writeString(notAReview, "looks fine to me\n");
        for (Path bad : List.of(other, notAReview)) {
            assertThat(run(
                            "studies",
                            "accept",
                            "st-1a2b3c4d",
                            "--training-examples",
                            "240",
                            "--reviewed",
                            bad.toString(),
                            "--config",
                            file.toString()))
                    .isEqualTo(1);
            assertThat(Files.readString(file)).isEqualTo(CONFIG);
        }
        assertThat(err.toString())
                .contains("is a review of another study")
                .contains("is not the saved output of 'cohort-agent studies show st-1a2b3c4d'");
        assertThat(run(
                        "studies",
                        "accept",
                        "st-1a2b3c4d",
                        "--training-examples",
                        "240",
                        "--terms",
                        DIGEST,
                        "--reviewed",
                        review.toString(),
                        "--config",
                        file.toString()))
                .isEqualTo(2);
    }

    @Test
    void acceptNeedsTheReviewedDigestAndTheStudyTheAdminNamed() throws Exception {
        assertThat(run("studies", "accept", "st-1a2b3c4d", "--training-examples", "240", "--config", file.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--terms");
        assertThat(run(
                        "studies",
                        "accept",
                        "st-decoy",
                        "--training-examples",
                        "240",
                        "--terms",
                        DIGEST,
                        "--config",
                        file.toString()))
                .isEqualTo(1);
        assertThat(err.toString())
                .contains("asked for study st-decoy but the coordinator answered with study st-1a2b3c4d")
                .contains("nothing was written");
        assertThat(Files.readString(file)).isEqualTo(CONFIG);
    }

    @Test
    void aStudysOwnModelIsSummarisedAsThisAgentParsesIt() throws Exception {
        String json = Files.readString(Path.of("..", "docs", "models", "heart-residual-mlp.json"));
        String shown = String.join(
                "\n",
                StudyReview.show(OFFER.toBuilder()
                        .setModelPreset("custom")
                        .setModelConfigJson(json)
                        .build()));
        assertThat(shown)
                .contains("model: custom")
                .contains("  ComputationGraph: 15 inputs, 2 classes, 562 parameters")
                .contains("    residual <- [hidden, block]: ElementWiseVertex");
        assertThat(String.join(
                        "\n",
                        StudyReview.show(OFFER.toBuilder()
                                .setModelPreset("custom")
                                .setModelConfigJson(json.replace("DenseLayer", "LSTM"))
                                .build())))
                .contains("this agent cannot build it, and would refuse the study's tasks")
                .contains("org.deeplearning4j.nn.conf.layers.LSTM");
    }

    @Test
    void controlCharactersFromTheCoordinatorCannotRewriteWhatTheAdminReads() {
        assertThat(StudyReview.printable("study \u001b[2Jfake\nmode: none")).isEqualTo("study ?[2Jfake?mode: none");
    }

    @Test
    void aMismatchedTermsDigestIsRefusedAndNothingIsWritten() throws Exception {
        String other = "sha256:" + "0".repeat(64);
        assertThat(run(
                        "studies",
                        "accept",
                        "st-1a2b3c4d",
                        "--training-examples",
                        "240",
                        "--terms",
                        other,
                        "--config",
                        file.toString()))
                .isEqualTo(1);
        assertThat(err.toString())
                .contains("refused: the terms digest given (--terms " + other + ")")
                .contains(DIGEST)
                .contains("Nothing was written");
        assertThat(Files.readString(file)).isEqualTo(CONFIG);
    }

    @Test
    void showPutsTheTermsInWordsWithTheLocallyComputedDigest() {
        assertThat(run("studies", "show", "st-1a2b3c4d", "--config", file.toString()))
                .isZero();
        assertThat(out.toString())
                .contains("mode: patient")
                .contains("ε budget per patient: 3.0")
                .contains("δ: 1.0E-5")
                .contains("accountant: rdp")
                .contains("noise multiplier (floor): 1.1")
                .contains("clip norm: 1.0")
                .contains("secure aggregation: no")
                .contains("max training size a site may declare: 10000")
                .contains("age: numeric, (x - 50.0) / 10.0")
                .contains("terms digest (computed here): " + DIGEST);
        assertThat(run("studies", "show", "st-unknown", "--config", file.toString()))
                .isEqualTo(1);
        assertThat(err.toString()).contains("NOT_FOUND");
    }

    @Test
    void listSaysWhichOfferedStudiesThisSiteAccepts() {
        assertThat(run("studies", "list", "--config", file.toString())).isZero();
        assertThat(out.toString()).contains("st-1a2b3c4d").contains("RUNNING").contains("not accepted");
        out.reset();
        assertThat(accept()).isZero();
        out.reset();
        assertThat(run("studies", "list", "--config", file.toString())).isZero();
        assertThat(out.toString()).contains("accepted (terms pinned)");
    }

    @Test
    void withdrawRemovesTheStudyAndARunningAgentStopsAcceptingIt() throws Exception {
        assertThat(accept()).isZero();
        var running = new AcceptedStudies(file, AgentConfig.load(file).accepted());
        assertThat(running.acceptance("st-1a2b3c4d")).isPresent();

        assertThat(run("studies", "withdraw", "st-1a2b3c4d", "--config", file.toString()))
                .isZero();
        assertThat(running.refresh()).as("the change is seen").isTrue();
        assertThat(running.acceptance("st-1a2b3c4d"))
                .as("its next task is refused")
                .isEmpty();
        assertThat(Files.readString(file))
                .doesNotContain("study.st-1a2b3c4d")
                .contains("# Cleveland's agent: keep this comment\n")
                .contains("studies.accepted=\n");
        assertThat(run("studies", "withdraw", "st-1a2b3c4d", "--config", file.toString()))
                .isEqualTo(1);
    }

    @Test
    void aBrokenEditWithdrawsButNeverAdds() throws Exception {
        assertThat(accept()).isZero();
        var running = new AcceptedStudies(file, AgentConfig.load(file).accepted());
        // by hand: a second study without its lines, and the first one dropped
        AgentProperties.write(file, CONFIG.replace("studies.accepted=", "studies.accepted=st-new"));
        assertThat(running.refresh()).isTrue();
        assertThat(running.current()).isEmpty();
    }
}
