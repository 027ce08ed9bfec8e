package org.cohort.client;

import java.net.URI;

/**
 * A call to the coordinator that did not succeed, with what a caller needs to say why: whether
 * the coordinator was reached at all, and if it answered, its status and its own message. The
 * CLI turns these into advice ("is it running?", "use the admin token"); tests read the message,
 * e.g. "POST /api/studies answered 400: {...}".
 */
public final class CoordinatorException extends RuntimeException {

    /** Why the call failed. */
    public enum Failure {
        /** No connection could be made (nothing listening, or the connect timed out). */
        UNREACHABLE,
        /** Connected, but no answer within the request timeout. */
        TIMED_OUT,
        /** The connection broke, or was not HTTP (e.g. an https address given as http). */
        BROKEN,
        /** The coordinator answered with a status other than 2xx. */
        REFUSED,
        /** The calling thread was interrupted while it waited. */
        INTERRUPTED
    }

    private final Failure failure;
    private final URI base;
    private final String path;
    private final int status;
    private final String serverMessage;

    private CoordinatorException(
            String message, Failure failure, URI base, String path, int status, String serverMessage, Throwable cause) {
        super(message, cause);
        this.failure = failure;
        this.base = base;
        this.path = path;
        this.status = status;
        this.serverMessage = serverMessage;
    }

    static CoordinatorException refused(
            URI base, String method, String path, int status, String body, String serverMessage) {
        return new CoordinatorException(
                method + " " + path + " answered " + status + ": " + body,
                Failure.REFUSED,
                base,
                path,
                status,
                serverMessage,
                null);
    }

    static CoordinatorException unanswered(URI base, String method, String path, Failure failure, Exception cause) {
        return new CoordinatorException(
                method + " " + path + " at " + base + " failed (" + failure + "): " + describe(cause),
                failure,
                base,
                path,
                0,
                "",
                cause);
    }

    public Failure failure() {
        return failure;
    }

    /** The coordinator's address the call went to. */
    public URI base() {
        return base;
    }

    /** The path called, with its query. */
    public String path() {
        return path;
    }

    /** The HTTP status the coordinator answered; 0 when it did not answer. */
    public int status() {
        return status;
    }

    /** The coordinator's own explanation (the "message" of its error body, else the body); "" when none. */
    public String serverMessage() {
        return serverMessage;
    }

    /** The cause's message, or its type when it has none (a bare ConnectException). */
    public static String describe(Throwable cause) {
        return cause == null
                ? ""
                : cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
}
