package org.cohort.coordinator.grpc;

import io.grpc.Context;

/** The authenticated site of the current call (from its client certificate). */
final class SiteContext {
    private SiteContext() {}

    static final Context.Key<String> SITE_ID = Context.key("cohort-site-id");
    /** The client certificate the call authenticated with. */
    static final Context.Key<java.security.cert.X509Certificate> CERTIFICATE = Context.key("cohort-site-certificate");

    /** The caller's site id; only valid inside a call that passed {@link SiteAuthInterceptor}. */
    public static String siteId() {
        String id = SITE_ID.get();
        if (id == null) {
            throw new IllegalStateException("no authenticated site in this call");
        }
        return id;
    }
}
