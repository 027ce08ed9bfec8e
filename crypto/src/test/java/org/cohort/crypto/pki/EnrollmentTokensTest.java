package org.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.cohort.crypto.MutableClock;
import org.cohort.crypto.internal.Algorithms;
import org.cohort.crypto.pki.EnrollmentRejectedException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class EnrollmentTokensTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T09:00:00Z"));
    private final InMemoryEnrollmentTokenStore store = new InMemoryEnrollmentTokenStore();
    private final EnrollmentTokens tokens = new EnrollmentTokens(store, clock);

    @Test
    void issuedTokenHasDocumentedFormat() {
        IssuedToken issued = tokens.issue("St Mary's Hospital", Duration.ofHours(48));

        assertThat(issued.token()).matches("cohort1\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}");
        assertThat(issued.token()).startsWith("cohort1." + issued.tokenId() + ".");
        assertThat(issued.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofHours(48)));
        assertThat(issued.toString()).doesNotContain(issued.token());
    }

    @Test
    void storesOnlyTheHashOfTheSecret() {
        IssuedToken issued = tokens.issue("site-a", Duration.ofHours(1));
        String secret = issued.token().substring(issued.token().lastIndexOf('.') + 1);

        StoredToken stored = store.find(issued.tokenId()).orElseThrow();

        assertThat(stored.secretHash())
                .isEqualTo(Algorithms.sha256(Base64.getUrlDecoder().decode(secret)));
        assertThat(stored.toString()).doesNotContain(secret);
        assertThat(stored.usedAt()).isNull();
    }

    @Test
    void redeemsValidTokenAndReturnsSiteName() {
        IssuedToken issued = tokens.issue("site-a", Duration.ofHours(1));

        assertThat(tokens.redeem(issued.token())).isEqualTo("site-a");
        assertThat(store.find(issued.tokenId()).orElseThrow().usedAt()).isEqualTo(clock.instant());
    }

    @Test
    void checkingATokenDoesNotUseItUp() {
        IssuedToken issued = tokens.issue("site-a", Duration.ofHours(1));

        assertThat(tokens.check(issued.token())).isEqualTo("site-a");
        assertThat(tokens.check(issued.token())).isEqualTo("site-a");
        assertThat(store.find(issued.tokenId()).orElseThrow().usedAt()).isNull();
        assertThat(tokens.redeem(issued.token())).isEqualTo("site-a");
        assertThatThrownBy(() -> tokens.check(issued.token()))
                .isInstanceOfSatisfying(
                        EnrollmentRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.ALREADY_USED));
    }

    @Test
    void checkRefusesAnExpiredToken() {
        IssuedToken issued = tokens.issue("site-a", Duration.ofHours(1));
        clock.advance(Duration.ofHours(2));

        assertThatThrownBy(() -> tokens.check(issued.token()))
                .isInstanceOfSatisfying(
                        EnrollmentRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.EXPIRED));
    }

    @Test
    void refusesToIssueATokenForANameThatCouldNeverEnroll() {
        assertThatThrownBy(() -> tokens.issue("x".repeat(SiteNames.MAX_LENGTH + 1), Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 to " + SiteNames.MAX_LENGTH);
        assertThatThrownBy(() -> tokens.issue("bad\nname", Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toleratesWhitespaceAroundPastedToken() {
        IssuedToken issued = tokens.issue("site-a", Duration.ofHours(1));

        assertThat(tokens.redeem("  " + issued.token() + "\n")).isEqualTo("site-a");
    }

    @Test
    void rejectsAlreadyUsedToken() {
        IssuedToken issued = tokens.issue("site-a", Duration.ofHours(1));
        tokens.redeem(issued.token());

        assertThatThrownBy(() -> tokens.redeem(issued.token()))
                .isInstanceOfSatisfying(
                        EnrollmentRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.ALREADY_USED))
                .hasMessageContaining("already used")
                .hasMessageContaining("Ask the coordinator admin for a new enrollment token");
    }

    @Test
    void rejectsExpiredToken() {
        IssuedToken issued = tokens.issue("site-a", Duration.ofHours(1));
        clock.advance(Duration.ofHours(1));

        assertThatThrownBy(() -> tokens.redeem(issued.token()))
                .isInstanceOfSatisfying(
                        EnrollmentRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.EXPIRED))
                .hasMessageContaining("expired at " + issued.expiresAt())
                .hasMessageContaining("new enrollment token");
        assertThat(store.find(issued.tokenId()).orElseThrow().isUsed()).isFalse();
    }

    @Test
    void acceptsTokenJustBeforeExpiry() {
        IssuedToken issued = tokens.issue("site-a", Duration.ofHours(1));
        clock.advance(Duration.ofHours(1).minusMillis(1));

        assertThat(tokens.redeem(issued.token())).isEqualTo("site-a");
    }

    @Test
    void rejectsUnknownToken() {
        IssuedToken issued = tokens.issue("site-a", Duration.ofHours(1));
        String unknownId = issued.token().replace(issued.tokenId(), "AAAAAAAAAAAAAAAA");

        assertThatThrownBy(() -> tokens.redeem(unknownId))
                .isInstanceOfSatisfying(
                        EnrollmentRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN));
    }

    @Test
    void rejectsTokenWithWrongSecretAndLeavesItUsable() {
        IssuedToken issued = tokens.issue("site-a", Duration.ofHours(1));
        String forged = issued.token().substring(0, issued.token().lastIndexOf('.') + 1) + "A".repeat(43);

        assertThatThrownBy(() -> tokens.redeem(forged))
                .isInstanceOfSatisfying(
                        EnrollmentRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN));
        assertThat(tokens.redeem(issued.token())).isEqualTo("site-a");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(
            strings = {
                "cohort1",
                "cohort1..",
                "cohort2.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                "cohort1.AAAAAAAAAAAAAAAA.short",
                "cohort1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",
                "cohort1.AAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.extra"
            })
    void rejectsMalformedToken(String presented) {
        assertThatThrownBy(() -> tokens.redeem(presented))
                .isInstanceOfSatisfying(
                        EnrollmentRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED))
                .hasMessageContaining("cohort1.<id>.<secret>");
    }

    @Test
    void concurrentRedemptionsOfOneTokenSucceedOnce() throws Exception {
        IssuedToken issued = tokens.issue("site-a", Duration.ofHours(1));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Boolean>> attempts = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                attempts.add(() -> {
                    try {
                        tokens.redeem(issued.token());
                        return true;
                    } catch (EnrollmentRejectedException e) {
                        assertThat(e.reason()).isEqualTo(Reason.ALREADY_USED);
                        return false;
                    }
                });
            }
            int successes = 0;
            for (Future<Boolean> result : pool.invokeAll(attempts)) {
                successes += result.get() ? 1 : 0;
            }
            assertThat(successes).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void tokensAreUnique() {
        IssuedToken first = tokens.issue("site-a", Duration.ofHours(1));
        IssuedToken second = tokens.issue("site-a", Duration.ofHours(1));

        assertThat(first.tokenId()).isNotEqualTo(second.tokenId());
        assertThat(first.token()).isNotEqualTo(second.token());
    }

    @Test
    void refusesNonPositiveLifetime() {
        assertThatThrownBy(() -> tokens.issue("site-a", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive lifetime");
    }

    @Test
    void theSameRequestSentAgainAfterItsTokenWasUsedGetsTheRecordedEnrollmentOnlyWithinTheWindow() {
        IssuedToken issued = tokens.issue("site-a", Duration.ofHours(1));
        byte[] keys = Algorithms.sha256(new byte[] {1});
        byte[] otherKeys = Algorithms.sha256(new byte[] {2});
        Duration window = Duration.ofMinutes(15);
        // Nothing to repeat before the token is used; a token used without keeping its answer has none either.
        assertThat(tokens.repeatOf(issued.token(), keys, window)).isEmpty();
        IssuedToken bare = tokens.issue("site-b", Duration.ofHours(1));
        tokens.redeem(bare.token());
        assertThat(tokens.repeatOf(bare.token(), keys, window)).isEmpty();

        // Used and its answer kept in one step.
        tokens.redeem(issued.token(), new RedeemedEnrollment("site-a-1", keys, new byte[] {9, 9}));
        assertThat(tokens.repeatOf(issued.token(), keys, window)).hasValueSatisfying(e -> {
            assertThat(e.siteId()).isEqualTo("site-a-1");
            assertThat(e.certificate()).containsExactly(9, 9);
        });
        // Other keys (someone else holding the token), another secret, another token id: nothing.
        assertThat(tokens.repeatOf(issued.token(), otherKeys, window)).isEmpty();
        String forged = issued.token().substring(0, issued.token().lastIndexOf('.') + 1)
                + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
        assertThat(tokens.repeatOf(forged, keys, window)).isEmpty();
        assertThat(tokens.repeatOf("not a token", keys, window)).isEmpty();
        // The token's refusal still stands for a fresh redemption.
        assertThatThrownBy(() -> tokens.check(issued.token()))
                .isInstanceOfSatisfying(
                        EnrollmentRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.ALREADY_USED));

        clock.advance(window.minusSeconds(1));
        assertThat(tokens.repeatOf(issued.token(), keys, window)).isPresent();
        clock.advance(Duration.ofSeconds(1));
        assertThat(tokens.repeatOf(issued.token(), keys, window)).isEmpty();
    }

    @Test
    void repeatsAreAnsweredAtMostTheGivenNumberOfTimesPerToken() {
        IssuedToken issued = tokens.issue("site-a", Duration.ofHours(1));
        tokens.redeem(issued.token(), new RedeemedEnrollment("site-a-1", new byte[32], new byte[] {1}));
        assertThat(tokens.mayAnswerRepeat(issued.token(), 2)).isTrue();
        assertThat(tokens.mayAnswerRepeat(issued.token(), 2)).isTrue();
        assertThat(tokens.mayAnswerRepeat(issued.token(), 2)).isFalse();
        assertThat(tokens.mayAnswerRepeat("not a token", 2)).isFalse();
    }
}
