package org.cohort.coordinator.api.security;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import java.io.IOException;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.cohort.coordinator.config.OidcProperties;
import org.cohort.coordinator.pki.RoleTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtTypeValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * JWT bearer tokens from the identity provider configured under {@code cohort.coordinator.oidc},
 * beside the static tokens: a presented credential that is no static token and has the shape of a
 * signed JWT is checked here. Refused with 401: a bad or missing signature (including
 * {@code alg: none} and any algorithm not configured, so an HMAC token "signed" with the public
 * key), another issuer, another audience, no {@code exp}, or an expired or not-yet-valid token.
 * A valid token carries the Cohort roles its groups map to and nothing else: none mapped, no role,
 * and every endpoint but the public ones answers 403.
 */
final class OidcJwtAuthenticationProvider implements AuthenticationProvider {
    private static final Logger log = LoggerFactory.getLogger(OidcJwtAuthenticationProvider.class);
    /** Token types an identity provider puts in a JWT access token's header ({@code typ}); absent is fine too. */
    private static final List<String> TOKEN_TYPES = List.of("JWT", "at+jwt", "application/at+jwt");

    private final JwtAuthenticationProvider jwt;

    private OidcJwtAuthenticationProvider(JwtAuthenticationProvider jwt) {
        this.jwt = jwt;
    }

    /**
     * The provider for this configuration.
     *
     * @throws IllegalStateException with what to change, when the configuration is incomplete or unsafe
     */
    static OidcJwtAuthenticationProvider of(OidcProperties oidc) {
        var roles = new RoleMapping(oidc);
        var provider = new JwtAuthenticationProvider(decoder(oidc));
        provider.setJwtAuthenticationConverter(roles::authenticate);
        return new OidcJwtAuthenticationProvider(provider);
    }

    @Override
    public Authentication authenticate(Authentication authentication) throws AuthenticationException {
        if (!(authentication.getCredentials() instanceof String presented) || !looksLikeJwt(presented)) {
            return null; // not ours: the static token check's refusal stands
        }
        try {
            return jwt.authenticate(new BearerTokenAuthenticationToken(presented));
        } catch (AuthenticationException e) {
            log.debug("refused a JWT: {}", e.getMessage());
            throw e;
        }
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
    }

    /** Compact serialisation: header.payload.signature (the signature may be empty: then it is refused). */
    static boolean looksLikeJwt(String token) {
        return token.chars().filter(c -> c == '.').count() == 2;
    }

    static JwtDecoder decoder(OidcProperties oidc) {
        if (!oidc.enabled()) {
            throw new IllegalStateException("cohort.coordinator.oidc.issuer-uri is not set");
        }
        if (oidc.audiences().isEmpty()) {
            throw new IllegalStateException("cohort.coordinator.oidc.audiences is empty: list the audience (aud) the"
                    + " identity provider puts in tokens for the coordinator, so that a token issued for another"
                    + " application is refused");
        }
        if (oidc.jwkSetFile() != null && !oidc.jwkSetUri().isBlank()) {
            throw new IllegalStateException(
                    "set one of cohort.coordinator.oidc.jwk-set-uri and cohort.coordinator.oidc.jwk-set-file, not both");
        }
        if (oidc.jwkSetFile() == null) {
            String keysFrom = oidc.jwkSetUri().isBlank() ? oidc.issuerUri() : oidc.jwkSetUri();
            requireHttpsOrLoopback(
                    keysFrom, oidc.jwkSetUri().isBlank() ? "cohort.coordinator.oidc.issuer-uri" : "jwk-set-uri");
        }
        Set<SignatureAlgorithm> algorithms = algorithms(oidc.jwsAlgorithms());
        NimbusJwtDecoder decoder;
        if (oidc.jwkSetFile() != null) {
            decoder = NimbusJwtDecoder.withJwkSource(new ImmutableJWKSet<>(publicKeys(oidc)))
                    .jwsAlgorithms(a -> a.addAll(algorithms))
                    .build();
        } else if (!oidc.jwkSetUri().isBlank()) {
            decoder = NimbusJwtDecoder.withJwkSetUri(oidc.jwkSetUri())
                    .jwsAlgorithms(a -> a.addAll(algorithms))
                    .build();
        } else {
            // The keys' address is discovered from the issuer on first use, not at start.
            decoder = NimbusJwtDecoder.withIssuerLocation(oidc.issuerUri())
                    .jwsAlgorithms(a -> a.addAll(algorithms))
                    .build();
        }
        decoder.setJwtValidator(validator(oidc));
        return decoder;
    }

    /**
     * The signing keys are fetched from this address: over plain HTTP anyone on the path could
     * swap them and sign tokens of their own. Loopback stays allowed (a local identity provider, tests).
     */
    static void requireHttpsOrLoopback(String address, String property) {
        java.net.URI uri;
        try {
            uri = java.net.URI.create(address);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(property + " is not a URI: " + address);
        }
        String host = uri.getHost() == null ? "" : uri.getHost();
        boolean loopback =
                host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
        if (!"https".equalsIgnoreCase(uri.getScheme()) && !(loopback && "http".equalsIgnoreCase(uri.getScheme()))) {
            throw new IllegalStateException(property + " must be an https:// address (got " + address + "): the"
                    + " signing keys are fetched from it, and over plain HTTP anyone on the way could replace them;"
                    + " or give the keys as a file with cohort.coordinator.oidc.jwk-set-file");
        }
    }

