package org.cohort.coordinator.pki;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Static bearer tokens for the roles beside the admin: each person gets the token of the job they
 * do, and a leaked compliance token cannot start a study or enroll a site. Where an identity
 * provider exists, its JWTs carry the same roles (cohort.coordinator.oidc); these keep working.
 */
public final class RoleTokens {

    /** The jobs the REST API serves, each with its token file in the data directory. */
    public enum Role {
        /** Hospital onboarding: enrollment tokens, revoking sites. */
        OPERATOR("operator-token"),
        /** The central ML team: creating, starting and stopping studies; models. */
        ML("ml-token"),
        /** Read-only: privacy, audit, reports (and every other read). */
        COMPLIANCE("compliance-token");

        private final String fileName;

        Role(String fileName) {
            this.fileName = fileName;
        }

        public String fileName() {
            return fileName;
        }
    }

    private final Map<Role, AdminToken> tokens;

    public RoleTokens(Map<Role, AdminToken> tokens) {
        this.tokens = new EnumMap<>(tokens);
    }

    /** The role whose token this is, checked in constant time against each. */
    public Optional<Role> roleOf(String presented) {
        Role found = null;
        for (var e : tokens.entrySet()) {
            if (e.getValue().matches(presented)) {
                found = e.getKey(); // no early exit: every token is compared, whatever matched
            }
        }
        return Optional.ofNullable(found);
    }
}
