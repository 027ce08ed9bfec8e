package org.cohort.agent;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * The site admin's configuration (a small properties file). The coordinator cannot change
 * any of it: which studies this site trains for is decided here.
 *
 * <pre>
 * site.name=Cleveland
 * # several, comma-separated, for failover
 * coordinator.addresses=coordinator.example.org:9443
 * # from the enrollment token response
 * coordinator.ca-fingerprint=sha256:…
 * # first start only
 * enrollment.token=cohort1.…
 * data.path=/data/cardiology.csv
 * # identity, ledger, cache
 * work.dir=/var/lib/cohort-agent
 * # comma-separated study ids
 * studies.accepted=st-1a2b3c4d
 * # per accepted study: the training size this site declares (public by assumption)
 * study.st-1a2b3c4d.training-examples=240
 * # per accepted study: the digest of the study's terms reviewed (GET /api/studies/&lt;id&gt;/terms)
 * study.st-1a2b3c4d.terms=sha256:…
 * # optional: this site's own limits per patient and study, and for site-level DP
 * privacy.patient-epsilon-ceiling=1.0
 * privacy.site-epsilon-ceiling=8.0
 * # optional: a limit per patient over all studies together, at its own δ (default 1e-5)
 * privacy.patient-epsilon-ceiling-all-studies=2.0
 * privacy.patient-delta-all-studies=1e-5
 * # optional: train in an external process speaking cohort.trainer.v1 (default: dl4j, in process)
 * trainer.kind=external
 * trainer.command=python3 /opt/cohort/trainers/pytorch/cohort_torch_worker.py
 * trainer.timeout-seconds=600
 * # optional, with trainer.kind=external: the PyTorch modules this site holds, listed in DIR/modules.json
 * trainer.modules=/opt/cohort/modules
 * </pre>
 *
 * <p>Comments must be on lines of their own: {@link Properties} keeps an end-of-line {@code #}
 * as part of the value, so such a value is refused rather than silently misread.</p>
 *
 * <p>The ceilings are the hospital's, not the study's: the agent refuses any round that would
 * take its accounted ε (at the study's δ) above them, whatever the coordinator asks.
 *
 * <p>Every accepted study needs {@code study.<id>.training-examples}: the number of training
 * examples the site declares for it. It is public (sent to the coordinator with the acceptance)
 * and it is the weight of every update the site sends for the study, so the admin fixes it here
 * rather than letting it follow the data at run time.
 *
 * <p>Every accepted study also needs {@code study.<id>.terms}: the digest of the study's privacy
 * terms (mode, unit, δ, ε budget, noise floor, clip norm, accountant, secure aggregation…) as the
 * admin reviewed them. The agent refuses any task whose terms differ, so the coordinator can
 * neither switch the site's DP off nor weaken it ({@link PinnedTerms}).
 *
 * <p>ε ceilings are per study; a patient in several studies at this site is capped over all of
 * them only by {@code privacy.patient-epsilon-ceiling-all-studies} ({@link SitePrivacyPolicy#allStudiesRefusal}).
 *
 * @param accepted accepted study id → what the site declared with it
 * @param trainerModules the directory of the PyTorch modules this site holds ({@link SiteModules}), or null
 */
public record AgentConfig(
        String siteName,
        List<String> coordinatorAddresses,
        String caFingerprint,
        String enrollmentToken,
        Path dataPath,
        Path workDir,
        java.util.SortedMap<String, StudyAcceptance> accepted,
        String keystorePassword,
        String compute,
        Double patientEpsilonCeiling,
        Double siteEpsilonCeiling,
        Double patientEpsilonCeilingAllStudies,
        double allStudiesDelta,
        double renewFraction,
        List<String> trainerCommand,
        int trainerTimeoutSeconds,
        Path trainerModules) {

    private static final java.util.regex.Pattern END_OF_LINE_COMMENT = java.util.regex.Pattern.compile("\\s[#!]");
    /** δ of the ceiling over all studies when the admin sets none. */
    public static final double DEFAULT_ALL_STUDIES_DELTA = 1e-5;
    /**
     * The certificate is renewed when less than this fraction of its lifetime remains (and at most
     * {@link CertificateRenewer#MAX_MARGIN} before it expires): {@code certificate.renew-fraction}.
     */
    public static final double DEFAULT_RENEW_FRACTION = 1.0 / 3;

    public AgentConfig {
        accepted = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(accepted));
        if (!(allStudiesDelta > 0 && allStudiesDelta < 1)) {
            throw new IllegalArgumentException(
                    "privacy.patient-delta-all-studies must be in (0, 1), got " + allStudiesDelta);
        }
        if (!(renewFraction > 0 && renewFraction < 1)) {
            throw new IllegalArgumentException("certificate.renew-fraction must be in (0, 1), got " + renewFraction);
        }
    }

    /**
     * A configuration built field by field, for code that makes one (tests, simulations, an
     * installer); {@link #load} reads one from {@code agent.properties}. Required: the site's
     * name, at least one coordinator address, the data file and the work directory.
     */
    public static Builder builder(String siteName, Path dataPath, Path workDir) {
        return new Builder(siteName, dataPath, workDir);
    }

    /** Builds an {@link AgentConfig}; every setter returns the builder, {@link #build()} validates. */
    public static final class Builder {
        private final String siteName;
        private final Path dataPath;
        private final Path workDir;
        private List<String> coordinatorAddresses = List.of();
        private String caFingerprint = "";
        private String enrollmentToken = "";
        private java.util.SortedMap<String, StudyAcceptance> accepted = new java.util.TreeMap<>();
        private String keystorePassword = "";
        private String compute = "cpu";
        private double renewFraction = DEFAULT_RENEW_FRACTION;
        private Double patientEpsilonCeiling;
        private List<String> trainerCommand = List.of();
        private int trainerTimeoutSeconds = 600;
        private Path trainerModules;
        private Double siteEpsilonCeiling;
        private Double patientEpsilonCeilingAllStudies;
        private double allStudiesDelta = DEFAULT_ALL_STUDIES_DELTA;

        private Builder(String siteName, Path dataPath, Path workDir) {
            this.siteName = siteName;
            this.dataPath = dataPath;
            this.workDir = workDir;
        }

        public Builder coordinators(List<String> addresses) {
            this.coordinatorAddresses = List.copyOf(addresses);
            return this;
        }

        /** The CA fingerprint and one-time token from the coordinator's enrollment response (first start only). */
        public Builder enrollment(String caFingerprint, String token) {
            this.caFingerprint = caFingerprint;
            this.enrollmentToken = token;
            return this;
        }

        public Builder accepting(java.util.SortedMap<String, StudyAcceptance> studies) {
            this.accepted = studies;
            return this;
        }

        /** Renew the certificate when less than this fraction of its lifetime remains (default a third). */
        public Builder renewFraction(double fraction) {
            this.renewFraction = fraction;
            return this;
        }

        public Builder keystorePassword(String password) {
            this.keystorePassword = password;
            return this;
        }

        public Builder compute(String compute) {
            this.compute = compute;
            return this;
        }

        /** The admin's ε ceiling per patient for each study (null: the study's budget only). */
        /**
         * An external trainer's command line ({@code trainer.kind=external}); empty for DL4J in process.
         * The agent appends {@code --socket PATH}.
         */
        public Builder trainer(List<String> command, int timeoutSeconds) {
            this.trainerCommand = List.copyOf(command);
            this.trainerTimeoutSeconds = timeoutSeconds;
            return this;
        }

        /** The directory of the PyTorch modules this site holds ({@code trainer.modules}; null: none). */
        public Builder modules(Path dir) {
            this.trainerModules = dir;
            return this;
        }

        public Builder patientEpsilonCeiling(Double ceiling) {
            this.patientEpsilonCeiling = ceiling;
            return this;
        }

        public Builder siteEpsilonCeiling(Double ceiling) {
            this.siteEpsilonCeiling = ceiling;
            return this;
        }

        /** The admin's ε ceiling per patient over all studies together, at {@code delta}. */
        public Builder patientEpsilonCeilingAllStudies(Double ceiling, double delta) {
            this.patientEpsilonCeilingAllStudies = ceiling;
            this.allStudiesDelta = delta;
            return this;
        }

        /** The configuration, or an IllegalArgumentException naming every problem. */
        public AgentConfig build() {
            var problems = new ArrayList<String>();
            if (siteName == null || siteName.isBlank()) {
                problems.add("a site name is needed");
            }
            if (coordinatorAddresses.isEmpty()) {
                problems.add("at least one coordinator address is needed");
            }
            if (dataPath == null || workDir == null) {
                problems.add("the data file and the work directory are needed");
            }
            for (var ceiling : java.util.Arrays.asList(
                    patientEpsilonCeiling, siteEpsilonCeiling, patientEpsilonCeilingAllStudies)) {
                if (ceiling != null && !(ceiling > 0 && Double.isFinite(ceiling))) {
                    problems.add("an ε ceiling must be a finite positive number, got " + ceiling);
                }
            }
            if (trainerTimeoutSeconds < 1) {
                problems.add("trainer.timeout-seconds must be at least 1, got " + trainerTimeoutSeconds);
            }
            if (trainerModules != null && trainerCommand.isEmpty()) {
                problems.add("trainer.modules needs trainer.kind=external (PyTorch modules train in the external"
                        + " trainer; DL4J in process cannot)");
            }
            if (trainerModules != null
                    && !java.nio.file.Files.isRegularFile(trainerModules.resolve(SiteModules.MANIFEST))) {
                problems.add("trainer.modules=" + trainerModules + " holds no " + SiteModules.MANIFEST + " (the"
                        + " manifest of the site's modules; the PyTorch worker's --write-module writes one)");
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(
                        "agent configuration cannot be used: " + String.join("; ", problems));
            }
            return new AgentConfig(
                    siteName,
                    coordinatorAddresses,
                    caFingerprint,
                    enrollmentToken,
                    dataPath,
                    workDir,
                    accepted,
                    keystorePassword,
                    compute,
                    patientEpsilonCeiling,
                    siteEpsilonCeiling,
                    patientEpsilonCeilingAllStudies,
                    allStudiesDelta,
                    renewFraction,
                    trainerCommand,
                    trainerTimeoutSeconds,
                    trainerModules);
        }
    }

    /** The trainer this configuration names: DL4J in process, or an {@link ExternalTrainer}. */
    public Trainer newTrainer() {
        return trainerCommand.isEmpty()
                ? new Dl4jTrainer()
                : new ExternalTrainer(
                        trainerCommand,
                        workDir.resolve("trainer"),
                        java.time.Duration.ofSeconds(trainerTimeoutSeconds));
    }

    /** The PyTorch modules this site holds ({@code trainer.modules}), or null when it keeps none. */
    public SiteModules siteModules() {
        return trainerModules == null ? null : new SiteModules(trainerModules);
    }

    /** The ids of the studies this site's admin accepted, sorted. */
    public Set<String> acceptedStudies() {
        return accepted.keySet();
    }

    /** What this site declared with an accepted study, or empty when the study is not accepted. */
    public java.util.Optional<StudyAcceptance> acceptance(String studyId) {
        return java.util.Optional.ofNullable(accepted.get(studyId));
    }

    /** Accepts each study (id → pinned terms digest) with the same declared training size (tests and simulations). */
    public static java.util.SortedMap<String, StudyAcceptance> accepting(
            long trainingExamples, java.util.Map<String, String> termsByStudy) {
        var out = new java.util.TreeMap<String, StudyAcceptance>();
        termsByStudy.forEach((id, terms) -> out.put(id, new StudyAcceptance(id, trainingExamples, terms)));
        return out;
    }

    public static AgentConfig load(Path file) {
        var props = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            props.load(r);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read agent config " + file.toAbsolutePath() + ": " + e.getMessage());
        }
        Path base = file.toAbsolutePath().getParent();
        var problems = new ArrayList<String>();
        props.stringPropertyNames().stream()
                .sorted()
                .filter(key ->
                        END_OF_LINE_COMMENT.matcher(props.getProperty(key)).find())
                .forEach(key -> problems.add(key + " has an end-of-line comment ('"
                        + props.getProperty(key).strip()
                        + "'), which a properties file reads as part of the value: move the comment to its own line"));
        String addresses = require(props, "coordinator.addresses", problems);
        String data = require(props, "data.path", problems);
        String work = props.getProperty("work.dir", "cohort-agent-work").strip();
        var accepted = new java.util.TreeMap<String, StudyAcceptance>();
        for (String study : split(props.getProperty("studies.accepted", ""))) {
            String key = "study." + study + ".training-examples";
            String declared = props.getProperty(key, "").strip();
            long n;
            try {
                n = Long.parseLong(declared);
            } catch (NumberFormatException e) {
                n = 0;
            }
            if (n < 1) {
                problems.add("set " + key + " to the number of training examples this site brings to study " + study
                        + " (at least 1" + (declared.isEmpty() ? "" : ", got '" + declared + "'") + "); it is public"
                        + " and weighs this site's updates");
            }
            String termsKey = "study." + study + ".terms";
            String terms = props.getProperty(termsKey, "").strip();
            if (!org.cohort.protocol.StudyTerms.isDigest(terms)) {
                problems.add("set " + termsKey + " to the digest of study " + study + "'s terms you reviewed"
                        + (terms.isEmpty() ? "" : " (got '" + terms + "', not 'sha256:' and 64 lower-case hex digits)")
                        + ": the study's owner gives it, or GET /api/studies/" + study + "/terms on the coordinator"
                        + " (its agentProperty is the whole line); this site refuses every task with other terms");
            }
            if (n >= 1 && org.cohort.protocol.StudyTerms.isDigest(terms)) {
                accepted.put(study, new StudyAcceptance(study, n, terms));
            }
        }
        String trainerKind = props.getProperty("trainer.kind", "dl4j").strip();
        List<String> trainerCommand = List.of();
        if (trainerKind.equals("external")) {
            trainerCommand =
                    List.of(props.getProperty("trainer.command", "").strip().split("\\s+"));
            if (trainerCommand.get(0).isEmpty()) {
                problems.add("trainer.kind=external needs trainer.command (e.g. python3"
                        + " /opt/cohort/trainers/pytorch/cohort_torch_worker.py; words separated by spaces)");
            }
        } else if (!trainerKind.equals("dl4j")) {
            problems.add("trainer.kind must be dl4j (in process) or external, got '" + trainerKind + "'");
        } else if (!org.cohort.learning.Dl4jSupport.present()) {
            problems.add("trainer.kind is dl4j (the default), but " + org.cohort.learning.Dl4jSupport.lean("agent")
                    + ": set trainer.kind=external and trainer.command (e.g. python3"
                    + " /opt/cohort/trainers/pytorch/cohort_torch_worker.py), or run the full agent"
                    + " (cohort-agent-exec.jar) to train in process");
        }
        int trainerTimeout = 600;
        String timeoutText = props.getProperty("trainer.timeout-seconds", "600").strip();
        try {
            trainerTimeout = Integer.parseInt(timeoutText);
        } catch (NumberFormatException e) {
            problems.add("trainer.timeout-seconds must be a whole number of seconds, got '" + timeoutText + "'");
        }
        String modulesText = props.getProperty("trainer.modules", "").strip();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "agent config " + file + " cannot be used: " + String.join("; ", problems));
        }
        return builder(props.getProperty("site.name", "site").strip(), base.resolve(data), base.resolve(work))
                .coordinators(split(addresses))
                .enrollment(
                        props.getProperty("coordinator.ca-fingerprint", "").strip(),
                        props.getProperty("enrollment.token", "").strip())
                .accepting(accepted)
                .keystorePassword(props.getProperty("keystore.password", "").strip())
                .compute(props.getProperty("compute", "cpu").strip())
                .renewFraction(renewFraction(props))
                .patientEpsilonCeiling(positive(props, "privacy.patient-epsilon-ceiling"))
                .siteEpsilonCeiling(positive(props, "privacy.site-epsilon-ceiling"))
                .patientEpsilonCeilingAllStudies(
                        positive(props, "privacy.patient-epsilon-ceiling-all-studies"), allStudiesDelta(props))
                .trainer(trainerCommand, trainerTimeout)
                .modules(modulesText.isEmpty() ? null : base.resolve(modulesText))
                .build();
    }

    private static double renewFraction(Properties p) {
        Double fraction = positive(p, "certificate.renew-fraction");
        return fraction == null ? DEFAULT_RENEW_FRACTION : fraction;
    }

    private static double allStudiesDelta(Properties p) {
        String key = "privacy.patient-delta-all-studies";
        Double delta = positive(p, key);
        if (delta == null) {
            return DEFAULT_ALL_STUDIES_DELTA;
        }
        if (delta >= 1) {
            throw new IllegalArgumentException(key + " must be below 1 (and well below 1/n for this site's n patients,"
                    + " e.g. 1e-5), got " + delta);
        }
        return delta;
    }

    private static Double positive(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            double d = Double.parseDouble(v.strip());
            if (!(d > 0) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a positive number, got '" + v + "'");
        }
    }

    private static String require(Properties p, String key, List<String> problems) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            problems.add("set " + key);
            return "";
        }
        return v.strip();
    }

    private static List<String> split(String csv) {
        return Arrays.stream(csv.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }
}
