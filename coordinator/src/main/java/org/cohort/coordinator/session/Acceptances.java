package org.cohort.coordinator.session;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;
import org.cohort.protocol.v1.StudyAcceptance;

/**
 * The studies a site accepted, as its hello declares them, checked before the site can be
 * selected: each with the training size the site declares for it (its FedAvg weight, public by
 * assumption), at least 1 and at most the study's {@code maxSiteExamples}. An acceptance that
 * fails is left out — the site is not selected for that study — and the site's admin is told why.
 * Pure: the caller supplies each known study's limit.
 *
 * @param declared  accepted study → declared training size, for the acceptances that hold
 * @param refusals  one message per acceptance left out, for the site's admin
 */
public record Acceptances(Map<String, Long> declared, List<String> refusals) {
    /** Longest study id taken from a hello (ids are "st-" and 8 hex digits). */
    static final int MAX_STUDY_ID_CHARS = 64;

    public Acceptances {
        declared = Map.copyOf(declared);
        refusals = List.copyOf(refusals);
    }

    /**
     * @param limitOf a study's {@code maxSiteExamples}, or empty when no such study exists (yet): then
     *                the declaration is kept and checked again when the study's rounds select sites
     */
    public static Acceptances read(List<StudyAcceptance> hello, Function<String, OptionalLong> limitOf) {
        var declared = new LinkedHashMap<String, Long>();
        var refusals = new ArrayList<String>();
        var twice = new HashSet<String>();
        for (StudyAcceptance a : hello) {
            String study = a.getStudyId();
            if (study.isBlank() || study.length() > MAX_STUDY_ID_CHARS) {
                refusals.add("an accepted study id is empty or longer than " + MAX_STUDY_ID_CHARS + " characters");
                continue;
            }
            if (declared.containsKey(study) || twice.contains(study)) {
                declared.remove(study);
                if (twice.add(study)) {
                    refusals.add("study " + study + " is accepted twice; accept it once, with one training size");
                }
                continue;
            }
            long n = a.getTrainingExamples();
            if (n < 1) {
                refusals.add("study " + study + ": this site declares " + n + " training examples; set"
                        + " study." + study + ".training-examples in the agent config to the number of training"
                        + " examples it brings (at least 1; it is the FedAvg weight of the site's updates and public)."
                        + " The site is not selected for the study until then");
                continue;
            }
            OptionalLong limit = limitOf.apply(study);
            if (limit.isPresent() && n > limit.getAsLong()) {
                refusals.add("study " + study + ": this site declares " + n + " training examples, above the"
                        + " study's maxSiteExamples of " + limit.getAsLong() + "; the site is not selected for the"
                        + " study (ask the study's ML team, or declare at most " + limit.getAsLong() + ")");
                continue;
            }
            declared.put(study, n);
        }
        return new Acceptances(declared, refusals);
    }
}
