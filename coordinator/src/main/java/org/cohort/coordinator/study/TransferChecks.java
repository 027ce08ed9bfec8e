package org.cohort.coordinator.study;

import java.util.ArrayList;
import java.util.List;
import org.cohort.protocol.transfer.TransferEncoding;

/** The checks of a study's {@code transfer} option, in the words {@link StudySpec#validate()} lists. */
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
        TransferEncoding encoding;
        try {
            encoding = StudySpec.Transfer.of(t);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
            return problems;
        }
        boolean secure =
                spec.secureAggregation() != null && spec.secureAggregation().on();
        if (secure && !(encoding instanceof TransferEncoding.Float32)) {
            // Masked inputs are ring elements whose width the fixed-point encoding fixes; a float
            // codec has nothing to compress there, and accepting the option would promise savings
            // the study does not get.
            problems.add("transfer.encoding '" + encoding.word() + "' applies to plain updates; with"
                    + " secureAggregation on, sites send masked ring elements: leave transfer.encoding"
                    + " 'float32' or turn secure aggregation off");
        }
        return problems;
    }
}
