package org.cohort.coordinator.session;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Pins the training size a site declares with a study the first time it accepts it, for the
 * whole study: the declaration is the weight of every update the site sends, so a site that could
 * re-declare between rounds (reconnecting with a larger number) could grow its share of the model
 * at will. Stored in the database, so every replica and every restart sees the same pin.
 */
@Repository
public class SiteDeclarations {
    private final JdbcClient jdbc;
    private final Clock clock;

    public SiteDeclarations(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** What a hello's declarations leave after the pins: those kept, and why the others were not. */
    public record Pinned(Map<String, Long> kept, List<String> refusals) {}

    /**
     * Pins each declaration for a study that exists (the first one stands) and keeps only those
     * that repeat their pin; a study not created yet is kept unpinned until it is.
     */
    public Pinned pin(String siteId, Map<String, Long> declared, Predicate<String> studyExists) {
        var kept = new LinkedHashMap<String, Long>();
        var refusals = new ArrayList<String>();
        declared.forEach((studyId, n) -> {
            if (!studyExists.test(studyId)) {
                kept.put(studyId, n);
                return;
            }
            long pinned = pinned(siteId, studyId, n);
            if (pinned == n) {
                kept.put(studyId, n);
            } else {
                refusals.add("study " + studyId + ": this site declared " + pinned + " training examples when it first"
                        + " accepted the study and now declares " + n + "; a declaration is fixed for the whole study"
                        + " (it weighs every update): set study." + studyId + ".training-examples=" + pinned
                        + " again. The site is not selected for the study until then");
            }
        });
        return new Pinned(Map.copyOf(kept), List.copyOf(refusals));
    }

    private long pinned(String siteId, String studyId, long declared) {
        try {
            jdbc.sql("INSERT INTO site_declarations (site_id, study_id, training_examples, declared_at)"
                            + " VALUES (?, ?, ?, ?)")
                    .params(siteId, studyId, declared, Timestamp.from(clock.instant()))
                    .update();
            return declared;
        } catch (DuplicateKeyException e) {
            // Pinned before (here, on another replica, or before a restart): the first declaration stands.
            return jdbc.sql("SELECT training_examples FROM site_declarations WHERE site_id = ? AND study_id = ?")
                    .params(siteId, studyId)
                    .query(Long.class)
                    .single();
        }
    }

    /** The training size {@code siteId} declared (and so pinned) for each study it ever accepted. */
    public Map<String, Long> declared(String siteId) {
        var out = new java.util.TreeMap<String, Long>();
        jdbc.sql("SELECT study_id, training_examples FROM site_declarations WHERE site_id = ?")
                .params(siteId)
                .query((rs, n) -> Map.entry(rs.getString(1), rs.getLong(2)))
                .list()
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }
}
