package org.cohort.coordinator.round;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Durable history of rounds, per-site reports and evaluations of each model version. */
@Repository
public class RoundRepository {
    private final JdbcClient jdbc;

    public RoundRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insertStarted(RoundState s) {
        jdbc.sql("""
                INSERT INTO rounds (round_id, study_id, round_number, attempt, kind, base_version, status,
                    selected_sites, started_at, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(
                        s.roundId(),
                        s.studyId(),
                        s.roundNumber(),
                        s.attempt(),
                        s.kind().name(),
                        s.baseVersion(),
                        s.phase().name(),
                        String.join(",", s.selected()),
                        Timestamp.from(s.startedAt()),
                        s.detail())
                .update();
    }

    public void updateClosed(RoundState s, Long resultVersion, Instant closedAt) {
        jdbc.sql("UPDATE rounds SET status = ?, closed_at = ?, result_version = ?, detail = ? WHERE round_id = ?")
                .params(s.phase().name(), Timestamp.from(closedAt), resultVersion, s.detail(), s.roundId())
                .update();
    }

    /**
     * Rounds left open by a coordinator that stopped mid-round. Their uploads lived only in that
     * process, so they are closed as FAILED (never half-published, never charged) and the study
     * starts a fresh attempt.
     */
    public int abandonOpenRounds(String reason, Instant at) {
        return abandonOpenRoundsExcept(java.util.Set.of(), reason, at);
    }

    /** Like {@link #abandonOpenRounds} but keeps the rounds the cluster still holds and a new driver continues. */
    public int abandonOpenRoundsExcept(java.util.Set<String> continued, String reason, Instant at) {
        int n = 0;
        for (String roundId : jdbc.sql("SELECT round_id FROM rounds WHERE status IN ('COLLECTING', 'AGGREGATING')")
                .query(String.class)
                .list()) {
            if (!continued.contains(roundId)) {
                n += jdbc.sql("UPDATE rounds SET status = 'FAILED', closed_at = ?, detail = ? WHERE round_id = ?"
                                + " AND status IN ('COLLECTING', 'AGGREGATING')")
                        .params(Timestamp.from(at), reason, roundId)
                        .update();
            }
        }
        return n;
    }

    /** Attempts of a round so far (all outcomes), from the durable record. */
    public int attempts(String studyId, int roundNumber) {
        return jdbc.sql("SELECT COALESCE(MAX(attempt), 0) FROM rounds WHERE study_id = ? AND round_number = ?")
                .params(studyId, roundNumber)
                .query(Integer.class)
                .single();
    }

    /** Failed attempts of a round so far. */
    public int failedAttempts(String studyId, int roundNumber) {
        return jdbc.sql("SELECT COUNT(*) FROM rounds WHERE study_id = ? AND round_number = ? AND status = 'FAILED'")
                .params(studyId, roundNumber)
                .query(Integer.class)
                .single();
    }

    public void insertReport(
            String roundId,
            String siteId,
            String outcome,
            Long exampleCount,
            Double trainLoss,
            Long trainMillis,
            String detail,
            Instant at) {
        // The same outcome twice (an update re-sent after the replica holding it was lost): the last word counts.
        jdbc.sql("DELETE FROM round_reports WHERE round_id = ? AND site_id = ? AND outcome = ?")
                .params(roundId, siteId, outcome)
                .update();
        jdbc.sql("""
                INSERT INTO round_reports (round_id, site_id, outcome, example_count, train_loss, train_millis,
                    detail, reported_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(
                        roundId,
                        siteId,
                        outcome,
                        exampleCount,
                        trainLoss,
                        trainMillis,
                        truncate(detail),
                        Timestamp.from(at))
                .update();
    }

    /** A site's evaluation in clear, with a binary study's exact score histogram ({@code scores}, else null). */
    public void recordEvaluation(
            String studyId,
            long version,
            String siteId,
            long examples,
            long correct,
            double loss,
            org.cohort.protocol.ScoreHistogram scores) {
        replaceEvaluation(
                studyId, version, siteId, examples, correct, loss, null, scores == null ? null : scores.format());
    }

    /**
     * A binary study's final evaluation under DP: examples and correct derived from its noised score
     * histogram (post-processing of a charged release), no loss, the histogram and its noise kept.
     */
    public void recordNoisedScores(
            String studyId, long version, String siteId, org.cohort.protocol.ScoreHistogram release) {
        replaceEvaluation(
                studyId, version, siteId, release.examples(), release.correct(), 0, release.noise(), release.format());
    }

    /**
     * A site's final evaluation under DP: examples and correct derived from its noised confusion
     * matrix (post-processing of a charged release), no loss, the noise kept beside them.
     */
    public void recordNoisedEvaluation(
            String studyId, long version, String siteId, org.cohort.protocol.NoisedConfusion release) {
        replaceEvaluation(studyId, version, siteId, release.examples(), release.correct(), 0, release.noise(), null);
    }

    /**
     * A regression study's evaluation: its error sums (MAE and RMSE are computed from them with the study's
     * label range when read, per site and pooled; storing them too would be a second copy to keep in step). In clear they are exact and the loss is the mean squared error in units of
     * the range; under DP (noised sums, the final evaluation) examples is derived from them
     * (post-processing of a charged release), no loss is kept, and their noise is.
     */
    public void recordErrors(
            String studyId, long version, String siteId, org.cohort.protocol.ErrorSums sums, double loss) {
        replaceEvaluation(
                studyId,
                version,
                siteId,
                sums.examples(),
                0,
                sums.noised() ? 0 : loss,
                sums.noised() ? sums.noise() : null,
                null,
                sums.format());
    }

    private void replaceEvaluation(
            String studyId,
            long version,
            String siteId,
            long examples,
            long correct,
            double loss,
            Double noise,
            String histogram) {
        replaceEvaluation(studyId, version, siteId, examples, correct, loss, noise, histogram, null);
    }

    private void replaceEvaluation(
            String studyId,
            long version,
            String siteId,
            long examples,
            long correct,
            double loss,
            Double noise,
            String histogram,
            String errorSums) {
        // A site may evaluate the same version twice (a retried round); the last word counts.
        jdbc.sql("DELETE FROM model_evaluations WHERE study_id = ? AND version = ? AND site_id = ?")
                .params(studyId, version, siteId)
                .update();
        jdbc.sql("INSERT INTO model_evaluations"
                        + " (study_id, version, site_id, examples, correct, loss, noise_multiplier, score_histogram,"
                        + " error_sums) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .params(studyId, version, siteId, examples, correct, loss, noise, histogram, errorSums)
                .update();
    }

    /** One row of a round's history, as the REST API and the demo show it. */
    public record RoundRow(
            String roundId,
            int roundNumber,
            int attempt,
            String kind,
            long baseVersion,
            String status,
            List<String> selected,
            Instant startedAt,
            Instant closedAt,
            Long resultVersion,
            String detail) {}

    /** @param upload what an accepted training upload weighed; null for other reports and older rounds */
    public record ReportRow(
            String roundId,
            String siteId,
            String outcome,
            Long exampleCount,
            Double trainLoss,
            Long trainMillis,
            String detail,
            UploadSize upload) {
        public ReportRow(
                String roundId,
                String siteId,
                String outcome,
                Long exampleCount,
                Double trainLoss,
                Long trainMillis,
                String detail) {
            this(roundId, siteId, outcome, exampleCount, trainLoss, trainMillis, detail, null);
        }
    }

    /** Records what a site's accepted training upload weighed, on its ACCEPTED report. */
    public void recordUploadSize(String roundId, String siteId, UploadSize size) {
        jdbc.sql("""
                UPDATE round_reports SET update_values = ?, bytes_received = ?, full_model_bytes = ?
                WHERE round_id = ? AND site_id = ? AND outcome = 'ACCEPTED'""")
                .params(size.updateValues(), size.bytesReceived(), size.fullModelBytes(), roundId, siteId)
                .update();
    }

    /**
     * @param noiseMultiplier σ of the noise on each count when the site released noised counts; null in clear
     * @param scores a binary study's score histogram (noised when {@code noiseMultiplier} is set); null when none
     * @param errors a regression study's error sums (noised when {@code noiseMultiplier} is set: then the
     *     noise's standard deviation in units of (1, Q, Q)); null when none
     */
    public record EvaluationRow(
            long version,
            String siteId,
            long examples,
            long correct,
            double loss,
            Double noiseMultiplier,
            org.cohort.protocol.ScoreHistogram scores,
            org.cohort.protocol.ErrorSums errors) {
        public EvaluationRow(
                long version, String siteId, long examples, long correct, double loss, Double noiseMultiplier) {
            this(version, siteId, examples, correct, loss, noiseMultiplier, null, null);
        }

        public EvaluationRow(
                long version,
                String siteId,
                long examples,
                long correct,
                double loss,
                Double noiseMultiplier,
                org.cohort.protocol.ScoreHistogram scores) {
            this(version, siteId, examples, correct, loss, noiseMultiplier, scores, null);
        }
    }

    public List<RoundRow> rounds(String studyId) {
        return jdbc.sql("SELECT * FROM rounds WHERE study_id = ? ORDER BY round_number, attempt")
                .param(studyId)
                .query((rs, i) -> new RoundRow(
                        rs.getString("round_id"),
                        rs.getInt("round_number"),
                        rs.getInt("attempt"),
                        rs.getString("kind"),
                        rs.getLong("base_version"),
                        rs.getString("status"),
                        List.of(rs.getString("selected_sites").split(",")),
                        rs.getTimestamp("started_at").toInstant(),
                        rs.getTimestamp("closed_at") == null
                                ? null
                                : rs.getTimestamp("closed_at").toInstant(),
                        (Long) rs.getObject("result_version", Long.class),
                        rs.getString("detail")))
                .list();
    }

    public Map<String, List<ReportRow>> reportsByRound(String studyId) {
        return jdbc
                .sql("""
                SELECT r.* FROM round_reports r JOIN rounds o ON o.round_id = r.round_id
                WHERE o.study_id = ? ORDER BY r.site_id""")
                .param(studyId)
                .query((rs, i) -> new ReportRow(
                        rs.getString("round_id"),
                        rs.getString("site_id"),
                        rs.getString("outcome"),
                        (Long) rs.getObject("example_count", Long.class),
                        (Double) rs.getObject("train_loss", Double.class),
                        (Long) rs.getObject("train_millis", Long.class),
                        rs.getString("detail"),
                        rs.getObject("update_values", Long.class) == null
                                ? null
                                : new UploadSize(
                                        rs.getLong("update_values"),
                                        rs.getLong("bytes_received"),
                                        rs.getLong("full_model_bytes"))))
                .list()
                .stream()
                .collect(Collectors.groupingBy(ReportRow::roundId));
    }

    public Map<Long, List<EvaluationRow>> evaluationsByVersion(String studyId) {
        return jdbc
                .sql("SELECT * FROM model_evaluations WHERE study_id = ? ORDER BY version, site_id")
                .param(studyId)
                .query((rs, i) -> new EvaluationRow(
                        rs.getLong("version"),
                        rs.getString("site_id"),
                        rs.getLong("examples"),
                        rs.getLong("correct"),
                        rs.getDouble("loss"),
                        (Double) rs.getObject("noise_multiplier", Double.class),
                        scores(rs.getString("score_histogram"), (Double)
                                rs.getObject("noise_multiplier", Double.class)),
                        errors(rs.getString("error_sums"), (Double) rs.getObject("noise_multiplier", Double.class))))
                .list()
                .stream()
                .collect(Collectors.groupingBy(EvaluationRow::version));
    }

    private static org.cohort.protocol.ScoreHistogram scores(String text, Double noise) {
        return text == null ? null : org.cohort.protocol.ScoreHistogram.parse(text, noise == null ? 0 : noise);
    }

    private static org.cohort.protocol.ErrorSums errors(String text, Double noise) {
        return text == null ? null : org.cohort.protocol.ErrorSums.parse(text, noise == null ? 0 : noise);
    }

    private static String truncate(String s) {
        return s == null || s.length() <= 1000 ? s : s.substring(0, 997) + "...";
    }
}
