package org.cohort.coordinator.api.security;

import java.util.List;
import org.cohort.coordinator.pki.AdminToken;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.authentication.AuthenticationProvider;

/** The admin token, checked in constant time; the only credential the REST API knows. */
final class AdminTokenAuthenticationProvider implements AuthenticationProvider {
    static final String ADMIN = "admin";
    private final AdminToken token;

    AdminTokenAuthenticationProvider(AdminToken token) {
        this.token = token;
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        Object presented = authentication.getCredentials();
        if (!(presented instanceof String s) || !token.matches(s)) {
            throw new BadCredentialsException("wrong admin token");
        }
        return UsernamePasswordAuthenticationToken.authenticated(ADMIN, null,
                List.of(new SimpleGrantedAuthority("ROLE_" + RestSecurityConfiguration.ADMIN_ROLE)));
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
    }
}
