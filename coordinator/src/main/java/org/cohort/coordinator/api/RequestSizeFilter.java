package org.cohort.coordinator.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.cohort.coordinator.config.CoordinatorProperties;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses a request body above {@code cohort.coordinator.max-request-bytes} (1 MiB by default)
 * with 413 and a JSON message, before any of it reaches a controller: a declared length above the
 * limit is refused unread; a chunked body is read up to the limit and refused at the first byte
 * beyond it. Nothing the coordinator keeps (a study spec goes into the audit log forever) can be
 * larger than the limit. Runs just after Spring Security's chain, so a request without the admin
 * token is refused (401) before a byte of its body is read or buffered.
 */
@Component
@Order(org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterProperties.DEFAULT_FILTER_ORDER + 1)
class RequestSizeFilter extends OncePerRequestFilter {
    private final long limit;

    public RequestSizeFilter(CoordinatorProperties props) {
        this.limit = props.maxRequestBytes();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long declared = request.getContentLengthLong();
        if (declared > limit) {
            tooLarge(response, declared + " bytes");
            return;
        }
        if (declared < 0 && request.getHeader("Transfer-Encoding") != null) {
            byte[] body = readAtMost(request.getInputStream(), limit + 1);
            if (body.length > limit) {
                tooLarge(response, "more than " + limit + " bytes");
                return;
            }
            chain.doFilter(new BufferedBody(request, body), response);
            return;
        }
        chain.doFilter(request, response);
    }

    private void tooLarge(HttpServletResponse response, String size) throws IOException {
        response.setStatus(413);
        response.setContentType("application/json");
        response.setHeader("Connection", "close");
        response.getWriter()
                .write("{\"error\":\"payload too large\",\"message\":\"the request body has " + size
                        + ", above this coordinator's limit of " + limit
                        + " bytes (cohort.coordinator.max-request-bytes);"
                        + " a study spec or any other request fits well within it\"}");
    }

    private static byte[] readAtMost(InputStream in, long max) throws IOException {
        var out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while (out.size() < max && (n = in.read(buf, 0, (int) Math.min(buf.length, max - out.size()))) != -1) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    /** A request whose (chunked) body was read here, within the limit, and is served again from memory. */
    private static final class BufferedBody extends HttpServletRequestWrapper {
        private final byte[] body;

        BufferedBody(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public ServletInputStream getInputStream() {
            var in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body was already read");
                }

                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            Charset charset =
                    getCharacterEncoding() == null ? StandardCharsets.UTF_8 : Charset.forName(getCharacterEncoding());
            return new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }
    }
}
