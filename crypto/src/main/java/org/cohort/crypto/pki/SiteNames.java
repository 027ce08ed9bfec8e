package org.cohort.crypto.pki;

import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;
import org.cohort.crypto.internal.Algorithms;
import org.cohort.crypto.internal.Names;

/**
 * The one rule for site names and the site ids derived from them. The REST API checks it when an
 * enrollment token is issued, {@link EnrollmentTokens#issue} and enrollment check it again, and
 * {@link #newSiteId} always yields an id that fits a certificate's common name, so a name that is
 * accepted anywhere can always enroll.
 */
public final class SiteNames {

    /** Longest site name: room for a hospital's full name and department. */
    public static final int MAX_LENGTH = 100;

    private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._'-]{0," + (MAX_LENGTH - 1) + "}");
    private static final String ID_PREFIX = "site-";
    /** Random hex characters that keep two sites of the same name apart. */
    private static final int SUFFIX_CHARS = 6;
    /**
     * Longest site id. The id is the common name of the site's certificate, and the agent names its
     * update-signing key holder after it ({@link SiteIdentity#UPDATE_SIGNING_SUFFIX}); RFC 5280 bounds
     * a common name at 64 characters.
     */
    public static final int MAX_SITE_ID_LENGTH = Names.MAX_COMMON_NAME - SiteIdentity.UPDATE_SIGNING_SUFFIX.length();
    /** Longest part of the id ({@code site-<slug>-<suffix>}) taken from the name. */
    static final int MAX_SLUG = MAX_SITE_ID_LENGTH - ID_PREFIX.length() - 1 - SUFFIX_CHARS;

    private SiteNames() {}

    /**
     * Checks a site name against the rule and returns it.
     *
     * @throws IllegalArgumentException with a message for the admin who chose the name
     */
    public static String check(String siteName) {
        if (siteName == null || !ALLOWED.matcher(siteName).matches()) {
            throw new IllegalArgumentException(
                    "siteName must be 1 to " + MAX_LENGTH + " letters, digits, spaces, '.', '_',"
                            + " ''' or '-', starting with a letter or digit; got " + describe(siteName));
        }
        return siteName;
    }

    /** A new site id for a checked name: {@code site-<name in lower case, runs of other characters as '-'>-<6 hex>}. */
    public static String newSiteId(String siteName) {
        String slug = check(siteName).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        if (slug.length() > MAX_SLUG) {
            slug = slug.substring(0, MAX_SLUG);
        }
        slug = slug.replaceAll("-+$", ""); // never empty: a name starts with a letter or digit
        byte[] suffix = new byte[SUFFIX_CHARS / 2];
        Algorithms.random().nextBytes(suffix);
        return ID_PREFIX + slug + "-" + HexFormat.of().formatHex(suffix);
    }

    private static String describe(String siteName) {
        if (siteName == null) {
            return "none";
        }
        String shown = siteName.length() > 40 ? siteName.substring(0, 40) + "…" : siteName;
        return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "' (" + siteName.length() + " characters)";
    }
}
