package org.cohort.client;

import java.nio.file.Path;
import tools.jackson.databind.JsonNode;

/** A study's life on the coordinator: create, start, stop, follow its rounds, read its privacy and models. */
public final class Studies {
    private final Rest rest;

    Studies(Rest rest) {
        this.rest = rest;
    }

    /** Creates a study from its spec (a map or record as the coordinator's StudySpec reads it); the study as stored. */
    public JsonNode create(Object spec) {
        return rest.post(ApiPath.of("studies"), spec);
    }

    /** Every study. */
    public JsonNode list() {
        return rest.get(ApiPath.of("studies"));
    }

    /** One study: spec, status, current model version, terms. */
    public JsonNode get(String studyId) {
        return rest.get(ApiPath.of("studies", studyId));
    }

    public JsonNode start(String studyId) {
        return rest.post(ApiPath.of("studies", studyId, "start"), null);
    }

    public JsonNode stop(String studyId) {
        return rest.post(ApiPath.of("studies", studyId, "stop"), null);
    }

    /** Every round so far, attempts included, oldest first. */
    public JsonNode rounds(String studyId) {
        return rest.get(ApiPath.of("studies", studyId, "rounds"));
    }

    /** The study's model versions. */
    public JsonNode models(String studyId) {
        return rest.get(ApiPath.of("studies", studyId, "models"));
    }

    /** The model's configuration, as the text the coordinator keeps (it is hashed and rebuilt from). */
    public String modelConfig(String studyId) {
        return rest.getText(ApiPath.of("studies", studyId, "model-config"), "application/json");
    }

    /** Writes a model version's parameters (little-endian float32) to {@code target}. */
    public void downloadParameters(String studyId, long version, Path target) {
        rest.download(ApiPath.of("studies", studyId, "models", version, "parameters"), target);
    }

    /** The privacy terms a site's admin pins: canonical form, digest, and the agent property to add. */
    public JsonNode terms(String studyId) {
        return rest.get(ApiPath.of("studies", studyId, "terms"));
    }

    /** Per site and unit: ε spent, budget, remaining, rounds left, and the inputs of every number. */
    public JsonNode privacy(String studyId) {
        return rest.get(ApiPath.of("studies", studyId, "privacy"));
    }

    /** The privacy report, as the coordinator wrote it (kept byte for byte, to archive). */
    public String privacyReport(String studyId, ReportFormat format) {
        return rest.getText(ApiPath.of("studies", studyId, format.resource()), format.mediaType());
    }

    /** The two forms of the privacy report. */
    public enum ReportFormat {
        /** One self-contained page (inline CSS and SVG, no scripts). */
        HTML("privacy-report.html", "text/html"),
        JSON("privacy-report", "application/json");

        private final String resource;
        private final String mediaType;

        ReportFormat(String resource, String mediaType) {
            this.resource = resource;
            this.mediaType = mediaType;
        }

        String resource() {
            return resource;
        }

        String mediaType() {
            return mediaType;
        }
    }
}
