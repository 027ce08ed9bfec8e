package org.cohort.cli;

import java.util.List;

/** Lists of names as a sentence says them: "a", "a or b", "a, b or c". */
final class Words {
    private Words() {}

    static String or(List<String> words) {
        return join(words, " or ");
    }

    static String and(List<String> words) {
        return join(words, " and ");
    }

    private static String join(List<String> words, String last) {
        if (words.size() <= 1) {
            return String.join("", words);
        }
        return String.join(", ", words.subList(0, words.size() - 1)) + last + words.get(words.size() - 1);
    }
}
