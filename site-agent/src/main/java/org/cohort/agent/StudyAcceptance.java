package org.cohort.agent;

import org.cohort.protocol.StudyTerms;

/**
 * One study this site's admin accepted (agent config), with what the site declares with it. Sent
 * to the coordinator in every hello; all of it is public by assumption — the coordinator, the
 * ML team and other sites may see it, and no privacy accounting covers it.
 *
 * @param studyId          the study accepted
 * @param trainingExamples the training size the site declares for the study: the FedAvg weight of
 *                         every update it sends, fixed here by the admin, never derived from the
 *                         data at run time (an estimate is fine; it only sets the weight)
 * @param termsDigest      the digest of the study's terms the admin reviewed and pinned
 *                         ({@link StudyTerms#digest()}): every task must carry exactly these terms
 */
public record StudyAcceptance(String studyId, long trainingExamples, String termsDigest) {
    public StudyAcceptance {
        if (studyId == null || studyId.isBlank()) {
            throw new IllegalArgumentException("an accepted study needs its id");
        }
        if (trainingExamples < 1) {
            throw new IllegalArgumentException("study " + studyId + ": the declared training size must be at least 1,"
                    + " got " + trainingExamples);
        }
        if (!StudyTerms.isDigest(termsDigest)) {
            throw new IllegalArgumentException("study " + studyId + ": the pinned terms must be 'sha256:' and 64"
                    + " lower-case hex digits, got '" + termsDigest + "'");
        }
    }

    org.cohort.protocol.v1.StudyAcceptance toProto() {
        return org.cohort.protocol.v1.StudyAcceptance.newBuilder()
                .setStudyId(studyId)
                .setTrainingExamples(trainingExamples)
                .setTermsDigest(termsDigest)
                .build();
    }
}
