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
     * Atomically marks the token used at {@code at}, with what its enrollment produced (null: nothing to
     * keep), in the same step, so that a repeat of the request never finds the token used and its answer
     * missing. Returns false if it was already used (or does not exist), so that two concurrent
     * redemptions of one token cannot both succeed. A JDBC implementation: {@code UPDATE ... SET used_at
     * = ?, ... WHERE token_id = ? AND used_at IS NULL}, true iff one row changed.
     */
    boolean markUsed(String tokenId, Instant at, RedeemedEnrollment enrollment);

    /** What the token's enrollment produced, if it was kept. */
    Optional<RedeemedEnrollment> enrollment(String tokenId);

    /**
     * Counts one more answer to a repeat of the token's request, unless {@code max} were already given;
     * returns whether this one may be given. Atomic, so that concurrent repeats cannot pass the cap.
     */
    boolean countRepeat(String tokenId, int max);
}
