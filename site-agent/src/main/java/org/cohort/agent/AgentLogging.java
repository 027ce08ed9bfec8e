package org.cohort.agent;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.FileSize;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.slf4j.LoggerFactory;

/**
 * The executable agent's log, set up in code (the agent's jar carries no {@code logback.xml}, so a
 * program that embeds the agent keeps its own logging): on standard error, and once the
 * configuration is read also in {@code <work.dir>/logs/agent.log}, rotated at
 * {@link #MAX_FILE_SIZE} and kept as {@code agent.1.log} … {@code agent.5.log}.
 *
 * <p>Plain lines carry an ISO-8601 timestamp with offset. {@code logging.format=json} in
 * agent.properties, or the environment variable {@code COHORT_AGENT_LOG_FORMAT=json} (which wins),
 * writes one JSON object per line instead (logback's {@link JsonEncoder}: timestamp, level, loggerName,
 * threadName, formattedMessage, mdc, key-value pairs, throwable), on both outputs.
 */
final class AgentLogging {
    static final String ENV = "COHORT_AGENT_LOG_FORMAT";
    static final String PROPERTY = "logging.format";
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{20} - %msg%n";
    static final String MAX_FILE_SIZE = "10MB";
    static final int KEPT_FILES = 5;

    enum Format {
        PLAIN,
        JSON
    }

    private AgentLogging() {}

    /** Before any configuration is read: plain lines on standard error, INFO, the libraries at WARN. */
    static void console() {
        configure(null, Format.PLAIN);
    }

    /**
     * The format {@code config} and the environment ask for.
     *
     * @throws IllegalArgumentException for a format other than "plain" or "json"
     */
    static Format format(Path config, Map<String, String> env) {
        String word = env.get(ENV);
        if (word == null || word.isBlank()) {
            var p = new Properties();
            try (Reader r = Files.newBufferedReader(config)) {
                p.load(r);
            } catch (IOException e) {
                return Format.PLAIN; // the configuration's own reader says what is wrong with the file
            }
            word = p.getProperty(PROPERTY, "plain");
        }
        return switch (word.strip().toLowerCase(Locale.ROOT)) {
            case "plain", "" -> Format.PLAIN;
            case "json" -> Format.JSON;
            default ->
                throw new IllegalArgumentException(
                        PROPERTY + " (or " + ENV + ") must be 'plain' or 'json', got '" + word.strip() + "'");
        };
    }

    /**
     * Sends the log to standard error and, when {@code workDir} is given, to the rotating file in
     * it, in {@code format}. Does nothing when logback is not the logging backend (an embedding
     * program chose another).
     */
    static void configure(Path workDir, Format format) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        context.reset();
        var root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        context.getLogger("org.nd4j").setLevel(Level.WARN);
        context.getLogger("org.deeplearning4j").setLevel(Level.WARN);
        context.getLogger("io.grpc").setLevel(Level.WARN);

        var console = new ConsoleAppender<ILoggingEvent>();
        console.setContext(context);
        console.setName("stderr");
        console.setTarget("System.err");
        console.setEncoder(encoder(context, format));
        console.start();
        root.addAppender(console);

        if (workDir != null) {
            Path dir = workDir.resolve("logs");
            try {
                org.cohort.crypto.pki.PrivateDirectories.create(dir);
            } catch (IOException e) {
                root.warn("cannot create {}; logging to standard error only: {}", dir, e.toString());
                return;
            }
            var file = new RollingFileAppender<ILoggingEvent>();
            file.setContext(context);
            file.setName("file");
            file.setFile(dir.resolve("agent.log").toString());
            var rolling = new FixedWindowRollingPolicy();
            rolling.setContext(context);
            rolling.setParent(file);
            rolling.setFileNamePattern(dir.resolve("agent.%i.log").toString());
            rolling.setMinIndex(1);
            rolling.setMaxIndex(KEPT_FILES);
            rolling.start();
            var trigger = new SizeBasedTriggeringPolicy<ILoggingEvent>();
            trigger.setContext(context);
            trigger.setMaxFileSize(FileSize.valueOf(MAX_FILE_SIZE));
            trigger.start();
            file.setRollingPolicy(rolling);
            file.setTriggeringPolicy(trigger);
            file.setEncoder(encoder(context, format));
            file.start();
            root.addAppender(file);
        }
    }

    private static Encoder<ILoggingEvent> encoder(LoggerContext context, Format format) {
        if (format == Format.JSON) {
            var json = new JsonEncoder();
            json.setContext(context);
            // The message as a person reads it, not its template and arguments; no logger-context block.
            json.setWithFormattedMessage(true);
            json.setWithMessage(false);
            json.setWithArguments(false);
            json.setWithContext(false);
            json.start();
            return json;
        }
        var plain = new PatternLayoutEncoder();
        plain.setContext(context);
        plain.setPattern(PATTERN);
        plain.start();
        return plain;
    }
}
