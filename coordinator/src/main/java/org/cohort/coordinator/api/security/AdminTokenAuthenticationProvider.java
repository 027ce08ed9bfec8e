package org.cohort.coordinator.api.security;

import java.util.List;
import org.cohort.coordinator.pki.AdminToken;
import org.cohort.coordinator.pki.RoleTokens;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * The REST API's credentials, checked in constant time: the admin token (every role) or one role's
 * token (that role only). Who holds which is the coordinator operator's decision.
 */
final class AdminTokenAuthenticationProvider implements AuthenticationProvider {
    static final String ADMIN = "admin";
    private final AdminToken token;
    private final RoleTokens roles;

    AdminTokenAuthenticationProvider(AdminToken token, RoleTokens roles) {
        this.token = token;
        this.roles = roles;
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        Object presented = authentication.getCredentials();
        if (!(presented instanceof String s)) {
            throw new BadCredentialsException("no token");
        }
        if (token.matches(s)) {
            return UsernamePasswordAuthenticationToken.authenticated(ADMIN, null, adminAuthorities());
        }
        var role = roles.roleOf(s).orElseThrow(() -> new BadCredentialsException("wrong token"));
        return UsernamePasswordAuthenticationToken.authenticated(
                role.name().toLowerCase(java.util.Locale.ROOT), null, List.of(authority(role)));
    }

    /** What the admin holds, by static token or by a JWT mapped to admin: every role. */
    static List<GrantedAuthority> adminAuthorities() {
        var all = new java.util.ArrayList<GrantedAuthority>();
        all.add(new SimpleGrantedAuthority("ROLE_" + RestSecurityConfiguration.ADMIN_ROLE));
        for (RoleTokens.Role role : RoleTokens.Role.values()) {
            all.add(authority(role));
        }
        return List.copyOf(all);
    }

    /** What one job's holder holds. */
    static GrantedAuthority authority(RoleTokens.Role role) {
        return new SimpleGrantedAuthority("ROLE_" + role.name());
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
    }
}
