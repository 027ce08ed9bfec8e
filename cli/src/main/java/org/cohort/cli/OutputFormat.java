package org.cohort.cli;

import java.util.List;
import java.util.Locale;

/**
 * The {@code --format} a command was given, checked against the ones it writes. A plain word
 * rather than an enum option, so that a wrong one gets the tool's own message.
 */
final class OutputFormat {
    private OutputFormat() {}

    /** {@code given} in lower case, or {@code fallback} when not given; a usage error when not one of {@code allowed}. */
    static String choose(String given, String fallback, String... allowed) {
        String format = given == null ? fallback : given.toLowerCase(Locale.ROOT);
        if (!List.of(allowed).contains(format)) {
            throw new UsageException("--format must be " + Words.or(List.of(allowed)) + ", got '" + format + "'");
        }
        return format;
    }
}
