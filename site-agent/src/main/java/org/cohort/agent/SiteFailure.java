package org.cohort.agent;

import io.grpc.StatusRuntimeException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.cohort.learning.data.PreprocessingPolicy;
import org.cohort.learning.data.TableFormatException;
import org.cohort.protocol.v1.DatasetSpec;
import org.cohort.protocol.v1.FeatureColumnSpec;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskOutcome;
import org.cohort.protocol.v1.TaskStatus;

/**
 * What a site tells the coordinator when it refuses or fails a task: a code, words the agent
 * wrote itself, and at most the names of the study's own columns. Never an exception's message:
 * those can quote patient values (a headerless file's first patient read as its header, a
 * malformed cell), and a failure report lands in the coordinator's database, its log, the REST
 * API and the dashboard. The full message stays in the agent's local log, under the
 * {@link #reference()} the report carries, so the site's admin can find it.
 */
sealed interface SiteFailure {

    /** Refused (the site will not do it) or failed (it tried). */
    TaskOutcome outcome();

    /** A stable code, e.g. {@code DATA_MISSING_COLUMNS}. */
    String code();

    /** The one text that leaves the site. */
    String detail();

    /** Ties the report to the agent's local log entry; empty where there is nothing more to find. */
    String reference();

    /** The status message to send for round {@code roundId}. */
    default TaskStatus toStatus(String roundId) {
        return TaskStatus.newBuilder()
                .setRoundId(roundId)
                .setOutcome(outcome())
                .setDetail(detail())
                .build();
    }

    /** A refusal by the site's own policy, in words the agent composed (no data, no exception text). */
    static SiteFailure refused(String code, String reason) {
        return new Stated(TaskOutcome.REFUSED, code, reason);
    }

    /** A failure the agent recognised, in words it composed (no data, no exception text). */
    static SiteFailure failed(String code, String reason) {
        return new Stated(TaskOutcome.FAILED, code, reason);
    }

    /**
     * The report for {@code failure} during {@code task}: what the agent can say without quoting
     * its data, and a generic report for anything it does not recognise.
     */
    static SiteFailure of(Throwable failure, RoundTask task) {
        String reference = newReference();
        return switch (failure) {
            case TableFormatException e ->
                new DataProblem("DATA_" + e.problem().name(), studyColumns(e.columns(), task.getDataset()), reference);
            case PreprocessingPolicy.DataDependentPreprocessingException e ->
                new PreprocessingRefused(studyColumns(e.columns(), task.getDataset()));
            case UncheckedIOException e -> new DataProblem("DATA_UNREADABLE", List.of(), reference);
            // The downloader's own words about the model's signature and shape, never about the data.
            case ModelDownloader.ModelRejectedException e -> refused("MODEL_REJECTED", e.getMessage());
            case StatusRuntimeException e ->
                new CoordinatorError(e.getStatus().getCode().name(), reference);
            default -> new Unexpected(failure.getClass().getSimpleName(), reference);
        };
    }

    /** The site's data could not be read as the study says. */
    record DataProblem(String code, List<String> columns, String reference) implements SiteFailure {
        @Override
        public TaskOutcome outcome() {
            return TaskOutcome.FAILED;
        }

        @Override
        public String detail() {
            return code + ": the site's data does not fit the study's dataset"
                    + (columns.isEmpty() ? "" : " (column " + String.join(", ", columns) + ")")
                    + "; the site admin's log has the details under reference " + reference;
        }
    }

    /** A DP study asked for standardisation from the site's rows. */
    record PreprocessingRefused(List<String> columns) implements SiteFailure {
        @Override
        public TaskOutcome outcome() {
            return TaskOutcome.REFUSED;
        }

        @Override
        public String code() {
            return "DP_PREPROCESSING_FROM_DATA";
        }

        @Override
        public String detail() {
            return code() + ": a differentially private study cannot standardise " + String.join(", ", columns)
                    + " with this site's own statistics; declare \"center\" and \"scale\" for each numeric column in"
                    + " the study's dataset";
        }

        @Override
        public String reference() {
            return "";
        }
    }

    /** A refusal or failure in the agent's own words: its policy, its checks of what the coordinator sent. */
    record Stated(TaskOutcome outcome, String code, String reason) implements SiteFailure {
        @Override
        public String detail() {
            return code + ": " + reason;
        }

        @Override
        public String reference() {
            return "";
        }
    }

    /** A call to the coordinator failed; only its gRPC status code is repeated. */
    record CoordinatorError(String status, String reference) implements SiteFailure {
        @Override
        public TaskOutcome outcome() {
            return TaskOutcome.FAILED;
        }

        @Override
        public String code() {
            return "COORDINATOR_" + status;
        }

        @Override
        public String detail() {
            return code() + ": a call to the coordinator failed; the site admin's log has the details under reference "
                    + reference;
        }
    }

    /** Anything else: only the kind of exception, never its message. */
    record Unexpected(String type, String reference) implements SiteFailure {
        @Override
        public TaskOutcome outcome() {
            return TaskOutcome.FAILED;
        }

        @Override
        public String code() {
            return "LOCAL_FAILURE";
        }

        @Override
        public String detail() {
            return code() + ": an unexpected " + type + " at the site; the site admin's log has the details under"
                    + " reference " + reference;
        }
    }

    /** Of {@code columns}, only the names the study itself declared (a file's header may hold patient values). */
    private static List<String> studyColumns(List<String> columns, DatasetSpec dataset) {
        Set<String> declared = new LinkedHashSet<>();
        dataset.getFeaturesList().stream().map(FeatureColumnSpec::getName).forEach(declared::add);
        declared.add(dataset.getLabelColumn());
        declared.add(dataset.getIdColumn());
        declared.add(dataset.getTimeColumn());
        return columns.stream()
                .filter(declared::contains)
                .filter(c -> !c.isEmpty())
                .distinct()
                .toList();
    }

    private static String newReference() {
        byte[] id = new byte[6];
        new SecureRandom().nextBytes(id);
        return "site-" + HexFormat.of().formatHex(id);
    }
}
