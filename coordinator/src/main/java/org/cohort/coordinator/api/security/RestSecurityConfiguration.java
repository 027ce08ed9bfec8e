package org.cohort.coordinator.api.security;

import jakarta.servlet.DispatcherType;
import java.util.List;
import org.cohort.coordinator.config.OidcProperties;
import org.cohort.coordinator.pki.AdminToken;
import org.cohort.coordinator.pki.RoleTokens;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.authentication.AuthenticationEntryPointFailureHandler;
import org.springframework.security.web.authentication.AuthenticationFilter;
import org.springframework.security.web.firewall.HttpFirewall;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.firewall.StrictHttpFirewall;

/**
 * Who may call what over HTTP. Spring Security matches the request as it normalises it, after
 * its firewall has refused anything a servlet container or Spring MVC could read two ways
 * (matrix parameters, encoded '/', '.', '%' or '\', '//', '/./', '/../'). Deny by default:
 * the dashboard page and the liveness and readiness probes are public; reads of the API, the
 * metrics and the API description need any role's token; each write needs the role whose job it
 * is (operator: enrollment and revocation; ML team: studies) or the admin token; anything else is
 * refused even if a controller would answer it. The roles come from a static token or, where
 * {@code cohort.coordinator.oidc.issuer-uri} is set, from a JWT the identity provider signed
 * ({@link OidcJwtAuthenticationProvider}); the dashboard calls the same API with the same header,
 * so both answer to the same rules.
 */
@Configuration(proxyBeanMethods = false)
class RestSecurityConfiguration {
    static final String ADMIN_ROLE = "ADMIN";
    static final String OPERATOR = RoleTokens.Role.OPERATOR.name();
    static final String ML = RoleTokens.Role.ML.name();
    static final String COMPLIANCE = RoleTokens.Role.COMPLIANCE.name();

    @Bean
    SecurityFilterChain restSecurity(HttpSecurity http, AdminTokenAuthenticationProvider admin, OidcProperties oidc)
            throws Exception {
        var refusal = new JsonRefusals();
        // The static tokens first; then, where an identity provider is configured, a JWT it signed.
        var providers = new java.util.ArrayList<AuthenticationProvider>(List.of(admin));
        if (oidc.enabled()) {
            providers.add(OidcJwtAuthenticationProvider.of(oidc));
        }
        var bearer = new AuthenticationFilter(new ProviderManager(providers), new BearerTokenConverter());
        // A wrong token is answered at once with 401; a right one continues down the chain.
        bearer.setFailureHandler(new AuthenticationEntryPointFailureHandler(refusal));
        bearer.setSuccessHandler((request, response, authentication) -> {});
        http
                // A bearer token sent by code, never a cookie a browser attaches by itself: no CSRF
                // surface, and no session to fixate or steal.
                .csrf(AbstractHttpConfigurer::disable)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable)
                .addFilterBefore(bearer, AuthorizationFilter.class)
                .authorizeHttpRequests(a -> a
                        // Error pages rendered for a request that was already let through.
                        .dispatcherTypeMatchers(DispatcherType.ERROR)
                        .permitAll()
                        .requestMatchers(HttpMethod.GET, "/", "/index.html")
                        .permitAll()
                        .requestMatchers(HttpMethod.HEAD, "/", "/index.html")
                        .permitAll()
                        // Probes an orchestrator calls without credentials; they say up or down, nothing else.
                        .requestMatchers(HttpMethod.GET, "/actuator/health/liveness", "/actuator/health/readiness")
                        .permitAll()
                        // Each job its writes; every role may read. Anything not listed is the admin's alone.
                        .requestMatchers(HttpMethod.POST, "/api/enrollment-tokens", "/api/sites/*/revoke")
                        .hasAnyRole(OPERATOR, ADMIN_ROLE)
                        .requestMatchers(HttpMethod.POST, "/api/studies", "/api/studies/*/start", "/api/studies/*/stop")
                        .hasAnyRole(ML, ADMIN_ROLE)
                        // Model weights: the ML team's (a round's difference can be close to one site's update).
                        .requestMatchers(
                                HttpMethod.GET, "/api/studies/*/models/*/parameters", "/api/studies/*/model-config")
                        .hasAnyRole(ML, ADMIN_ROLE)
                        .requestMatchers(HttpMethod.GET, "/api/**", "/actuator/prometheus", "/v3/api-docs")
                        .hasAnyRole(OPERATOR, ML, COMPLIANCE, ADMIN_ROLE)
                        .requestMatchers("/api/**", "/actuator/**", "/v3/api-docs", "/v3/api-docs/**")
                        .hasRole(ADMIN_ROLE)
                        .anyRequest()
                        .denyAll())
                .exceptionHandling(e -> e.authenticationEntryPoint(refusal).accessDeniedHandler(refusal));
        return http.build();
    }

    /** The static tokens; as a bean it also keeps Spring Boot from making up a user and password. */
    @Bean
    AdminTokenAuthenticationProvider adminTokenAuthenticationProvider(AdminToken token, RoleTokens roles) {
        return new AdminTokenAuthenticationProvider(token, roles);
    }

    /** Spring Security's strict firewall, spelled out so that a later default change is a visible diff. */
    @Bean
    HttpFirewall httpFirewall() {
        var firewall = new StrictHttpFirewall();
        firewall.setAllowSemicolon(false);
        firewall.setAllowUrlEncodedSlash(false);
        firewall.setAllowUrlEncodedDoubleSlash(false);
        firewall.setAllowUrlEncodedPeriod(false);
        firewall.setAllowUrlEncodedPercent(false);
        firewall.setAllowBackSlash(false);
        firewall.setAllowNull(false);
        return firewall;
    }

    /** A request the firewall refused is a client error with a message, not a 500. */
    @Bean
    RequestRejectedHandler requestRejectedHandler() {
        return new JsonRefusals();
    }
}
