package org.cohort.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.cohort.client.CoordinatorClient;
import org.cohort.client.Timeouts;

/**
 * Which coordinator a remote command talks to, and with which admin token: from the command line,
 * else the environment, else the defaults a local coordinator uses. Misconfiguration is a usage
 * error that says what to pass.
 */
final class Connection {
    static final String DEFAULT_URL = "http://127.0.0.1:8080";
    /** A PLD report of a long study can take a while to compute, and a person can wait for it. */
    static final Timeouts TIMEOUTS = new Timeouts(Duration.ofSeconds(10), Duration.ofMinutes(5));

    private Connection() {}

    /**
     * From --coordinator (else $COHORT_COORDINATOR, else http://127.0.0.1:8080) and --token-file
     * (else $COHORT_TOKEN, else $COHORT_DATA_DIR/admin-token or ./cohort-data/admin-token).
     */
    static CoordinatorClient open(ConnectionOptions options, CommandContext context) {
        Map<String, String> env = context.env();
        String url = (options.coordinator != null
                        ? options.coordinator
                        : env.getOrDefault("COHORT_COORDINATOR", DEFAULT_URL))
                .strip();
        URI base;
        try {
            base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            if (base.getScheme() == null
                    || !(base.getScheme().equals("http") || base.getScheme().equals("https"))
                    || base.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("--coordinator must be the coordinator's REST address, e.g. " + DEFAULT_URL
                    + "; got '" + url + "'");
        }
        if (base.getScheme().equals("http") && !loopback(base.getHost()) && !"1".equals(env.get("COHORT_ALLOW_HTTP"))) {
            // The admin token and what comes back (join codes, model weights) would cross the network in clear.
            throw new UsageException("--coordinator " + url + " is plain http to another machine: the token and the"
                    + " answers would cross the network in clear. Use https:// (the REST port behind a TLS proxy), or"
                    + " set COHORT_ALLOW_HTTP=1 on a network you trust");
        }
        return CoordinatorClient.connect(base, token(options, env), TIMEOUTS, context.json());
    }

    static boolean loopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
    }

    private static String token(ConnectionOptions options, Map<String, String> env) {
        if (options.tokenFile != null) {
            return readToken(Path.of(options.tokenFile), "--token-file");
        }
        String t = env.get("COHORT_TOKEN");
        if (t != null && !t.isBlank()) {
            return t.strip();
        }
        Path dataDir = Path.of(env.getOrDefault("COHORT_DATA_DIR", "cohort-data"));
        Path file = dataDir.resolve("admin-token");
        if (Files.isReadable(file)) {
            return readToken(file, "the admin token file");
        }
        throw new UsageException("no admin token: pass --token-file PATH (the coordinator writes it to"
                + " <data-dir>/admin-token) or set COHORT_TOKEN");
    }

    private static String readToken(Path file, String what) {
        try {
            String t = Files.readString(file).strip();
            if (t.isEmpty()) {
                throw new UsageException(what + " " + file + " is empty; it should hold the coordinator's admin token");
            }
            return t;
        } catch (NoSuchFileException e) {
            throw new UsageException(what + " " + file + " does not exist; the coordinator writes the token to"
                    + " <data-dir>/admin-token");
        } catch (IOException e) {
            throw new CommandFailed("cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }
}
