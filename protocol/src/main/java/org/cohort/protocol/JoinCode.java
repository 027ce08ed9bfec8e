package org.cohort.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Everything a hospital's agent needs for its first start, in one string the coordinator's
 * operator hands over: the site's name, the coordinator's agent addresses, the CA fingerprint to
 * pin and the one-time enrollment token. It is as secret as the token inside it (one use, until it
 * expires), and it carries nothing else: the agent still generates its keys locally and pins the
 * CA before it sends the token.
 *
 * <p>The text form is {@code cohort-join1.} followed by the base64url (no padding) of UTF-8 lines
 * {@code key=value}, the last of them {@code check=} (16 hex digits of the SHA-256 of the others, so a
 * code cut short or mistyped is refused, not half-used); a person can read it with {@code base64 -d}.
 *
 * @param siteName      the site's name as the coordinator shows it
 * @param addresses     the coordinator's agent addresses, {@code host:port}
 * @param caFingerprint the coordinator CA's fingerprint, {@code sha256:<64 hex>}
 * @param token         the one-time enrollment token
 */
public record JoinCode(String siteName, List<String> addresses, String caFingerprint, String token) {
    public static final String PREFIX = "cohort-join1.";
    private static final Pattern FINGERPRINT = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9.\\-\\[\\]:]+:[0-9]{1,5}");
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._\\-]{16,200}");
    private static final int MAX_LENGTH = 4096;

    public JoinCode {
        require(
                siteName != null && !siteName.isBlank() && siteName.chars().noneMatch(Character::isISOControl),
                "a site name without control characters");
        require(addresses != null && !addresses.isEmpty(), "at least one coordinator address");
        addresses = List.copyOf(addresses);
        for (String a : addresses) {
            require(ADDRESS.matcher(a).matches(), "coordinator addresses as host:port (got '" + printable(a) + "')");
        }
        require(
                caFingerprint != null && FINGERPRINT.matcher(caFingerprint).matches(),
                "a CA fingerprint sha256:<64 lowercase hex digits>");
        require(token != null && TOKEN.matcher(token).matches(), "an enrollment token");
    }

    /** The text form, {@code cohort-join1.<base64url>}. */
    public String encode() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("site", siteName);
        fields.put("addresses", String.join(",", addresses));
        fields.put("ca-fingerprint", caFingerprint);
        fields.put("token", token);
        StringBuilder lines = new StringBuilder();
        fields.forEach((k, v) -> lines.append(k).append('=').append(v).append('\n'));
        String check = check(lines.toString());
        lines.append("check=").append(check).append('\n');
        return PREFIX
                + Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(lines.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads a join code's text form (surrounding white space ignored).
     *
     * @throws IllegalArgumentException saying what is wrong with it; never echoes the token
     */
    public static JoinCode decode(String text) {
        String trimmed = text == null ? "" : text.strip();
        require(trimmed.length() <= MAX_LENGTH, "at most " + MAX_LENGTH + " characters");
        require(
                trimmed.startsWith(PREFIX),
                "to start with '" + PREFIX + "' (ask the coordinator's operator for the"
                        + " code `cohort sites invite` printed)");
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(trimmed.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "this join code is damaged (not base64url after '" + PREFIX + "'): copy" + " it again, whole");
        }
        String inside = new String(bytes, StandardCharsets.UTF_8);
        int checkAt = inside.lastIndexOf("check=");
        // A code cut short or mistyped could still look well formed: the check catches that.
        require(
                checkAt >= 0
                        && inside.substring(checkAt).strip().equals("check=" + check(inside.substring(0, checkAt))),
                "its check to match (this one is cut short or altered: copy it again, whole)");
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : inside.substring(0, checkAt).split("\n")) {
            int eq = line.indexOf('=');
            require(eq > 0, "lines key=value inside (this one is damaged: copy it again, whole)");
            require(
                    fields.put(line.substring(0, eq), line.substring(eq + 1)) == null,
                    "each field once (this one repeats '" + printable(line.substring(0, eq)) + "')");
        }
        for (String key : List.of("site", "addresses", "ca-fingerprint", "token")) {
            require(fields.containsKey(key), "a '" + key + "' field (this one has none: copy it again, whole)");
        }
        return new JoinCode(
                fields.get("site"),
                List.of(fields.get("addresses").split(",")),
                fields.get("ca-fingerprint"),
                fields.get("token"));
    }

    @Override
    public String toString() {
        // The token is a credential: never in a log line or an exception message.
        return "JoinCode[site=" + siteName + ", addresses=" + addresses + ", caFingerprint=" + caFingerprint
                + ", token=<hidden>]";
    }

    /** The first 16 hex digits of the SHA-256 of the lines: a check against damage, not a signature. */
    private static String check(String lines) {
        try {
            byte[] digest =
                    java.security.MessageDigest.getInstance("SHA-256").digest(lines.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java has no SHA-256", e);
        }
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("a join code needs " + what);
        }
    }

    private static String printable(String s) {
        String cut = s.length() > 60 ? s.substring(0, 60) + "…" : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
