package org.cohort.coordinator.api.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/** The three ways a request is refused before it reaches a controller, each as JSON that says what to do. */
final class JsonRefusals implements AuthenticationEntryPoint, AccessDeniedHandler, RequestRejectedHandler {
    private static final Logger log = LoggerFactory.getLogger(JsonRefusals.class);

    static final String UNAUTHORIZED = "send Authorization: Bearer <token>; the token is in <data-dir>/admin-token"
            + " unless cohort.coordinator.admin-token is set (or a role's token file beside it, or, where"
            + " cohort.coordinator.oidc is configured, a valid JWT from that identity provider)";
    static final String FORBIDDEN = "no such endpoint for this credential; the API is under /api (see the README)";
    static final String REJECTED = "the request path is not in canonical form: send it without ';', '//', '/./',"
            + " '/../', '\\\\' or percent-encoded '/', '.', '%' or '\\\\'";

    /** No credential, or a wrong one. */
    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        write(response, HttpServletResponse.SC_UNAUTHORIZED, "unauthorized", UNAUTHORIZED);
    }

    /** A valid credential, but nothing it may call at that address. */
    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
            throws IOException {
        write(response, HttpServletResponse.SC_FORBIDDEN, "forbidden", FORBIDDEN);
    }

    /** Refused by the firewall: a path a container and Spring MVC might read two ways. */
    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, RequestRejectedException e)
            throws IOException {
        // The reason names the rule; the raw path is the caller's own input, so it is not echoed back.
        log.debug("refused a non-canonical request from {}: {}", request.getRemoteAddr(), e.getMessage());
        write(response, HttpServletResponse.SC_BAD_REQUEST, "bad request", REJECTED);
    }

    private static void write(HttpServletResponse response, int status, String error, String message)
            throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        // Constant texts only, so hand-written JSON is safe here.
        response.getWriter().write("{\"error\":\"" + error + "\",\"message\":\"" + message + "\"}");
    }
}
