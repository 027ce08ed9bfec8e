package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigTest {
    @TempDir
    Path dir;

    /** Writes {@code text} as the agent's agent.properties and returns the file. */
    private Path properties(String text) throws java.io.IOException {
        Path file = dir.resolve("agent.properties");
        Files.writeString(file, text);
        return file;
    }

    /** As {@link #properties}, after the two settings every agent needs (one coordinator, the data file). */
    private Path withAddressAndData(String rest) throws java.io.IOException {
        return properties("coordinator.addresses=a:9443\ndata.path=data/heart.csv\n" + rest);
    }

    @Test
    void readsAddressesStudiesAndResolvesPathsAgainstTheConfigFile() throws Exception {
        Path file = properties("""
                site.name=Cleveland
                coordinator.addresses=a:9443, b:9443
                data.path=data/heart.csv
                studies.accepted=st-2, st-1
                study.st-1.training-examples=240
                study.st-1.terms=sha256:1111111111111111111111111111111111111111111111111111111111111111
                study.st-2.training-examples=1200
                study.st-2.terms=sha256:2222222222222222222222222222222222222222222222222222222222222222
                """);
        var c = AgentConfig.load(file);
        assertThat(c.coordinatorAddresses()).containsExactly("a:9443", "b:9443");
        assertThat(c.acceptedStudies()).containsExactly("st-1", "st-2");
        assertThat(c.acceptance("st-2"))
                .contains(new StudyAcceptance(
                        "st-2", 1200, "sha256:2222222222222222222222222222222222222222222222222222222222222222"));
        assertThat(c.patientEpsilonCeilingAllStudies()).isNull();
        assertThat(c.allStudiesDelta()).isEqualTo(1e-5);
        assertThat(c.dataPath()).isEqualTo(dir.resolve("data/heart.csv"));
    }

    @Test
    void namesItsTrainerDl4jByDefaultOrAnExternalCommand() throws Exception {
        var dl4j = AgentConfig.load(withAddressAndData(""));
        assertThat(dl4j.trainerCommand()).isEmpty();
        assertThat(dl4j.newTrainer()).isInstanceOf(Dl4jTrainer.class);
        var external = AgentConfig.load(withAddressAndData("""
                trainer.kind=external
                trainer.command=python3  /opt/cohort/trainers/pytorch/cohort_torch_worker.py --device cpu
                trainer.timeout-seconds=90
                """));
        assertThat(external.trainerCommand())
                .containsExactly("python3", "/opt/cohort/trainers/pytorch/cohort_torch_worker.py", "--device", "cpu");
        assertThat(external.trainerTimeoutSeconds()).isEqualTo(90);
        try (var trainer = external.newTrainer()) {
            assertThat(trainer).isInstanceOf(ExternalTrainer.class); // not started until its first use
        }
        assertThatThrownBy(() -> AgentConfig.load(withAddressAndData("trainer.kind=external\n")))
                .hasMessageContaining("trainer.kind=external needs trainer.command");
        assertThatThrownBy(() -> AgentConfig.load(withAddressAndData("trainer.kind=torch\n")))
                .hasMessageContaining("trainer.kind must be dl4j (in process) or external, got 'torch'");
        assertThatThrownBy(() -> AgentConfig.load(withAddressAndData("trainer.timeout-seconds=soon\n")))
                .hasMessageContaining("trainer.timeout-seconds must be a whole number");
    }

    @Test
    void namesTheSitesModuleDirectoryForAnExternalTrainerOnly() throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("modules"));
        java.nio.file.Files.writeString(dir.resolve("modules").resolve(SiteModules.MANIFEST), "{}");
        var config = AgentConfig.load(withAddressAndData("""
                trainer.kind=external
                trainer.command=python3 cohort_torch_worker.py
                trainer.modules=modules
                """));
        assertThat(config.siteModules().dir()).isEqualTo(dir.resolve("modules"));
        assertThat(AgentConfig.load(withAddressAndData("")).siteModules()).isNull();
        assertThatThrownBy(() -> AgentConfig.load(withAddressAndData("trainer.modules=modules\n")))
                .hasMessageContaining("trainer.modules needs trainer.kind=external");
        assertThatThrownBy(() -> AgentConfig.load(withAddressAndData("""
                        trainer.kind=external
                        trainer.command=python3 cohort_torch_worker.py
                        trainer.modules=nowhere
                        """)))
                .hasMessageContaining("holds no modules.json");
    }

    @Test
    void everyAcceptedStudyNeedsItsDeclaredTrainingSize() throws Exception {
        Path file = withAddressAndData("""
                studies.accepted=st-1, st-2
                study.st-2.training-examples=0
                study.st-1.terms=sha256:1111111111111111111111111111111111111111111111111111111111111111
                study.st-2.terms=sha256:2222222222222222222222222222222222222222222222222222222222222222
                """);
        assertThatThrownBy(() -> AgentConfig.load(file))
                .hasMessageContaining("set study.st-1.training-examples")
                .hasMessageContaining("set study.st-2.training-examples")
                .hasMessageContaining("got '0'");
    }

    @Test
    void everyAcceptedStudyNeedsThePinnedDigestOfItsTerms() throws Exception {
        Path file = withAddressAndData("""
                studies.accepted=st-1, st-2
                study.st-1.training-examples=10
                study.st-2.training-examples=10
                study.st-2.terms=sha256:ABC
                """);
        assertThatThrownBy(() -> AgentConfig.load(file))
                .hasMessageContaining("set study.st-1.terms to the digest of study st-1's terms you reviewed")
                .hasMessageContaining("GET /api/studies/st-1/terms")
                .hasMessageContaining("set study.st-2.terms")
                .hasMessageContaining("got 'sha256:ABC'");
    }

    @Test
    void readsTheCeilingOverAllStudiesWithItsOwnDelta() throws Exception {
        Path file = withAddressAndData("""
                privacy.patient-epsilon-ceiling-all-studies=2.5
                privacy.patient-delta-all-studies=1e-6
                """);
        var c = AgentConfig.load(file);
        assertThat(c.patientEpsilonCeilingAllStudies()).isEqualTo(2.5);
        assertThat(c.allStudiesDelta()).isEqualTo(1e-6);
        Files.writeString(file, "coordinator.addresses=a:9443\ndata.path=x.csv\nprivacy.patient-delta-all-studies=1\n");
        assertThatThrownBy(() -> AgentConfig.load(file)).hasMessageContaining("privacy.patient-delta-all-studies");
    }

    @Test
    void namesEveryMissingSetting() throws Exception {
        Path file = properties("site.name=x\n");
        assertThatThrownBy(() -> AgentConfig.load(file))
                .hasMessageContaining("set coordinator.addresses")
                .hasMessageContaining("set data.path");
    }

    @Test
    void unenrolledAgentWithoutTokenSaysWhatToDo() throws Exception {
        Path file = properties("coordinator.addresses=localhost:1\ndata.path=x.csv\n");
        assertThatThrownBy(() -> Enroller.ensureEnrolled(AgentConfig.load(file)))
                .hasMessageContaining("enrollment.token");
    }

    @Test
    void refusesEndOfLineCommentsInsteadOfReadingThemAsPartOfTheValue() throws Exception {
        Path file = properties("""
                coordinator.addresses=a:9443
                data.path=heart.csv
                studies.accepted=st-1a2b3c4d                 # the studies this hospital agreed to
                work.dir=/var/lib/cohort-agent	! identity, ledger
                """);
        assertThatThrownBy(() -> AgentConfig.load(file))
                .hasMessageContaining("studies.accepted has an end-of-line comment")
                .hasMessageContaining("work.dir has an end-of-line comment")
                .hasMessageContaining("move the comment to its own line");
    }

    @Test
    void theReadmeTemplateLoadsAsWritten() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("```properties\nsite.name=");
        assertThat(start).as("the README's agent.properties template").isNotNegative();
        String template = readme.substring(readme.indexOf('\n', start) + 1, readme.indexOf("```", start + 3));
        Path file = properties(template);
        var c = AgentConfig.load(file);
        assertThat(c.acceptedStudies()).containsExactly("st-1a2b3c4d");
        assertThat(c.caFingerprint()).isEqualTo("sha256:...");
        assertThat(c.acceptance("st-1a2b3c4d").orElseThrow().termsDigest()).startsWith("sha256:0000");
        assertThat(c.patientEpsilonCeilingAllStudies()).isEqualTo(2.0);
        assertThat(c.allStudiesDelta()).isEqualTo(1e-5);
    }
}
