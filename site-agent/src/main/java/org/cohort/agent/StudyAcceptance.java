package org.cohort.agent;

/**
 * One study this site's admin accepted (agent config), with what the site declares with it. Sent
 * to the coordinator in every hello; all of it is public by assumption — the coordinator, the
 * ML team and other sites may see it, and no privacy accounting covers it.
 *
 * @param studyId          the study accepted
 * @param trainingExamples the training size the site declares for the study: the FedAvg weight of
 *                         every update it sends, fixed here by the admin, never derived from the
 *                         data at run time (an estimate is fine; it only sets the weight)
 */
public record StudyAcceptance(String studyId, long trainingExamples) {
    public StudyAcceptance {
        if (studyId == null || studyId.isBlank()) {
            throw new IllegalArgumentException("an accepted study needs its id");
        }
        if (trainingExamples < 1) {
            throw new IllegalArgumentException("study " + studyId + ": the declared training size must be at least 1,"
                    + " got " + trainingExamples);
        }
    }

    org.cohort.protocol.v1.StudyAcceptance toProto() {
        return org.cohort.protocol.v1.StudyAcceptance.newBuilder().setStudyId(studyId)
                .setTrainingExamples(trainingExamples).build();
    }
}
