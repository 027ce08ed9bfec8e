package org.cohort.coordinator.testing;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * An identity provider for tests, on loopback only: RSA keys generated here, JWTs signed with
 * them, its discovery document and JWKS served by an in-test HTTP server (or written to a file).
 * Also forges the tokens an attacker would try: another key, {@code alg: none}, HMAC "signed" with
 * the public key.
 */
public final class TestIdentityProvider implements AutoCloseable {
    public static final String AUDIENCE = "cohort-coordinator";

    private final RSAKey key;
    private final RSAKey stranger;
    private final HttpServer server;
    private final String issuer;

    public TestIdentityProvider() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("idp-key-1").generate();
        stranger = new RSAKeyGenerator(2048).keyID("idp-key-1").generate(); // same kid, other key
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        issuer = "http://127.0.0.1:" + server.getAddress().getPort() + "/idp";
        String jwks = new JWKSet(key.toPublicJWK()).toString();
        String discovery = "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + jwkSetUri() + "\"}";
        server.createContext("/idp/.well-known/openid-configuration", e -> respond(e, discovery));
        server.createContext("/idp/jwks", e -> respond(e, jwks));
        server.start();
    }

    private static void respond(com.sun.net.httpserver.HttpExchange exchange, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (var out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    public String issuer() {
        return issuer;
    }

    public String jwkSetUri() {
        return issuer + "/jwks";
    }

    /** Writes the public keys as a JWKS file (what an operator copies from the provider). */
    public Path writeJwkSet(Path file) throws IOException {
        Files.writeString(file, new JWKSet(key.toPublicJWK()).toString());
        return file;
    }

    /** Claims of a valid token for {@code user} with these values in the {@code groups} claim. */
    public JWTClaimsSet.Builder claims(String user, String... groups) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(issuer)
                .audience(List.of(AUDIENCE))
                .subject("id-" + user)
                .claim("preferred_username", user)
                .claim("groups", List.of(groups))
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(5))));
    }

    /** A valid token for {@code user} with these groups. */
    public String token(String user, String... groups) {
        return sign(claims(user, groups).build());
    }

    /** A valid token's claims, changed by {@code change}, signed by the provider's key. */
    public String token(String user, UnaryOperator<JWTClaimsSet.Builder> change, String... groups) {
        return sign(change.apply(claims(user, groups)).build());
    }

    public String sign(JWTClaimsSet claims) {
        return sign(key, claims);
    }

    /** Signed by a key the provider never published (with the published key's id). */
    public String signedByStranger(JWTClaimsSet claims) {
        return sign(stranger, claims);
    }

    /** {@code alg: none}: no signature at all. */
    public static String unsigned(JWTClaimsSet claims) {
        return new PlainJWT(claims).serialize();
    }

    /** HS256 with the provider's public key as the HMAC secret: the classic algorithm-confusion forgery. */
    public String hmacWithPublicKey(JWTClaimsSet claims) {
        try {
            var jwt = new SignedJWT(
                    new JWSHeader.Builder(JWSAlgorithm.HS256)
                            .keyID(key.getKeyID())
                            .build(),
                    claims);
            jwt.sign(new MACSigner(key.toRSAPublicKey().getEncoded()));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sign(RSAKey with, JWTClaimsSet claims) {
        try {
            var header = new JWSHeader.Builder(JWSAlgorithm.RS256)
                    .keyID(with.getKeyID())
                    .type(JOSEObjectType.JWT)
                    .build();
            var jwt = new SignedJWT(header, claims);
            jwt.sign(new RSASSASigner(with));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
