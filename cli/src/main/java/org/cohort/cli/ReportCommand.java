package org.cohort.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.cohort.client.Studies;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort report}: a study's privacy report from the coordinator, written to a file to archive or mail. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        header = "export a study's privacy report as self-contained HTML or JSON",
        customSynopsis = "cohort report --study ID [--format html|json] [--out FILE] [--coordinator URL]"
                + " [--token-file PATH]",
        description = "Exports a study's privacy report: ε per site with unit, δ, accountant, conversion and inputs, a"
                + " plot of ε over rounds (html), the audit chain's state, and plain-language statements. The HTML page"
                + " is self-contained (no scripts, nothing fetched), to archive or mail.")
final class ReportCommand extends CoordinatorCommand {

    @Option(names = "--study", paramLabel = "ID", description = "the study")
    private String study;

    @Option(names = "--format", paramLabel = "F", description = "html (default) or json")
    private String format;

    @Option(
            names = "--out",
            paramLabel = "FILE",
            description = "where to write it (default privacy-report-ID.html or .json; - for stdout)")
    private String out;

    ReportCommand(CommandContext context) {
        super(context);
    }

    @Override
    public Integer call() {
        if (study == null || study.isBlank()) {
            throw UsageException.missing("report", "--study", "the study id, e.g. st-1a2b3c4d");
        }
        String chosen = OutputFormat.choose(format, "html", "html", "json");
        String body = coordinator()
                .studies()
                .privacyReport(study, chosen.equals("html") ? Studies.ReportFormat.HTML : Studies.ReportFormat.JSON);
        String target = out != null ? out : "privacy-report-" + study.replaceAll("[^A-Za-z0-9._-]", "_") + "." + chosen;
        if (target.equals("-")) {
            context.out().print(body);
            context.out().flush();
            return Cohort.OK;
        }
        Path file = Path.of(target);
        writeOut(file, body, "the report");
        context.out()
                .println("wrote " + file + " (" + chosen + ", " + body.getBytes(StandardCharsets.UTF_8).length
                        + " bytes)");
        return Cohort.OK;
    }
}
