package org.cohort.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.cohort.learning.audit.BrokenPipeline;
import org.cohort.learning.audit.PipelineAudit;
import org.cohort.learning.data.HeartDisease;
import org.cohort.privacy.accounting.PrivacyNumbers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cohort privacy audit}: the empirical privacy audit of a site's pipeline on real data
 * (split, preprocessing, DP-SGD over the study's rounds, the released model), here on the Heart
 * Disease centres at the demo's settings: the neighbouring-table audit of the split and
 * preprocessing, then two lower bounds on ε, the one-run canary audit of Steinke, Nasr and
 * Jagielski (2023) and the multi-run neighbouring-table distinguisher of Jagielski, Ullman and
 * Oprea (2020), whose larger is the 95% lower bound L set against the ε E the site's accountant
 * claims.
 */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        header = "audit a site's pipeline on real data: empirical ε lower bound L (95%%) vs claimed ε E (no arguments:"
                + " Heart Disease at the demo's settings)",
        description = {
            "Audits a site's whole pipeline on real data and prints, for each site,",
            "  empirical ε lower bound L (95%%) vs claimed ε E",
            "With no options: the four Heart Disease centres at the demo's settings (patient-level",
            "DP-SGD, logistic regression, SGD at learning rate 0.2, expected batch 32, clipping norm",
            "C = 1, one local epoch per round, 10 rounds, σ calibrated per site so the study ends at",
            "ε ≤ 1 at δ = 1e-5 with the RDP accountant), about 45 s on one core.",
            "",
            "Three audits, each able to see a leak another cannot:",
            "  neighbouring tables  removes each row in turn and counts the other rows whose side",
            "                       (train/test) or preprocessed features changed: must be none",
            "  canaries             the one-run audit (Steinke, Nasr, Jagielski 2023): N gradient",
            "                       canaries, each included with probability 1/2, in the output",
            "                       layer's directions that no row moves; the site trains all rounds;",
            "                       from the released model each canary is guessed in or out; the",
            "                       correct guesses give a bound by the paper's Theorem 3.3 at δ. A",
            "                       run holds 16 canaries (one per direction) for this model, so N is",
            "                       rounded up to a multiple of 16 and made of independent runs.",
            "  distinguisher        the multi-run audit (Jagielski, Ullman, Oprea 2020): the table D",
            "                       and a neighbour D' (without the row whose removal moved the most",
            "                       others, else with one far outlier added) each go through the",
            "                       whole pipeline, split, preprocessing and all rounds, N times; a",
            "                       test fixed on other runs tells from the released model which",
            "                       table it came from; its error rates give a bound,",
            "                       ε ≥ ln((1 − δ − FNR)/FPR), each rate at its Clopper–Pearson",
            "                       upper bound.",
            "L is the larger of the two bounds; each is computed at 97.5%% so that L holds at 95%%."
        },
        exitCodeList = {
            "0:every site passes",
            "1:a site fails either audit (L > E, or a split or preprocessing that depends on other rows)",
            "2:the command line was wrong"
        },
        footer = "Example (the benchmark in the README): cohort privacy audit --canaries 1024")
final class AuditCommand implements Callable<Integer> {
    /**
     * Counted runs per table of the distinguisher by default: a few milliseconds each, so about
     * 45 s for the four centres on one core, and enough that the bound clears E on Cleveland's
     * broken split (whose two tables' models lie about 2 standard deviations apart).
     */
    static final int DEFAULT_DISTINGUISHER_RUNS = 500;

    private final CommandContext context;

    @Option(names = "--site", paramLabel = "S", defaultValue = "all", description = "a centre, or all (default)")
    private String site;

    @Option(
            names = "--canaries",
            paramLabel = "N",
            defaultValue = "256",
            description = "canaries per site (default 256: 16 runs of 16)")
    private long canaries;

    @Option(
            names = "--distinguisher-runs",
            paramLabel = "N",
            defaultValue = "" + DEFAULT_DISTINGUISHER_RUNS,
            description = "the distinguisher's counted runs per table (default ${DEFAULT-VALUE}, plus one in ten twice"
                    + " over to fix the test); 0 leaves it out (L from the canaries)")
    private long distinguisherRuns;

    @Option(names = "--rounds", paramLabel = "R", description = "rounds of the study (default 10, as the demo)")
    private Long rounds;

    @Option(
            names = "--epsilon",
            paramLabel = "E",
            description = "the study's ε budget, to which σ is calibrated (default 1)")
    private Double epsilon;

    @Option(
            names = "--break",
            paramLabel = "B",
            defaultValue = "none",
            description = {
                "audit a deliberately broken pipeline, to see that the audit catches it:",
                "  noise    DP-SGD adds σ/1000 of noise; the accountant still charges σ",
                "  split    one seeded shuffle of the whole table decides train/test",
                "  scaling  continuous columns standardised with the site's statistics",
                "The canaries catch noise; the distinguisher catches split and scaling where the leak outgrows the noise"
                        + " (at ε = 1: Cleveland's split, and the scaling at every centre but Switzerland, whose 36"
                        + " training rows need σ ≈ 17)."
            })
    private String broken;

