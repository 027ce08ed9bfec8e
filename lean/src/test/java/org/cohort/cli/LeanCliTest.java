package org.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lean cohort tool: the one command that trains with DL4J (the pipeline audit) says so instead of crashing. */
class LeanCliTest {

    @Test
    void thePipelineAuditSaysItNeedsTheFullToolInsteadOfCrashing() {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Cohort.run(
                new String[] {"privacy", "audit"},
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of());
        assertThat(code).isEqualTo(Cohort.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("lean build without Deeplearning4j", "cohort-cli.jar privacy audit")
                .doesNotContain("NoClassDefFoundError", "Exception");
    }
}
