package org.cohort.coordinator.study;

import java.util.ArrayList;
import java.util.List;

/**
 * The checks of a study's {@code transfer} option, in the words {@link StudySpec#validate()} lists.
 * Any encoding goes with secure aggregation: there it applies to model downloads only, since the
 * masked inputs are ring elements whose width the fixed-point encoding fixes.
 */
final class TransferChecks {
    private TransferChecks() {}

    static List<String> problems(StudySpec spec) {
        var problems = new ArrayList<String>();
        StudySpec.Transfer t = spec.transfer();
        if (t == null) {
            return problems;
        }
        String word = t.encoding() == null ? "float32" : t.encoding();
        if (t.blockSize() != null && !word.equalsIgnoreCase("int8")) {
            problems.add("transfer.blockSize applies only to transfer.encoding 'int8' (values per scale);"
                    + " remove it, or set the encoding to 'int8'");
        }
        try {
            StudySpec.Transfer.of(t);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        return problems;
    }
}
