/**
 * The one canonical JSON form of the project: RFC 8785 (JSON Canonicalization Scheme), so that
 * whatever is hashed or signed (audit entries, exported event histories) can be recomputed by
 * any JCS implementation.
 *
 * <p>It lives in the privacy module because that is the lowest module both of its users depend
 * on (the event history here, the coordinator's audit chain), and the privacy module takes no
 * JSON library: the few lines of RFC 8785 are written out rather than pulling one in.
 */
package org.cohort.privacy.json;
