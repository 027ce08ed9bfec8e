package org.cohort.agent;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The agent's command line: run with a configuration, or {@code init} one, or {@code check} one
 * before the first start. Exit codes: 0 fine, 1 a check failed or the agent could not start, 2 a
 * usage error.
 */
@Command(
        name = "cohort-agent",
        mixinStandardHelpOptions = true,
        versionProvider = AgentCommand.Version.class,
        description = "Runs a hospital's Cohort site agent: enrolls with the coordinator, trains the studies its"
                + " admin accepted on local data, and sends only differentially private, signed updates.",
        subcommands = {AgentCommand.Init.class, AgentCommand.Check.class, StudiesCommand.class})
final class AgentCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "the agent's agent.properties")
    Path config;

    @Override
    public Integer call() throws InterruptedException {
        if (config == null) {
            System.err.println("give --config agent.properties (write one with: cohort-agent init), or see --help");
            return 2;
        }
        AgentConfig loaded;
        try {
            loaded = AgentConfig.load(config);
            AgentLogging.configure(loaded.workDir(), AgentLogging.format(config, System.getenv()));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        SiteAgent agent;
        try {
            Trainer trainer = loaded.newTrainer();
            agent = SiteAgent.start(
                    loaded,
                    new Dl4jLearner(
                            loaded.dataPath(),
                            SplitSecretFile.loadOrCreate(loaded.workDir()),
                            trainer,
                            loaded.siteModules()),
                    config);
            if (trainer instanceof ExternalTrainer) {
                // Started now rather than in the first round (a Python trainer takes seconds to import its framework);
                // a trainer that cannot start is logged here and tried again by the first round.
                Thread.ofVirtual().name("trainer-start").start(() -> {
                    try {
                        trainer.describe();
                    } catch (RuntimeException e) {
                        org.slf4j.LoggerFactory.getLogger(AgentCommand.class)
                                .error("the external trainer cannot start: {}", e.getMessage());
                    }
                });
            }
        } catch (IllegalStateException | java.io.UncheckedIOException e) {
            System.err.println("cannot start: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(agent::close));
        Thread.currentThread().join();
        return 0;
    }

    /** Writes the commented configuration template; it parses as written. */
    @Command(
            name = "init",
            mixinStandardHelpOptions = true,
            description = "Writes a commented agent.properties to fill in (it parses as written).")
    static final class Init implements Callable<Integer> {
        @Option(
                names = "--out",
                paramLabel = "FILE",
                defaultValue = "agent.properties",
                description = "where to write it (default: ${DEFAULT-VALUE}); an existing file is never overwritten")
        Path out;

        @Option(
                names = "--join",
                paramLabel = "FILE",
                description = "the join code file from the coordinator's operator (cohort sites invite): fills in the"
                        + " site name, coordinator addresses, CA fingerprint and enrollment token")
        Path join;

        @Option(names = "--data", paramLabel = "FILE", description = "the site's data file (data.path)")
        Path data;

        @Option(
                names = "--work-dir",
                paramLabel = "DIR",
                description = "keys, ledger and logs (work.dir; default /var/lib/cohort-agent)")
        Path workDir;

        @Option(
                names = "--expect-ca",
                paramLabel = "sha256:HEX",
                description = "the coordinator CA's fingerprint as its operator told you by another channel (phone,"
                        + " the consortium's site): a join code naming another CA is refused")
        String expectCa;

        @Override
        public Integer call() throws IOException {
            if (Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                System.err.println(out + " exists; give --out for another file (an existing configuration is never"
                        + " overwritten)");
                return 1;
            }
            String text;
            org.cohort.protocol.JoinCode code;
            try {
                code = join == null ? null : InitValues.readJoinCode(join);
                if (code != null && expectCa != null && !expectCa.strip().equals(code.caFingerprint())) {
                    System.err.println("refused: the join code pins CA " + code.caFingerprint() + ", not the "
                            + expectCa.strip() + " you expect; it may not come from your consortium's coordinator."
                            + " Nothing was written.");
                    return 1;
                }
                text = InitValues.fill(template(), code, data, workDir);
                if (!org.cohort.learning.Dl4jSupport.present()) {
                    // The lean agent trains through the PyTorch worker only: on, pointing at the bundled one.
                    text = InitValues.externalTrainer(text, bundledWorker());
                }
            } catch (IllegalArgumentException e) {
                System.err.println(e.getMessage());
                return 2;
            }
            // Owner-only from the first byte, written through the one channel: it holds the token.
            try {
                org.cohort.protocol.OwnerOnlyFiles.create(out, text);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                System.err.println(out + " appeared meanwhile; nothing was written (give --out for another file)");
                return 1;
            }
            if (code != null) {
                // Whoever wrote the code chose both the address and the CA to pin: say them, so the
                // admin can confirm the fingerprint with the coordinator's operator by another channel.
                System.out.println("this join code enrolls site '" + StudyReview.printable(code.siteName())
                        + "' with the coordinator at " + String.join(", ", code.addresses()) + ", pinning CA "
                        + code.caFingerprint()
                        + (expectCa != null
                                ? " (as you expected)"
                                : "; confirm that"
                                        + " fingerprint with the coordinator's operator by another channel before the first"
                                        + " start (or run init with --expect-ca)"));
            }
            System.out.println("wrote " + out + (join == null || data == null ? "; fill it in" : "") + ", then:"
                    + " cohort-agent check --config " + out);
            return 0;
        }
    }

    /** Checks a configuration and what it points at, and says what to fix. */
    @Command(
            name = "check",
            mixinStandardHelpOptions = true,
            description = "Checks the configuration, the data file, the work directory and its disk, the"
                    + " coordinator's reachability under the pinned CA, and the ND4J backend; exits 0 when all pass.")
    static final class Check implements Callable<Integer> {
        @Option(names = "--config", paramLabel = "FILE", required = true, description = "the agent.properties to check")
        Path config;

        @Option(
                names = "--timeout",
                paramLabel = "SECONDS",
                defaultValue = "10",
                description = "how long to wait for each coordinator address (default: ${DEFAULT-VALUE})")
        int timeoutSeconds;

        @Override
        public Integer call() {
            var verdicts = AgentCheck.run(config, Duration.ofSeconds(timeoutSeconds));
            verdicts.forEach(v -> System.out.println(v.line()));
            boolean ok = verdicts.stream().allMatch(AgentCheck.Verdict::ok);
            System.out.println(
                    ok
                            ? "ready: start it with cohort-agent --config " + config
                            : "not ready: fix the FAIL lines above and check again");
            return ok ? 0 : 1;
        }
    }

    /**
     * The reference PyTorch worker of this installation: under {@code cohort.home} (the lean bundle's
     * launcher sets it), else where the template says a package puts it.
     */
    static Path bundledWorker() {
        String home = System.getProperty("cohort.home");
        return home == null
                ? Path.of("/opt/cohort/trainers/pytorch/cohort_torch_worker.py")
                : Path.of(home, "trainers", "pytorch", "cohort_torch_worker.py");
    }

    /** The configuration template {@code init} writes. */
    static String template() throws IOException {
        try (InputStream in = AgentCommand.class.getResourceAsStream("agent.properties.template")) {
            if (in == null) {
                throw new IOException("the configuration template is missing from this agent build");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "cohort-agent " + SiteAgent.VERSION + ", Java " + Runtime.version() + ", "
                        + System.getProperty("os.name") + " " + System.getProperty("os.arch")
            };
        }
    }

    static int execute(String... args) {
        return new CommandLine(new AgentCommand()).execute(args);
    }
}
