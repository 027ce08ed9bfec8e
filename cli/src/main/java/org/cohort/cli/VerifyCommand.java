package org.cohort.cli;

import static org.cohort.cli.JsonFields.text;

import java.io.PrintStream;
import java.nio.file.Path;
import org.cohort.client.CoordinatorClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/**
 * {@code cohort audit verify}: the coordinator recomputes its audit chain and holds its ledger
 * against it; with an exported head, this tool also checks from the entry itself that the chain
 * still reaches it, so that a coordinator that ignored the question is caught.
 */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        header = "verify the coordinator's hash-chained, signed audit log and its privacy ledger (exit 1 if broken);"
                + " --expect-head FILE: against an exported head",
        description =
                "Has the coordinator recompute its audit chain - every entry's link, hash and Ed25519 signature -"
                        + " and hold its privacy ledger against the charges the chain recorded, and prints the result. Exit"
                        + " code 0 when the chain is intact, 1 when it is broken (the first bad entry or ledger charge is named).")
final class VerifyCommand extends CoordinatorCommand {

    @Option(
            names = "--expect-head",
            paramLabel = "FILE",
            description = "a head exported earlier with 'cohort audit head"
                    + " --out FILE': the chain must still reach it (else entries were cut from its end, or it was rewritten"
                    + " and re-signed)")
    private Path expectHead;

    @Option(names = "--format", paramLabel = "F", description = "text (default) or json")
    private String format;

    VerifyCommand(CommandContext context) {
        super(context);
    }

    @Override
    public Integer call() {
        String chosen = OutputFormat.choose(format, "text", "text", "json");
        CoordinatorClient client = coordinator();
        ExportedHead expected = expectHead == null ? null : ExportedHead.read(expectHead, context.json());
        JsonNode v =
                expected == null ? client.audit().verify() : client.audit().verify(expected.seq(), expected.hash());
        if (expected != null && v.path("valid").asBoolean(false)) {
            v = checkedHere(v, expected, client);
        }
        boolean valid = v.path("valid").asBoolean(false);
        PrintStream out = context.out();
        if (chosen.equals("json")) {
            out.println(context.json().writerWithDefaultPrettyPrinter().writeValueAsString(v));
        } else {
            out.println((valid ? "✔ audit chain intact: " : "✘ audit chain BROKEN: ") + text(v, "summary"));
            out.println("  head      #" + v.path("headSeq").asLong() + " " + text(v, "headHash"));
            out.println("  signer    " + text(v, "signer"));
            out.println("  checked   " + v.path("entriesChecked").asLong() + " entries at " + text(v, "checkedAt"));
            JsonNode p = v.path("firstProblem");
            if (p.isObject()) {
                out.println("  first bad entry  #" + p.path("seq").asLong()
                        + (p.path("kind").isString() ? " (" + p.path("kind").asString() + ")" : "") + ": "
                        + text(p, "defect") + " - " + text(p, "message"));
            }
        }
        return valid ? Cohort.OK : Cohort.FAILED;
    }

    /**
     * The coordinator said the chain reaches the expected head; this tool checks it too, from the
     * entry itself and the signing key, so a coordinator that ignored the question is caught.
     */
    private JsonNode checkedHere(JsonNode v, ExportedHead expected, CoordinatorClient client) {
        String problem = null;
        if (!expected.signer().equals(text(v, "signer"))) {
            problem = "the exported head was signed by " + expected.signer() + " but the coordinator now signs with "
                    + text(v, "signer") + ": its keys were replaced, and the whole chain re-signed";
        } else if (v.path("headSeq").asLong() < expected.seq()) {
            problem = "the log ends at #" + v.path("headSeq").asLong() + " but the exported head is #" + expected.seq()
                    + ": entries were removed from its end";
        } else if (expected.seq() > 0) {
            JsonNode entries = client.audit().entries(expected.seq() - 1, 1).path("entries");
            String actual = entries.isEmpty() ? "missing" : text(entries.get(0), "hash");
            if (entries.isEmpty()
                    || entries.get(0).path("seq").asLong() != expected.seq()
                    || !actual.equals(expected.hash())) {
                problem = "entry #" + expected.seq() + " now hashes to " + actual + ", not to the exported head's "
                        + expected.hash() + ": the log was rewritten at or before it";
            }
        }
        if (problem == null) {
            return v;
        }
        var broken = context.json().createObjectNode();
        broken.setAll((tools.jackson.databind.node.ObjectNode) v);
        broken.put("valid", false);
        broken.put("summary", problem);
        broken.putObject("firstProblem")
                .put("seq", expected.seq())
                .put("defect", "HEAD_MISMATCH")
                .put("message", problem);
        return broken;
    }
}
