package org.cohort.coordinator.study;

import java.util.List;

/** A study specification that cannot run, with every reason. */
public class InvalidStudyException extends IllegalArgumentException {
    private final List<String> problems;

    public InvalidStudyException(List<String> problems) {
        super("invalid study: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
