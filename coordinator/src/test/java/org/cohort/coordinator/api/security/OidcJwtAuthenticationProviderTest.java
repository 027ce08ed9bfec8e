package org.cohort.coordinator.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.cohort.coordinator.config.OidcProperties;
import org.cohort.coordinator.testing.TestIdentityProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.GrantedAuthority;

/**
 * JWTs from an identity provider: which are accepted, with which roles, and every way one is
 * refused. Keys, tokens and the provider's HTTP endpoints are all made here, on loopback.
 */
class OidcJwtAuthenticationProviderTest {
    static TestIdentityProvider idp;
    static OidcJwtAuthenticationProvider fromFile;

    @TempDir
    static Path dir;

    static final Map<String, String> MAPPING = Map.of(
            "cohort-operators", "operator",
            "cohort-ml", "ml",
            "cohort-compliance", "compliance",
            "cohort-admins", "ADMIN");

    @BeforeAll
    static void start() throws Exception {
        idp = new TestIdentityProvider();
        fromFile = OidcJwtAuthenticationProvider.of(
                properties(idp.issuer(), "", idp.writeJwkSet(dir.resolve("jwks.json")), "groups", MAPPING));
    }

    @AfterAll
    static void stop() {
        idp.close();
    }

    static OidcProperties properties(
            String issuer, String jwkSetUri, Path jwkSetFile, String claim, Map<String, String> mapping) {
        return new OidcProperties(
                issuer,
                jwkSetUri,
                jwkSetFile,
                List.of("another-api", TestIdentityProvider.AUDIENCE),
                claim,
                mapping,
                "preferred_username",
                List.of("RS256"),
                Duration.ofSeconds(30));
    }

    private static Authentication present(OidcJwtAuthenticationProvider provider, String token) {
        return provider.authenticate(UsernamePasswordAuthenticationToken.unauthenticated("admin", token));
    }

    private static List<String> roles(Authentication a) {
        return a.getAuthorities().stream()
                .map(GrantedAuthority::getAuthority)
                .sorted()
                .toList();
    }

    @Test
    void aValidTokenCarriesTheRolesItsGroupsMapTo() {
        var alice = present(fromFile, idp.token("alice", "cohort-operators", "staff"));
        assertThat(alice.isAuthenticated()).isTrue();
        assertThat(alice.getName()).isEqualTo("oidc:alice");
        assertThat(roles(alice)).containsExactly("ROLE_OPERATOR");

        assertThat(roles(present(fromFile, idp.token("bob", "cohort-ml", "cohort-compliance"))))
                .containsExactly("ROLE_COMPLIANCE", "ROLE_ML");
        assertThat(roles(present(fromFile, idp.token("root", "cohort-admins"))))
                .containsExactly("ROLE_ADMIN", "ROLE_COMPLIANCE", "ROLE_ML", "ROLE_OPERATOR");
    }

    @Test
    void aValidTokenWithNoMappedGroupHoldsNoRole() {
        assertThat(roles(present(fromFile, idp.token("eve", "staff", "cohort-operator"))))
                .isEmpty();
        assertThat(roles(present(fromFile, idp.token("eve")))).isEmpty();
        // Roles in another claim than the configured one count for nothing.
        String elsewhere = idp.token(
                "eve", c -> c.claim("groups", null).claim("roles", List.of("cohort-admins", "cohort-operators")));
        assertThat(roles(present(fromFile, elsewhere))).isEmpty();
        // Case matters: the provider's group names are matched exactly.
        assertThat(roles(present(fromFile, idp.token("eve", "COHORT-ADMINS")))).isEmpty();
    }

    @Test
    void anExpiredTokenIsRefused() {
        var past = Instant.now().minus(Duration.ofMinutes(10));
        String expired = idp.token(
                "alice",
                c -> c.issueTime(Date.from(past.minusSeconds(300))).expirationTime(Date.from(past)),
                "cohort-admins");
        assertThatThrownBy(() -> present(fromFile, expired))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("expired");
    }

    @Test
    void aTokenNotYetValidOrWithoutExpiryIsRefused() {
        String later =
                idp.token("alice", c -> c.notBeforeTime(Date.from(Instant.now().plusSeconds(600))), "cohort-admins");
        assertThatThrownBy(() -> present(fromFile, later)).isInstanceOf(AuthenticationException.class);
        String forever = idp.token("alice", c -> c.expirationTime(null), "cohort-admins");
        assertThatThrownBy(() -> present(fromFile, forever))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("exp");
    }

    @Test
    void aTokenFromAnotherIssuerIsRefused() {
        String other = idp.token("alice", c -> c.issuer("https://login.example.org/other"), "cohort-admins");
        assertThatThrownBy(() -> present(fromFile, other))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("iss");
    }

    @Test
    void aTokenForAnotherAudienceIsRefused() {
        String other = idp.token("alice", c -> c.audience("billing-app"), "cohort-admins");
        assertThatThrownBy(() -> present(fromFile, other))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("aud");
        String none = idp.token("alice", c -> c.audience((String) null), "cohort-admins");
        assertThatThrownBy(() -> present(fromFile, none)).isInstanceOf(AuthenticationException.class);
    }

