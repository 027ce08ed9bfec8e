package org.cohort.coordinator.api.security;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.authentication.AuthenticationConverter;

/** Reads {@code Authorization: Bearer <token>}; no header means no credential (anonymous). */
final class BearerTokenConverter implements AuthenticationConverter {
    private static final String PREFIX = "Bearer ";

    @Override
    public Authentication convert(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        if (header == null) {
            return null;
        }
        // Any other scheme, or "Bearer" with nothing after it, is a wrong credential: refused, not
        // treated as anonymous, so a client learns at once that what it sent is not accepted.
        String presented = header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
                ? header.substring(PREFIX.length()).strip()
                : "";
        return UsernamePasswordAuthenticationToken.unauthenticated(AdminTokenAuthenticationProvider.ADMIN, presented);
    }
}
