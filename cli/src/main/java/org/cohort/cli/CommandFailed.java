package org.cohort.cli;

/** The command ran and could not do its job (coordinator unreachable, token refused, ...). Exit code 1. */
final class CommandFailed extends RuntimeException {
    CommandFailed(String message) {
        super(message);
    }

    CommandFailed(String message, Throwable cause) {
        super(message, cause);
    }
}
