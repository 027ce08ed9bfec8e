package org.cohort.coordinator.study;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.json.JsonMapper;

/** Durable study records. The spec is stored as JSON exactly as validated. */
@Repository
public class StudyRepository {
    private final JdbcClient jdbc;
    private final JsonMapper json;

    public StudyRepository(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    public void insert(Study s) {
        jdbc.sql("""
                INSERT INTO studies (study_id, name, spec_json, model_config_json, status, status_detail,
                    current_version, rounds_done, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(
                        s.studyId(),
                        s.spec().name(),
                        json.writeValueAsString(s.spec()),
                        s.modelConfigJson(),
                        s.status().name(),
                        s.statusDetail(),
                        s.currentVersion(),
                        s.roundsDone(),
                        Timestamp.from(s.createdAt()),
                        Timestamp.from(s.updatedAt()))
                .update();
    }

    public void updateProgress(
            String studyId, StudyStatus status, String detail, long currentVersion, int roundsDone, Instant at) {
        jdbc.sql("""
                UPDATE studies SET status = ?, status_detail = ?, current_version = ?, rounds_done = ?, updated_at = ?
                WHERE study_id = ?""")
                .params(status.name(), fitted(detail), currentVersion, roundsDone, Timestamp.from(at), studyId)
                .update();
    }

    /** status_detail holds 1000 characters: a longer reason (a budget refusal) would fail the update every tick. */
    private static String fitted(String detail) {
        return detail == null || detail.length() <= 1000 ? detail : detail.substring(0, 997) + "...";
    }

    /**
     * Moves a study to {@code status} only while it is in {@code from} (checked in the same
     * statement), so a study that finished meanwhile is never stopped or restarted.
     *
     * @return whether the study was in {@code from} and changed
     */
    public boolean changeStatus(
            String studyId, java.util.Set<StudyStatus> from, StudyStatus status, String detail, Instant at) {
        if (from.isEmpty()) {
            return false;
        }
        var params = new java.util.ArrayList<Object>(List.of(status.name(), detail, Timestamp.from(at), studyId));
        from.forEach(s -> params.add(s.name()));
        return jdbc.sql(
                                "UPDATE studies SET status = ?, status_detail = ?, updated_at = ? WHERE study_id = ? AND status IN ("
                                        + String.join(", ", java.util.Collections.nCopies(from.size(), "?")) + ")")
                        .params(params)
                        .update()
                == 1;
    }

    public Optional<Study> find(String studyId) {
        return jdbc.sql("SELECT * FROM studies WHERE study_id = ?")
                .param(studyId)
                .query(this::map)
                .optional();
    }

    public List<Study> all() {
        return jdbc.sql("SELECT * FROM studies ORDER BY created_at")
                .query(this::map)
                .list();
    }

    private Study map(ResultSet rs, int i) throws SQLException {
        return new Study(
                rs.getString("study_id"),
                json.readValue(rs.getString("spec_json"), StudySpec.class),
                rs.getString("model_config_json"),
                StudyStatus.valueOf(rs.getString("status")),
                rs.getString("status_detail"),
                rs.getLong("current_version"),
                rs.getInt("rounds_done"),
                rs.getTimestamp("created_at").toInstant(),
                rs.getTimestamp("updated_at").toInstant());
    }
}
