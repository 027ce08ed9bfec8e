package org.cohort.agent;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.cohort.crypto.tls.TlsTrust;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.protocol.v1.GetOfferRequest;
import org.cohort.protocol.v1.ListOffersRequest;
import org.cohort.protocol.v1.StudyOffer;
import org.cohort.protocol.v1.StudyOffersGrpc;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cohort-agent studies list|show|accept|withdraw}: the site's admin reviews the studies the
 * coordinator offers this site (over the agent's own mutual-TLS identity) and accepts or withdraws
 * them in {@code agent.properties}; a running agent picks the change up without a restart.
 */
@Command(
        name = "studies",
        mixinStandardHelpOptions = true,
        description = "Lists, shows, accepts and withdraws the studies the coordinator offers this site.",
        subcommands = {
            StudiesCommand.ListStudies.class,
            StudiesCommand.Show.class,
            StudiesCommand.Accept.class,
            StudiesCommand.Withdraw.class
        })
final class StudiesCommand {
    /** How a command reaches the coordinator: the agent's enrolled identity, the configured addresses. Tests replace it. */
    static volatile Function<AgentConfig, ManagedChannel> channels = StudiesCommand::mutualTls;

    abstract static class WithConfig implements Callable<Integer> {
        @Option(
                names = "--config",
                paramLabel = "FILE",
                defaultValue = "agent.properties",
                description = "the agent's agent.properties (default: ${DEFAULT-VALUE})")
        Path config;

        @Override
        public Integer call() {
            AgentConfig loaded;
            try {
                loaded = AgentConfig.load(config);
            } catch (IllegalArgumentException e) {
                System.err.println(e.getMessage());
                return 2;
            }
            try {
                return run(loaded);
            } catch (IllegalArgumentException | IllegalStateException e) {
                System.err.println(e.getMessage());
                return 1;
            } catch (StatusRuntimeException e) {
                System.err.println(
                        "the coordinator did not answer: " + e.getStatus().getCode()
                                + (e.getStatus().getDescription() == null
                                        ? ""
                                        : " - " + e.getStatus().getDescription()));
                return 1;
            } catch (java.io.IOException e) {
                System.err.println("cannot read or write " + config + ": " + e.getMessage());
                return 1;
            }
        }

        abstract int run(AgentConfig loaded) throws java.io.IOException;

        <T> T ask(AgentConfig loaded, Function<StudyOffersGrpc.StudyOffersBlockingStub, T> call) {
            ManagedChannel channel = channels.apply(loaded);
            try {
                return call.apply(StudyOffersGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS));
            } finally {
                channel.shutdownNow();
            }
        }

        StudyOffer offer(AgentConfig loaded, String id) {
            StudyOffer offer = ask(
                    loaded,
                    s -> s.getOffer(GetOfferRequest.newBuilder().setStudyId(id).build()));
            // The terms digest does not cover the study id: a coordinator answering with another
            // study of the same terms would otherwise have the admin accept a study they never named.
            if (!offer.getStudyId().equals(id)) {
                throw new IllegalStateException("refused: asked for study " + id + " but the coordinator answered"
                        + " with study " + StudyReview.printable(offer.getStudyId()) + "; nothing was written");
            }
            return offer;
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "The studies offered to this site, and which it accepts.")
    static final class ListStudies extends WithConfig {
        @Override
        int run(AgentConfig loaded) throws java.io.IOException {
            List<StudyOffer> offers = ask(
                    loaded,
                    s -> s.listOffers(ListOffersRequest.getDefaultInstance()).getOffersList());
            StudyReview.list(offers, config).stream()
                    .map(StudyReview::printable)
                    .forEach(System.out::println);
            return 0;
        }
    }

    /** A command about one study, named by its id. */
    abstract static class OneStudy extends WithConfig {
        @Parameters(paramLabel = "STUDY", description = "the study id")
        String study;
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "A study's model, data schema and privacy terms, and the terms digest computed here.")
    static final class Show extends OneStudy {
        @Override
        int run(AgentConfig loaded) {
            StudyOffer offer = offer(loaded, study);
            var lines = new java.util.ArrayList<>(StudyReview.show(offer));
            lines.add(StudyReview.dataFit(offer, loaded.dataPath(), loaded.workDir()));
            lines.stream().map(StudyReview::printable).forEach(System.out::println);
            return 0;
        }
    }

    @Command(
            name = "accept",
            mixinStandardHelpOptions = true,
            description =
                    "Accepts a study: pins its terms digest (computed here) and this site's declared training size.")
    static final class Accept extends OneStudy {
        @Option(
                names = "--training-examples",
                paramLabel = "N",
                required = true,
                description = "the training size this site declares (public; the weight of its updates)")
        long trainingExamples;

        @Option(
                names = "--terms",
                paramLabel = "sha256:HEX",
                description = "the digest shown by 'studies show' and reviewed; refused unless it is the digest of"
                        + " the terms the coordinator sends now (so what is pinned is what was reviewed)")
        String terms;

        @Option(
                names = "--reviewed",
                paramLabel = "FILE",
                description = "instead of --terms: the saved output of 'studies show' that was reviewed; its terms"
                        + " digest is the one required")
        java.nio.file.Path reviewed;

        @Override
        int run(AgentConfig loaded) throws java.io.IOException {
            if ((terms == null) == (reviewed == null)) {
                System.err.println("give the reviewed terms: --terms sha256:... (the digest 'studies show' printed) or"
                        + " --reviewed FILE (its saved output), one of the two");
                return 2;
            }
            String expected = terms != null ? terms : StudyReview.reviewedDigest(reviewed, study);
            System.out.println(StudyReview.accept(config, offer(loaded, study), trainingExamples, expected));
            return 0;
        }
    }

    @Command(
            name = "withdraw",
            mixinStandardHelpOptions = true,
            description = "Withdraws a study: a running agent refuses its tasks from then on.")
    static final class Withdraw extends OneStudy {
        @Override
        int run(AgentConfig loaded) throws java.io.IOException {
            System.out.println(StudyReview.withdraw(config, study));
            return 0;
        }
    }

    private static final java.time.Duration ENROLLMENT_WAIT = java.time.Duration.ofSeconds(60);

    /**
     * An agent started a moment ago with its token may still be enrolling: give it a minute, so
     * that "start the agent, then review a study" works without a sleep in between.
     */
    static void awaitEnrollment(AgentConfig config, java.time.Duration wait) {
        if (AgentIdentity.exists(config.workDir()) || config.enrollmentToken().isEmpty()) {
            return;
        }
        System.err.println("waiting up to " + wait.toSeconds() + " s for the agent to enroll (it must be running:"
                + " cohort-agent --config ...)");
        long deadline = System.nanoTime() + wait.toNanos();
        while (!AgentIdentity.exists(config.workDir()) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A channel to the first configured coordinator address, under the agent's enrolled identity. */
    static ManagedChannel mutualTls(AgentConfig config) {
        awaitEnrollment(config, ENROLLMENT_WAIT);
        if (!AgentIdentity.exists(config.workDir())) {
            throw new IllegalStateException("this agent has not enrolled yet (no identity in " + config.workDir()
                    + "): start it once with its enrollment token (cohort-agent --config ...), then review studies");
        }
        AgentIdentity identity = AgentIdentity.load(config);
        var credentials = TlsChannelCredentials.newBuilder()
                .keyManager(identity.site().keyManagers())
                .trustManager(TlsTrust.coordinator(identity.site().caCertificate()))
                .build();
        return NettyChannelBuilder.forTarget(config.coordinatorAddresses().getFirst(), credentials)
                .maxInboundMessageSize(ProtocolLimits.MAX_MESSAGE_BYTES)
                .build();
    }
}
