package org.cohort.coordinator.session;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.cohort.protocol.v1.StudyAcceptance;

/**
 * The studies a site accepted, as its hello declares them, checked before the site can be
 * selected: each with the training size the site declares for it (its FedAvg weight, public by
 * assumption), at least 1 and at most the study's {@code maxSiteExamples}, and with the digest of
 * the study's terms the site's admin pinned, which must be the study's (else the agent would
 * refuse every task anyway, after the round had counted on it). An acceptance that
 * fails is left out — the site is not selected for that study — and the site's admin is told why.
 * Pure: the caller supplies each known study's limit.
 *
 * @param declared  accepted study → declared training size, for the acceptances that hold
 * @param refusals  one message per acceptance left out, for the site's admin
 */
public record Acceptances(Map<String, Long> declared, List<String> refusals) {
    /** Longest study id taken from a hello (ids are "st-" and 8 hex digits). */
    static final int MAX_STUDY_ID_CHARS = 64;
    /** Most studies one site may accept at once: far above any real site, far below a flood. */
    static final int MAX_ACCEPTED_STUDIES = 64;

    public Acceptances {
        declared = Map.copyOf(declared);
        refusals = List.copyOf(refusals);
    }

    /**
     * What the coordinator knows of a study an acceptance names.
     *
     * @param maxSiteExamples the study's {@code maxSiteExamples}
     * @param termsDigest     the digest of the study's terms (org.cohort.protocol.StudyTerms)
     */
    public record KnownStudy(long maxSiteExamples, String termsDigest) {}

    /**
     * @param known what is known of a study, or empty when no such study exists (yet): then the
     *              declaration is kept and checked again when the study's rounds select sites
     */
    public static Acceptances read(List<StudyAcceptance> hello, Function<String, Optional<KnownStudy>> known) {
        var declared = new LinkedHashMap<String, Long>();
        var refusals = new ArrayList<String>();
        var twice = new HashSet<String>();
        if (hello.size() > MAX_ACCEPTED_STUDIES) {
            // Each acceptance costs a look-up and a place in the cluster's session directory.
            refusals.add("this site accepts " + hello.size() + " studies in one hello; at most " + MAX_ACCEPTED_STUDIES
                    + " are taken: list fewer in studies.accepted");
            hello = hello.subList(0, 0);
        }
        for (StudyAcceptance a : hello) {
            String id = a.getStudyId();
            if (id.isBlank() || id.length() > MAX_STUDY_ID_CHARS) {
                refusals.add("an accepted study id is empty or longer than " + MAX_STUDY_ID_CHARS + " characters");
                continue;
            }
            if (declared.containsKey(id) || twice.contains(id)) {
                declared.remove(id);
                if (twice.add(id)) {
                    refusals.add("study " + id + " is accepted twice; accept it once, with one training size");
                }
                continue;
            }
            long n = a.getTrainingExamples();
            if (n < 1) {
                refusals.add("study " + id + ": this site declares " + n + " training examples; set"
                        + " study." + id + ".training-examples in the agent config to the number of training"
                        + " examples it brings (at least 1; it is the FedAvg weight of the site's updates and public)."
                        + " The site is not selected for the study until then");
                continue;
            }
            Optional<KnownStudy> study = known.apply(id);
            if (study.isPresent() && n > study.get().maxSiteExamples()) {
                long limit = study.get().maxSiteExamples();
                refusals.add("study " + id + ": this site declares " + n + " training examples, above the"
                        + " study's maxSiteExamples of " + limit + "; the site is not selected for the"
                        + " study (ask the study's ML team, or declare at most " + limit + ")");
                continue;
            }
            String pinned = a.getTermsDigest();
            if (study.isPresent() && !pinned.equals(study.get().termsDigest())) {
                refusals.add("study " + id + ": "
                        + (pinned.isEmpty()
                                ? "this site pinned no terms for it (an agent"
                                        + " that does not check a study's terms is never selected)"
                                : "this site pinned terms " + pinned + ", but the study's terms are "
                                        + study.get().termsDigest())
                        + "; the site is not"
                        + " selected for the study. Its admin should compare GET /api/studies/" + id + "/terms with"
                        + " what was reviewed and, if those terms are acceptable, set study." + id + ".terms="
                        + study.get().termsDigest() + " in the agent config");
                continue;
            }
            declared.put(id, n);
        }
        return new Acceptances(declared, refusals);
    }
}
