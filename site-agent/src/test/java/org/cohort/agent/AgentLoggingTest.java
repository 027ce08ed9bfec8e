package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/** The agent's log: timestamped plain lines or JSON, on stderr and a size-rotated file in the work directory. */
class AgentLoggingTest {
    @TempDir
    Path dir;

    @AfterEach
    void restore() throws Exception {
        var context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        new ch.qos.logback.classic.util.ContextInitializer(context).autoConfig();
    }

    @Test
    void theFormatComesFromTheEnvironmentOrTheConfiguration() throws Exception {
        Path config = Files.writeString(dir.resolve("agent.properties"), "# json please\nlogging.format=json\n");
        assertThat(AgentLogging.format(config, Map.of())).isEqualTo(AgentLogging.Format.JSON);
        assertThat(AgentLogging.format(config, Map.of(AgentLogging.ENV, "plain")))
                .isEqualTo(AgentLogging.Format.PLAIN);
        Path plain = Files.writeString(dir.resolve("plain.properties"), "site.name=x\n");
        assertThat(AgentLogging.format(plain, Map.of())).isEqualTo(AgentLogging.Format.PLAIN);
        assertThat(AgentLogging.format(plain, Map.of(AgentLogging.ENV, "JSON"))).isEqualTo(AgentLogging.Format.JSON);
        assertThatThrownBy(() -> AgentLogging.format(plain, Map.of(AgentLogging.ENV, "xml")))
                .hasMessageContaining("must be 'plain' or 'json', got 'xml'");
    }

    @Test
    void plainLinesCarryTimestampsAndGoToARotatingFile() throws Exception {
        AgentLogging.configure(dir, AgentLogging.Format.PLAIN);
        LoggerFactory.getLogger(SiteAgent.class).info("accepts study {}", "st-1");
        LoggerFactory.getLogger("org.nd4j.linalg.Something").info("backend chatter");
        String log = Files.readString(dir.resolve("logs/agent.log"));
        assertThat(log)
                .matches(
                        "(?s)\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) INFO  .*SiteAgent -"
                                + " accepts study st-1\\n")
                .doesNotContain("backend chatter");

        var root = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        var file = (RollingFileAppender<?>) root.getAppender("file");
        var rolling = (FixedWindowRollingPolicy) file.getRollingPolicy();
        assertThat(rolling.getMaxIndex()).isEqualTo(AgentLogging.KEPT_FILES);
        assertThat(rolling.getFileNamePattern()).endsWith("agent.%i.log");
        assertThat(file.getTriggeringPolicy()).isInstanceOf(SizeBasedTriggeringPolicy.class);
    }

    @Test
    void jsonLinesAreOneObjectEach() throws Exception {
        AgentLogging.configure(dir, AgentLogging.Format.JSON);
        LoggerFactory.getLogger(SiteAgent.class).warn("refusing round {} of study {}", 3, "st-1");
        var lines = Files.readAllLines(dir.resolve("logs/agent.log"));
        assertThat(lines).hasSize(1);
        var json = JsonMapper.builder().build().readTree(lines.getFirst());
        assertThat(json.get("level").asString()).isEqualTo("WARN");
        assertThat(json.get("loggerName").asString()).isEqualTo(SiteAgent.class.getName());
        assertThat(json.get("formattedMessage").asString()).isEqualTo("refusing round 3 of study st-1");
        assertThat(json.get("timestamp").asLong()).isPositive();
    }
}
