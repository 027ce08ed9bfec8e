package org.cohort.crypto.pki;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;

/** A thread-safe token store in memory: for tests and single-process demos (tokens die with the process). */
public final class InMemoryEnrollmentTokenStore implements EnrollmentTokenStore {

    private final ConcurrentMap<String, StoredToken> tokens = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, RedeemedEnrollment> enrollments = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Integer> repeats = new ConcurrentHashMap<>();

    @Override
    public boolean countRepeat(String tokenId, int max) {
        AtomicBoolean counted = new AtomicBoolean();
        repeats.compute(tokenId, (id, n) -> {
            int given = n == null ? 0 : n;
            if (given >= max) {
                return given;
            }
            counted.set(true);
            return given + 1;
        });
        return counted.get();
    }

    @Override
    public Optional<RedeemedEnrollment> enrollment(String tokenId) {
        return Optional.ofNullable(enrollments.get(tokenId));
    }

    @Override
    public void save(StoredToken token) {
        if (tokens.putIfAbsent(token.tokenId(), token) != null) {
            throw new IllegalStateException("An enrollment token with id " + token.tokenId() + " already exists");
        }
    }

    @Override
    public Optional<StoredToken> find(String tokenId) {
        return Optional.ofNullable(tokens.get(tokenId));
    }

    @Override
    public boolean markUsed(String tokenId, Instant at, RedeemedEnrollment enrollment) {
        AtomicBoolean marked = new AtomicBoolean();
        tokens.computeIfPresent(tokenId, (id, token) -> {
            if (token.isUsed()) {
                return token;
            }
            marked.set(true);
            if (enrollment != null) {
                enrollments.put(tokenId, enrollment); // before the token reads as used
            }
            return token.markedUsed(at);
        });
        return marked.get();
    }
}
