package org.cohort.simulation;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 over a plain socket, byte for byte as written: the request target reaches the server
 * exactly as an attacker would send it ({@code ;}, {@code %2F}, {@code /../}), which
 * {@link java.net.http.HttpClient} would refuse or normalise first.
 */
final class RawHttp {
    private final int port;

    RawHttp(int port) {
        this.port = port;
    }

    /** Sends one request on a new connection and returns the status code of the answer. */
    int status(String method, String target, String authorization, String body) {
        var request = new StringBuilder()
                .append(method)
                .append(' ')
                .append(target)
                .append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:")
                .append(port)
                .append("\r\n")
                .append("Connection: close\r\n");
        if (authorization != null) {
            request.append("Authorization: ").append(authorization).append("\r\n");
        }
        byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) {
            request.append("Content-Type: application/json\r\n");
        }
        request.append("Content-Length: ").append(payload.length).append("\r\n\r\n");
        return status(request.toString().getBytes(StandardCharsets.ISO_8859_1), payload);
    }

    /** Sends arbitrary head and body bytes; returns the status code, or -1 if the server closed without one. */
    int status(byte[] head, byte[] body) {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(head);
            socket.getOutputStream().write(body);
            socket.getOutputStream().flush();
            return statusCode(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException("request to 127.0.0.1:" + port + " failed", e);
        }
    }

    private static int statusCode(InputStream in) throws IOException {
        var line = new ByteArrayOutputStream();
        for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
            line.write(b);
        }
        String statusLine = line.toString(StandardCharsets.ISO_8859_1);
        if (statusLine.isBlank()) {
            return -1;
        }
        // "HTTP/1.1 401 " or "HTTP/1.1 401 Unauthorized"
        String[] parts = statusLine.split(" ");
        return Integer.parseInt(parts[1].strip());
    }
}
