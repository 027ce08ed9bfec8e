package org.cohort.crypto.pki;

import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cohort.crypto.internal.Algorithms;

/**
 * One-time, expiring enrollment tokens. A token reads {@code cohort1.<tokenId>.<secret>}: the id
 * finds the record, the 256-bit secret proves possession. Only SHA-256 of the secret is stored
 * (a plain hash suffices: the secret is random and long, so there is nothing to brute-force), so
 * a leaked database does not let anyone enroll.
 */
public final class EnrollmentTokens {

    static final String PREFIX = "cohort1";
    private static final int ID_BYTES = 12;
    private static final int SECRET_BYTES = 32;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final Pattern FORMAT =
            Pattern.compile(Pattern.quote(PREFIX) + "\\.([A-Za-z0-9_-]{16})\\.([A-Za-z0-9_-]{43})");
    private static final String ASK_FOR_NEW = "Ask the coordinator admin for a new enrollment token.";

    private final EnrollmentTokenStore store;
    private final Clock clock;

    public EnrollmentTokens(EnrollmentTokenStore store, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Issues a token for {@code siteName}, valid for {@code ttl}. The returned secret is not kept. */
    public IssuedToken issue(String siteName, Duration ttl) {
        if (siteName == null || siteName.isBlank()) {
            throw new IllegalArgumentException("An enrollment token must name the site it is for");
        }
        SiteNames.check(siteName); // a token for a name that cannot enroll would only be wasted
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException(
                    "An enrollment token needs a positive lifetime, e.g. Duration.ofDays(2); got " + ttl);
        }
        byte[] id = new byte[ID_BYTES];
        byte[] secret = new byte[SECRET_BYTES];
        Algorithms.random().nextBytes(id);
        Algorithms.random().nextBytes(secret);
        String tokenId = ENCODER.encodeToString(id);
        Instant expiresAt = clock.instant().plus(ttl);
        store.save(new StoredToken(tokenId, Algorithms.sha256(secret), siteName, expiresAt, null));
        return new IssuedToken(tokenId, PREFIX + "." + tokenId + "." + ENCODER.encodeToString(secret), expiresAt);
    }

    /**
     * Checks a presented token without using it up; returns the site name it was issued for. The
     * coordinator checks everything else about an enrollment in between, and {@link #redeem}s the
     * token only when the enrollment can succeed, so a request refused for another reason leaves the
     * token usable.
     *
     * @throws EnrollmentRejectedException if the token is malformed, unknown, expired or already used
     */
    public String check(String presentedToken) {
        return valid(presentedToken).siteName();
    }

    /**
     * Checks a presented token and marks it used; returns the site name it was issued for. Of two
     * concurrent redemptions of one token, exactly one succeeds.
     *
     * @throws EnrollmentRejectedException if the token is malformed, unknown, expired or already used
     */
    public String redeem(String presentedToken) {
        return redeem(presentedToken, null);
    }

    /**
     * As {@link #redeem(String)}, keeping what the enrollment produced with the token in the same step, for
     * {@link #repeatOf} to answer the same request sent again.
     */
    public String redeem(String presentedToken, RedeemedEnrollment enrollment) {
        StoredToken token = valid(presentedToken);
        Instant now = clock.instant();
        if (!store.markUsed(token.tokenId(), now, enrollment)) {
            throw alreadyUsed(
                    store.find(token.tokenId()).map(StoredToken::usedAt).orElse(now));
        }
        return token.siteName();
    }

    /**
     * The enrollment {@code presentedToken} already produced, when this is the same request sent again: the
     * token's secret matches, it was used less than {@code window} ago, and the request is for the very same
     * keys ({@code requestDigest}, compared in constant time). Empty otherwise, and then the token's usual
     * refusal stands. Whoever holds the token and the keys already holds what this returns (the certificate
     * is public; its key is theirs), so answering again gives nothing away; a request for other keys never
     * gets a certificate.
     */
    public Optional<RedeemedEnrollment> repeatOf(String presentedToken, byte[] requestDigest, Duration window) {
        Matcher matcher = FORMAT.matcher(presentedToken == null ? "" : presentedToken.strip());
        if (!matcher.matches()) {
            return Optional.empty();
        }
        Optional<StoredToken> found = store.find(matcher.group(1));
        byte[] presentedHash = Algorithms.sha256(DECODER.decode(matcher.group(2)));
        // Constant-time comparison, against a dummy of equal length for an unknown id, as in valid().
        byte[] storedHash = found.map(StoredToken::secretHash).orElseGet(() -> new byte[presentedHash.length]);
        if (!MessageDigest.isEqual(storedHash, presentedHash)
                || found.isEmpty()
                || !found.get().isUsed()
                || !clock.instant().isBefore(found.get().usedAt().plus(window))) {
            return Optional.empty();
        }
        return store.enrollment(found.get().tokenId())
                .filter(e -> MessageDigest.isEqual(e.requestDigest(), requestDigest));
    }

    /**
     * Whether one more repeat of {@code presentedToken}'s request may be answered: at most {@code max} per
     * token, so that whoever holds the token and the keys cannot fill the audit log. Call after
     * {@link #repeatOf} found it.
     */
    public boolean mayAnswerRepeat(String presentedToken, int max) {
        Matcher matcher = FORMAT.matcher(presentedToken == null ? "" : presentedToken.strip());
        return matcher.matches() && store.countRepeat(matcher.group(1), max);
    }

    private StoredToken valid(String presentedToken) {
        Matcher matcher = FORMAT.matcher(presentedToken == null ? "" : presentedToken.strip());
        if (!matcher.matches()) {
            throw new EnrollmentRejectedException(
                    EnrollmentRejectedException.Reason.MALFORMED,
                    "The enrollment token is not of the form " + PREFIX
                            + ".<id>.<secret>. Copy the whole token exactly as"
                            + " the coordinator admin gave it (no quotes or line breaks). " + ASK_FOR_NEW);
        }
        String tokenId = matcher.group(1);
        byte[] presentedHash = Algorithms.sha256(DECODER.decode(matcher.group(2)));
        Optional<StoredToken> found = store.find(tokenId);
        // Constant-time comparison: the hash of an unknown id is compared against a dummy of equal length.
        byte[] storedHash = found.map(StoredToken::secretHash).orElseGet(() -> new byte[presentedHash.length]);
        if (found.isEmpty() || !MessageDigest.isEqual(storedHash, presentedHash)) {
            throw new EnrollmentRejectedException(
                    EnrollmentRejectedException.Reason.UNKNOWN,
                    "The enrollment token is not known to this coordinator. Check that the agent enrolls with the"
                            + " coordinator that issued the token. " + ASK_FOR_NEW);
        }
        StoredToken token = found.get();
        if (token.isUsed()) {
            throw alreadyUsed(token.usedAt());
        }
        if (!clock.instant().isBefore(token.expiresAt())) {
            throw new EnrollmentRejectedException(
                    EnrollmentRejectedException.Reason.EXPIRED,
                    "The enrollment token expired at " + token.expiresAt() + ". " + ASK_FOR_NEW);
        }
        return token;
    }

    private static EnrollmentRejectedException alreadyUsed(Instant usedAt) {
        return new EnrollmentRejectedException(
                EnrollmentRejectedException.Reason.ALREADY_USED,
                "The enrollment token was already used at " + usedAt + "; tokens work once. " + ASK_FOR_NEW
                        + " If this site did not use it, tell the admin: someone else may have enrolled with it.");
    }
}
