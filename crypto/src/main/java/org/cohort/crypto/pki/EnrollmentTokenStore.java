package org.cohort.crypto.pki;

import java.time.Instant;
import java.util.Optional;

/**
 * Where enrollment tokens are kept. The coordinator implements it over its database; tests and
 * single-process demos use {@link InMemoryEnrollmentTokenStore}.
 */
public interface EnrollmentTokenStore {

    /** Stores a new token; a duplicate id is an error. */
    void save(StoredToken token);

    Optional<StoredToken> find(String tokenId);

    /**
     * Atomically marks the token used at {@code at}. Returns false if it was already used (or does
     * not exist), so that two concurrent redemptions of one token cannot both succeed. A JDBC
     * implementation: {@code UPDATE ... SET used_at = ? WHERE token_id = ? AND used_at IS NULL},
     * true iff one row changed.
     */
    boolean markUsed(String tokenId, Instant at);

    /** Keeps what the used token's enrollment produced, for an identical request sent again. */
    void recordEnrollment(String tokenId, RedeemedEnrollment enrollment);

    /** What the token's enrollment produced, if it was recorded. */
    Optional<RedeemedEnrollment> enrollment(String tokenId);
}
