package org.cohort.cli;

import tools.jackson.databind.JsonNode;

/** Reading the coordinator's answers for printing: a missing or null field prints as nothing. */
final class JsonFields {
    private JsonFields() {}

    /** A text field, or "" when missing or null. */
    static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isMissingNode() || v.isNull() ? "" : v.asString();
    }
}
