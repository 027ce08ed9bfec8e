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

    @Override
    public void recordEnrollment(String tokenId, RedeemedEnrollment enrollment) {
        enrollments.put(tokenId, enrollment);
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
    public boolean markUsed(String tokenId, Instant at) {
        AtomicBoolean marked = new AtomicBoolean();
        tokens.computeIfPresent(tokenId, (id, token) -> {
            if (token.isUsed()) {
                return token;
            }
            marked.set(true);
            return token.markedUsed(at);
        });
        return marked.get();
    }
}
