package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigTest {
    @TempDir Path dir;

    @Test
    void readsAddressesStudiesAndResolvesPathsAgainstTheConfigFile() throws Exception {
        Path file = dir.resolve("agent.properties");
        Files.writeString(file, """
                site.name=Cleveland
                coordinator.addresses=a:9443, b:9443
                data.path=data/heart.csv
                studies.accepted=st-2, st-1
                study.st-1.training-examples=240
                study.st-2.training-examples=1200
                """);
        var c = AgentConfig.load(file);
        assertThat(c.coordinatorAddresses()).containsExactly("a:9443", "b:9443");
        assertThat(c.acceptedStudies()).containsExactly("st-1", "st-2");
        assertThat(c.acceptance("st-2")).contains(new StudyAcceptance("st-2", 1200));
        assertThat(c.dataPath()).isEqualTo(dir.resolve("data/heart.csv"));
    }

    @Test
    void everyAcceptedStudyNeedsItsDeclaredTrainingSize() throws Exception {
        Path file = dir.resolve("agent.properties");
        Files.writeString(file, """
                coordinator.addresses=a:9443
                data.path=data/heart.csv
                studies.accepted=st-1, st-2
                study.st-2.training-examples=0
                """);
        assertThatThrownBy(() -> AgentConfig.load(file))
                .hasMessageContaining("set study.st-1.training-examples")
                .hasMessageContaining("set study.st-2.training-examples").hasMessageContaining("got '0'");
    }

    @Test
    void namesEveryMissingSetting() throws Exception {
        Path file = dir.resolve("agent.properties");
        Files.writeString(file, "site.name=x\n");
        assertThatThrownBy(() -> AgentConfig.load(file))
                .hasMessageContaining("set coordinator.addresses").hasMessageContaining("set data.path");
    }

    @Test
    void unenrolledAgentWithoutTokenSaysWhatToDo() throws Exception {
        Path file = dir.resolve("agent.properties");
        Files.writeString(file, "coordinator.addresses=localhost:1\ndata.path=x.csv\n");
        assertThatThrownBy(() -> Enroller.ensureEnrolled(AgentConfig.load(file)))
                .hasMessageContaining("enrollment.token");
    }
}
