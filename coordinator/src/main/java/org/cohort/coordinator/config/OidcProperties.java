package org.cohort.coordinator.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Optional JWT bearer tokens from an identity provider ({@code cohort.coordinator.oidc.*}), beside
 * the static role tokens, which keep working. Off while {@code issuer-uri} is empty.
 *
 * @param issuerUri     the identity provider's issuer: every token's {@code iss} must equal it; when
 *                      neither {@code jwk-set-uri} nor {@code jwk-set-file} is set, its signing keys are
 *                      discovered from {@code <issuer>/.well-known/openid-configuration} (on first use)
 * @param jwkSetUri     where the provider publishes its signing keys (JWKS), instead of discovery
 * @param jwkSetFile    a local JWKS file (public keys), for a provider the coordinator cannot reach;
 *                      read at start
 * @param audiences     a token's {@code aud} must name at least one of these (required: a token the
 *                      provider issued for another application is refused)
 * @param rolesClaim    the claim that holds the user's groups or roles: a list of strings or one
 *                      space-separated string; a dotted path reaches into objects
 *                      ({@code realm_access.roles})
 * @param roleMapping   provider group or role name → Cohort role ({@code admin}, {@code operator},
 *                      {@code ml}, {@code compliance}); a value not listed grants nothing, so a valid
 *                      token with no mapped value is refused (403)
 * @param usernameClaim the claim that names the person in the audit log, as {@code oidc:<value>}
 * @param jwsAlgorithms signature algorithms accepted (asymmetric only: RS*, PS*, ES*)
 * @param clockSkew     tolerance on {@code exp} and {@code nbf}
 */
@ConfigurationProperties("cohort.coordinator.oidc")
public record OidcProperties(
        @DefaultValue("") String issuerUri,
        @DefaultValue("") String jwkSetUri,
        Path jwkSetFile,
        @DefaultValue List<String> audiences,
        @DefaultValue("roles") String rolesClaim,
        @DefaultValue Map<String, String> roleMapping,
        @DefaultValue("sub") String usernameClaim,
        @DefaultValue("RS256") List<String> jwsAlgorithms,
        @DefaultValue("60s") Duration clockSkew) {

    /** Whether JWTs are accepted at all. */
    public boolean enabled() {
        return !issuerUri.isBlank();
    }
}
