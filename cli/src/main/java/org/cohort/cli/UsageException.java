package org.cohort.cli;

/** The command line was wrong: nothing was run. Exit code 2; the message says how to fix it. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }

    /** A required option is missing: "'privacy budget' needs --study (the study id, ...). See: ...". */
    static UsageException missing(String command, String option, String what) {
        return new UsageException(
                "'" + command + "' needs " + option + " (" + what + "). See: cohort " + command + " --help");
    }
}