    @Test
    void aBadlySignedTokenIsRefused() {
        var claims = idp.claims("mallory", "cohort-admins").build();
        assertThatThrownBy(() -> present(fromFile, idp.signedByStranger(claims)))
                .isInstanceOf(AuthenticationException.class);
        // A valid token with its payload swapped for another's keeps a signature that no longer matches.
        String valid = idp.token("alice", "cohort-compliance");
        String forged = idp.token("alice", "cohort-admins");
        String[] v = valid.split("\\.");
        String[] f = forged.split("\\.");
        assertThatThrownBy(() -> present(fromFile, v[0] + "." + f[1] + "." + v[2]))
                .isInstanceOf(AuthenticationException.class);
    }

    @Test
    void anUnsignedTokenIsRefused() {
        String none = TestIdentityProvider.unsigned(
                idp.claims("mallory", "cohort-admins").build());
        assertThat(none).endsWith(".");
        assertThatThrownBy(() -> present(fromFile, none)).isInstanceOf(AuthenticationException.class);
    }

    @Test
    void anHmacTokenSignedWithThePublicKeyIsRefused() {
        String confused =
                idp.hmacWithPublicKey(idp.claims("mallory", "cohort-admins").build());
        assertThatThrownBy(() -> present(fromFile, confused)).isInstanceOf(AuthenticationException.class);
    }

    @Test
    void whatIsNoJwtIsLeftToTheStaticTokens() {
        assertThat(present(fromFile, "a-static-token-of-forty-three-characters-xx"))
                .isNull();
        assertThat(present(fromFile, "")).isNull();
    }

    @Test
    void keysComeFromTheJwkSetUriOrFromTheIssuersDiscoveryDocument() {
        var byUri =
                OidcJwtAuthenticationProvider.of(properties(idp.issuer(), idp.jwkSetUri(), null, "groups", MAPPING));
        assertThat(roles(present(byUri, idp.token("alice", "cohort-ml")))).containsExactly("ROLE_ML");
        var discovered = OidcJwtAuthenticationProvider.of(properties(idp.issuer(), "", null, "groups", MAPPING));
        assertThat(roles(present(discovered, idp.token("alice", "cohort-ml")))).containsExactly("ROLE_ML");
        assertThatThrownBy(() -> present(
                        discovered,
                        idp.signedByStranger(idp.claims("m", "cohort-ml").build())))
                .isInstanceOf(AuthenticationException.class);
    }

    @Test
    void aNestedClaimOrASpaceSeparatedOneIsRead() {
        var keycloak = OidcJwtAuthenticationProvider.of(
                properties(idp.issuer(), idp.jwkSetUri(), null, "realm_access.roles", MAPPING));
        String nested = idp.token("alice", c -> c.claim("realm_access", Map.of("roles", List.of("cohort-compliance"))));
        assertThat(roles(present(keycloak, nested))).containsExactly("ROLE_COMPLIANCE");
        var scoped = OidcJwtAuthenticationProvider.of(properties(idp.issuer(), idp.jwkSetUri(), null, "scp", MAPPING));
        String spaced = idp.token("alice", c -> c.claim("scp", "openid cohort-ml profile"));
        assertThat(roles(present(scoped, spaced))).containsExactly("ROLE_ML");
    }

    @Test
    void anIncompleteOrUnsafeConfigurationStopsTheStart() {
        Path jwks = dir.resolve("jwks.json");
        assertThatThrownBy(() -> OidcJwtAuthenticationProvider.of(new OidcProperties(
                        idp.issuer(), "", jwks, List.of(), "groups", MAPPING, "sub", List.of("RS256"), Duration.ZERO)))
                .hasMessageContaining("audiences");
        assertThatThrownBy(() -> OidcJwtAuthenticationProvider.of(
                        properties(idp.issuer(), "", jwks, "groups", Map.of("cohort-admins", "root"))))
                .hasMessageContaining("not a Cohort role");
        assertThatThrownBy(() -> OidcJwtAuthenticationProvider.of(new OidcProperties(
                        idp.issuer(),
                        "",
                        jwks,
                        List.of("a"),
                        "groups",
                        MAPPING,
                        "sub",
                        List.of("HS256"),
                        Duration.ZERO)))
                .hasMessageContaining("HS256");
        assertThatThrownBy(() -> OidcJwtAuthenticationProvider.of(
                        properties(idp.issuer(), idp.jwkSetUri(), jwks, "groups", MAPPING)))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> OidcJwtAuthenticationProvider.of(
                        properties(idp.issuer(), "", dir.resolve("missing.json"), "groups", MAPPING)))
                .hasMessageContaining("jwk-set-file");
        assertThatThrownBy(() -> OidcJwtAuthenticationProvider.of(
                        properties("http://login.example.org/realms/cohort", "", null, "groups", MAPPING)))
                .hasMessageContaining("must be an https:// address");
        assertThatThrownBy(() -> OidcJwtAuthenticationProvider.of(properties(
                        "https://login.example.org/realms/cohort",
                        "http://login.example.org/keys",
                        null,
                        "groups",
                        MAPPING)))
                .hasMessageContaining("jwk-set-uri must be an https:// address");
    }
}