    @Option(
            names = "--abstain",
            paramLabel = "F",
            description = "abstain on the fraction F of canaries scored nearest the threshold (default 0)")
    private Double abstain;

    @Option(
            names = "--seed",
            paramLabel = "S",
            description = "fixes inclusions, sampling, noise (seeded, not the DRBG) and the split secret")
    private Long seed;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "the Heart Disease files (default:"
                    + " shared/datasets/fed-heart-disease found from here, or $COHORT_HEART_DATA)")
    private String dataDir;

    AuditCommand(CommandContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        if (!org.cohort.learning.Dl4jSupport.present()) {
            throw new UsageException("privacy audit trains the site pipeline with Deeplearning4j, and "
                    + org.cohort.learning.Dl4jSupport.lean("cohort tool") + ": run it with the full one"
                    + " (java -jar cli/target/cohort-cli.jar privacy audit)");
        }
        PipelineAudit.Study study = PipelineAudit.Study.heartDiseaseDemo();
        if (rounds != null) {
            if (rounds < 1 || rounds > 1000) {
                throw new UsageException("--rounds must be between 1 and 1000, got " + rounds);
            }
            study = study.withRounds(rounds.intValue());
        }
        if (epsilon != null) {
            if (!(epsilon > 0 && epsilon <= 100)) {
                throw new UsageException("--epsilon must be in (0, 100], got " + PrivacyNumbers.plain(epsilon));
            }
            study = study.withTargetEpsilon(epsilon);
        }
        int perRun = PipelineAudit.maxCanariesPerRun(study);
        if (canaries < 1 || canaries > 1_000_000) {
            throw new UsageException("--canaries must be between 1 and 1000000, got " + canaries);
        }
        int runs = (int) ((canaries + perRun - 1) / perRun);
        if (abstain != null && !(abstain >= 0 && abstain < 1)) {
            throw new UsageException("--abstain must be in [0, 1), got " + PrivacyNumbers.plain(abstain));
        }
        if (distinguisherRuns < 0 || distinguisherRuns > 1_000_000) {
            throw new UsageException(
                    "--distinguisher-runs must be between 0 (off) and 1000000, got " + distinguisherRuns);
        }
        BrokenPipeline pipeline = broken(broken);
        List<String> sites = sites(site);
        Path data = dataDirectory(dataDir);

        PrintStream out = context.out();
        out.printf(
                Locale.ROOT,
                "Cohort privacy audit: Heart Disease (%s), the demo's patient-level study: %d rounds,"
                        + " ε ≤ %s at δ = 1e-5 per site; %d canaries per site (%d run%s of %d); %s%n%n",
                data,
                study.rounds(),
                PrivacyNumbers.plain(study.targetEpsilon()),
                (long) runs * perRun,
                runs,
                runs == 1 ? "" : "s",
                perRun,
                distinguisherRuns == 0 ? "no distinguisher" : distinguisherRuns + " distinguisher runs per table");
        var failed = new ArrayList<String>();
        for (String s : sites) {
            PipelineAudit.Report report;
            try {
                report = PipelineAudit.heartDisease(
                        data,
                        s,
                        study,
                        pipeline,
                        perRun,
                        runs,
                        abstain == null ? 0 : abstain,
                        (int) distinguisherRuns,
                        seed == null ? 1 : seed);
            } catch (IOException e) {
                throw new CommandFailed("cannot read " + HeartDisease.file(data, s) + ": " + e.getMessage());
            }
            report.lines().forEach(out::println);
            out.println();
            if (!report.passes()) {
                failed.add(s);
            }
        }
        out.println(
                failed.isEmpty()
                        ? "All sites pass: no split or preprocessing depends on other rows, and no"
                                + " empirical lower bound exceeds the claim (a lower bound below the claim does not prove the claim;"
                                + " it shows this audit could not refute it)."
                        : "FAILED at " + String.join(", ", failed) + ".");
        return failed.isEmpty() ? Cohort.OK : Cohort.FAILED;
    }

    private static BrokenPipeline broken(String word) {
        for (BrokenPipeline b : BrokenPipeline.values()) {
            if (b.name().equalsIgnoreCase(word)) {
                return b;
            }
        }
        throw new UsageException("--break must be none, noise, split or scaling, got '" + word + "'");
    }

    private static List<String> sites(String word) {
        if (word.equals("all")) {
            return HeartDisease.centres();
        }
        if (!HeartDisease.centres().contains(word)) {
            throw new UsageException("--site must be all or one of " + String.join(", ", HeartDisease.centres())
                    + ", got '" + word + "'");
        }
        return List.of(word);
    }

    private static Path dataDirectory(String given) {
        if (given != null) {
            Path dir = Path.of(given);
            if (!Files.isRegularFile(dir.resolve("processed.cleveland.data"))) {
                throw new UsageException("--data-dir " + given + " holds no processed.cleveland.data; point it at the"
                        + " Heart Disease files (shared/datasets/fed-heart-disease)");
            }
            return dir;
        }
        return HeartDisease.locateDataDirectory()
                .orElseThrow(() -> new UsageException("the Heart Disease data was"
                        + " not found; give --data-dir DIR (the folder with processed.cleveland.data) or set"
                        + " COHORT_HEART_DATA"));
    }
}
