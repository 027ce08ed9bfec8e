package org.cohort.cli;

/** The command line was wrong: nothing was run. Exit code 2; the message says how to fix it. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