    private static OAuth2TokenValidator<Jwt> validator(OidcProperties oidc) {
        var types = new JwtTypeValidator(TOKEN_TYPES);
        types.setAllowEmpty(true);
        var audiences = Set.copyOf(oidc.audiences());
        return JwtValidators.createDefaultWithValidators(List.of(
                new JwtTimestampValidator(oidc.clockSkew()),
                // A token without an expiry would be good forever.
                new JwtClaimValidator<Object>(JwtClaimNames.EXP, Objects::nonNull),
                new JwtIssuerValidator(oidc.issuerUri()),
                new JwtClaimValidator<Object>(
                        JwtClaimNames.AUD,
                        aud -> aud instanceof Collection<?> c && c.stream().anyMatch(audiences::contains)),
                types));
    }

    private static Set<SignatureAlgorithm> algorithms(List<String> names) {
        var out = new LinkedHashSet<SignatureAlgorithm>();
        for (String name : names) {
            SignatureAlgorithm a = SignatureAlgorithm.from(name.strip());
            if (a == null) {
                throw new IllegalStateException("cohort.coordinator.oidc.jws-algorithms: " + name + " is not an"
                        + " asymmetric signature algorithm (RS256, RS384, RS512, PS256, PS384, PS512, ES256,"
                        + " ES384, ES512)");
            }
            out.add(a);
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("cohort.coordinator.oidc.jws-algorithms is empty");
        }
        return out;
    }

    private static JWKSet publicKeys(OidcProperties oidc) {
        try {
            JWKSet keys = JWKSet.load(oidc.jwkSetFile().toFile()).toPublicJWKSet();
            if (keys.getKeys().isEmpty()) {
                throw new IllegalStateException(
                        "cohort.coordinator.oidc.jwk-set-file " + oidc.jwkSetFile() + " holds no public key");
            }
            return keys;
        } catch (IOException | ParseException e) {
            throw new IllegalStateException(
                    "cannot read cohort.coordinator.oidc.jwk-set-file " + oidc.jwkSetFile()
                            + " as a JWK set ({\"keys\": [...]}): " + e.getMessage(),
                    e);
        }
    }

    /** A token's groups or roles, as the configured claim holds them, turned into Cohort roles. */
    static final class RoleMapping {
        private final String[] claimPath;
        private final Map<String, String> mapping;
        private final String usernameClaim;

        RoleMapping(OidcProperties oidc) {
            this.claimPath = oidc.rolesClaim().strip().split("\\.");
            this.usernameClaim = oidc.usernameClaim();
            var m = new TreeMap<String, String>();
            for (var e : oidc.roleMapping().entrySet()) {
                String role = e.getValue().strip().toLowerCase(Locale.ROOT);
                if (!role.equals(AdminTokenAuthenticationProvider.ADMIN) && roleNamed(role) == null) {
                    throw new IllegalStateException("cohort.coordinator.oidc.role-mapping." + e.getKey() + "=" + role
                            + ": not a Cohort role (admin, operator, ml, compliance)");
                }
                m.put(e.getKey(), role);
            }
            if (m.isEmpty()) {
                log.warn("cohort.coordinator.oidc.role-mapping is empty: every JWT is refused (403) until the identity"
                        + " provider's groups are mapped to Cohort roles");
            }
            this.mapping = Map.copyOf(m);
        }

        AbstractAuthenticationToken authenticate(Jwt jwt) {
            Set<String> roles = new java.util.TreeSet<>();
            for (String value : values(jwt)) {
                String role = mapping.get(value);
                if (role != null) {
                    roles.add(role);
                }
            }
            List<GrantedAuthority> authorities;
            if (roles.contains(AdminTokenAuthenticationProvider.ADMIN)) {
                authorities = AdminTokenAuthenticationProvider.adminAuthorities();
            } else {
                var granted = EnumSet.noneOf(RoleTokens.Role.class);
                roles.forEach(r -> granted.add(roleNamed(r)));
                authorities = granted.stream()
                        .map(AdminTokenAuthenticationProvider::authority)
                        .toList();
            }
            String who = jwt.getClaimAsString(usernameClaim);
            return new JwtAuthenticationToken(jwt, authorities, "oidc:" + (who == null ? jwt.getSubject() : who));
        }

        /** The strings at the claim's path: a list of them, or one space-separated string. */
        List<String> values(Jwt jwt) {
            Object node = jwt.getClaims();
            for (String step : claimPath) {
                node = node instanceof Map<?, ?> m ? m.get(step) : null;
            }
            var out = new ArrayList<String>();
            if (node instanceof Collection<?> c) {
                c.forEach(v -> {
                    if (v instanceof String s) {
                        out.add(s);
                    }
                });
            } else if (node instanceof String s) {
                out.addAll(List.of(s.strip().split("\\s+")));
            }
            return out;
        }

        private static RoleTokens.Role roleNamed(String lower) {
            for (RoleTokens.Role r : RoleTokens.Role.values()) {
                if (r.name().toLowerCase(Locale.ROOT).equals(lower)) {
                    return r;
                }
            }
            return null;
        }
    }
}
