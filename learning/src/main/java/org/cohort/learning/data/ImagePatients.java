package org.cohort.learning.data;

import java.util.Optional;

/**
 * Which patient an image belongs to, for the train/test split and for patient-level DP.
 *
 * <p>Without a declaration each image is its own patient (keyed by {@code <class>/<file name>}). A
 * study whose images share patients declares a separator: the patient id is the file name up to its
 * first occurrence ({@code P0012_left.png} with "_" is patient {@code P0012}). Then every image of a
 * patient lands on the same side of the split (no patient is both trained and tested on), and a
 * site refuses a patient-level DP task when a patient has more than one image, since DP-SGD here
 * bounds one training example's influence, not a patient's several.
 *
 * <p>A separator rather than a pattern: the rule comes from study terms and runs on the site's file
 * names, and a regular expression from a coordinator could be made to backtrack for hours.
 *
 * @param separator the character ending the patient id in a file name, or {@code null}: one image, one patient
 */
public record ImagePatients(String separator) {
    /** The separators a study may declare: punctuation a class folder's name allows too. */
    public static final String SEPARATORS = "_-.+ ";

    public ImagePatients {
        if (separator != null && (separator.length() != 1 || SEPARATORS.indexOf(separator.charAt(0)) < 0)) {
            throw new IllegalArgumentException(problem(separator).orElseThrow());
        }
    }

    /** Each image is its own patient. */
    public static ImagePatients perImage() {
        return new ImagePatients(null);
    }

    /** The declaration as the wire carries it: empty means one image per patient. */
    public static ImagePatients of(String separatorOrEmpty) {
        return new ImagePatients(separatorOrEmpty == null || separatorOrEmpty.isEmpty() ? null : separatorOrEmpty);
    }

    /** What is wrong with a declared separator, in words naming the ones allowed; empty when it is fine. */
    public static Optional<String> problem(String separator) {
        if (separator == null || (separator.length() == 1 && SEPARATORS.indexOf(separator.charAt(0)) >= 0)) {
            return Optional.empty();
        }
        return Optional.of("patientIdSeparator must be one character of _ - . + or a space (the patient id is a file"
                + " name up to its first one), got '" + separator + "'");
    }

    /** Whether images are grouped by a patient id in their names. */
    public boolean grouped() {
        return separator != null;
    }

    /**
     * The key of image {@code fileName} in class folder {@code className}: the patient id, or the
     * image's own {@code class/file} name when images are not grouped.
     *
     * @throws IllegalArgumentException when the name holds no patient id (no separator, or nothing before it)
     */
    public String keyOf(String className, String fileName) {
        if (separator == null) {
            return className + "/" + fileName;
        }
        int end = fileName.indexOf(separator);
        if (end <= 0) {
            throw new IllegalArgumentException(className + "/" + fileName + " has no patient id: the study reads it"
                    + " from the file name up to the first '" + separator + "' (e.g. P0012" + separator
                    + "left.png); rename the file or ask the study team");
        }
        return fileName.substring(0, end);
    }
}
