package org.cohort.coordinator.round;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The durable round history as lists: what the engine put on record, for the tests to read. */
final class FakeHistory extends RoundRepository {
    /** A round attempt as the history has it. */
    record Row(RoundState started, String status, String detail, Long resultVersion) {}

    final Map<String, Row> rounds = new LinkedHashMap<>();
    final List<ReportRow> reports = new ArrayList<>();
    final List<String> evaluations = new ArrayList<>();

    FakeHistory() {
        super(null);
    }

    @Override
    public void insertStarted(RoundState s) {
        rounds.put(s.roundId(), new Row(s, s.phase().name(), s.detail(), null));
    }

    @Override
    public void updateClosed(RoundState s, Long resultVersion, Instant closedAt) {
        rounds.put(
                s.roundId(),
                new Row(rounds.get(s.roundId()).started(), s.phase().name(), s.detail(), resultVersion));
    }

    @Override
    public int abandonOpenRoundsExcept(Set<String> continued, String reason, Instant at) {
        int n = 0;
        for (var e : rounds.entrySet()) {
            boolean open = e.getValue().status().equals("COLLECTING")
                    || e.getValue().status().equals("AGGREGATING");
            if (open && !continued.contains(e.getKey())) {
                e.setValue(new Row(e.getValue().started(), "FAILED", reason, null));
                n++;
            }
        }
        return n;
    }

    @Override
    public int attempts(String studyId, int roundNumber) {
        return of(studyId, roundNumber).stream()
                .mapToInt(r -> r.started().attempt())
                .max()
                .orElse(0);
    }

    @Override
    public int failedAttempts(String studyId, int roundNumber) {
        return (int) of(studyId, roundNumber).stream()
                .filter(r -> r.status().equals("FAILED"))
                .count();
    }

    private List<Row> of(String studyId, int roundNumber) {
        return rounds.values().stream()
                .filter(r ->
                        r.started().studyId().equals(studyId) && r.started().roundNumber() == roundNumber)
                .toList();
    }

    @Override
    public void insertReport(
            String roundId,
            String siteId,
            String outcome,
            Long exampleCount,
            Double trainLoss,
            Long trainMillis,
            String detail,
            Instant at) {
        reports.removeIf(r -> r.roundId().equals(roundId)
                && r.siteId().equals(siteId)
                && r.outcome().equals(outcome));
        reports.add(new ReportRow(roundId, siteId, outcome, exampleCount, trainLoss, trainMillis, detail));
    }

    @Override
    public void recordUploadSize(String roundId, String siteId, UploadSize size) {
        for (int i = 0; i < reports.size(); i++) {
            ReportRow r = reports.get(i);
            if (r.roundId().equals(roundId)
                    && r.siteId().equals(siteId)
                    && r.outcome().equals("ACCEPTED")) {
                reports.set(
                        i,
                        new ReportRow(
                                r.roundId(),
                                r.siteId(),
                                r.outcome(),
                                r.exampleCount(),
                                r.trainLoss(),
                                r.trainMillis(),
                                r.detail(),
                                size));
            }
        }
    }

    @Override
    public void recordEvaluation(
            String studyId,
            long version,
            String siteId,
            long examples,
            long correct,
            double loss,
            org.cohort.protocol.ScoreHistogram scores) {
        evaluations.add(studyId + " v" + version + " " + siteId + ": " + correct + "/" + examples
                + (scores == null ? "" : " scores " + scores.format()));
    }

    @Override
    public void recordNoisedScores(
            String studyId, long version, String siteId, org.cohort.protocol.ScoreHistogram release) {
        evaluations.add(studyId + " v" + version + " " + siteId + ": noised scores " + release.correct() + "/"
                + release.examples());
    }

    @Override
    public void recordNoisedEvaluation(
            String studyId, long version, String siteId, org.cohort.protocol.NoisedConfusion release) {
        evaluations.add(
                studyId + " v" + version + " " + siteId + ": noised " + release.correct() + "/" + release.examples());
    }

    @Override
    public void recordErrors(
            String studyId, long version, String siteId, org.cohort.protocol.ErrorSums sums, double loss) {
        evaluations.add(studyId + " v" + version + " " + siteId + ": " + (sums.noised() ? "noised " : "") + "errors "
                + sums.format());
    }

    /** The outcomes the history has for a site in a round. */
    List<String> outcomes(String roundId, String siteId) {
        return reports.stream()
                .filter(r -> r.roundId().equals(roundId) && r.siteId().equals(siteId))
                .map(ReportRow::outcome)
                .toList();
    }

    String status(String roundId) {
        return rounds.get(roundId).status();
    }
}
