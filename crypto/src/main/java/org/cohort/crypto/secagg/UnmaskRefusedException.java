package org.cohort.crypto.secagg;

/**
 * A site refused an unmasking request that could expose a site's update (both shares of one site,
 * a key share of a survivor, a survivor set other than the one it signed). Such a request comes
 * only from a faulty or malicious server, so the site also abandons the round and erases the
 * shares it held; report the incident to the site's admin.
 */
public final class UnmaskRefusedException extends SecAggException {

    UnmaskRefusedException(String message) {
        super(message);
    }
}
