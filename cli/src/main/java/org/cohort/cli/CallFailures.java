package org.cohort.cli;

import org.cohort.client.CoordinatorException;

/**
 * A failed call to the coordinator as advice for the person at the terminal: start it, fix the
 * address, use the admin token, check the study id. Kept apart from the client, which serves
 * programs too and reports facts, not advice.
 */
final class CallFailures {

    private CallFailures() {}

    static CommandFailed explain(CoordinatorException e) {
        String base = e.base().toString();
        String cause = CoordinatorException.describe(e.getCause());
        String message = e.serverMessage();
        return switch (e.failure()) {
            case UNREACHABLE ->
                new CommandFailed(
                        "cannot reach the coordinator at " + base + " (" + cause + ")."
                                + " Is it running? Pass --coordinator URL or set COHORT_COORDINATOR to its REST address.",
                        e);
            case TIMED_OUT ->
                new CommandFailed(
                        "the coordinator at " + base + " did not answer " + e.path() + " within "
                                + Connection.TIMEOUTS.request().toMinutes() + " minutes; try again, or check its log",
                        e);
            case BROKEN ->
                new CommandFailed(
                        "talking to the coordinator at " + base + " failed: " + cause
                                + ". Check --coordinator (is it http or https?)",
                        e);
            case INTERRUPTED -> new CommandFailed("interrupted", e);
            case REFUSED ->
                switch (e.status()) {
                    case 401 ->
                        new CommandFailed(
                                "the coordinator refused the admin token (401). Use the token in"
                                        + " <data-dir>/admin-token: --token-file PATH or COHORT_TOKEN.",
                                e);
                    case 404 ->
                        new CommandFailed(
                                "not found (404): "
                                        + (message.isEmpty()
                                                ? e.path() + " does not exist on " + base
                                                        + "; is this a Cohort coordinator of the same version?"
                                                : message),
                                e);
                    case 400 -> new CommandFailed("the coordinator rejected the request (400): " + message, e);
                    default ->
                        new CommandFailed(
                                "the coordinator answered " + e.status() + " for " + e.path()
                                        + (message.isEmpty() ? "" : ": " + message) + "; see the coordinator's log",
                                e);
                };
        };
    }
}
