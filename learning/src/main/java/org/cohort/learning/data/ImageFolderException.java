package org.cohort.learning.data;

import java.nio.file.Path;
import java.util.List;

/**
 * A site's image folder does not match the study's declaration, or holds files that are not usable
 * images: every problem found, each naming the file ({@code class/file}) or folder and what to change.
 */
public final class ImageFolderException extends IllegalArgumentException {
    private final transient List<String> problems;

    public ImageFolderException(Path root, List<String> problems) {
        super(message(root, problems));
        this.problems = List.copyOf(problems);
    }

    /** Every problem, in words. */
    public List<String> problems() {
        return problems;
    }

    private static String message(Path root, List<String> problems) {
        var b = new StringBuilder("the image folder " + root + " has " + problems.size() + " problem"
                + (problems.size() == 1 ? "" : "s") + " (nothing was loaded):");
        problems.stream()
                .limit(ImageFolderLoader.MAX_LISTED)
                .forEach(p -> b.append("\n  - ").append(p));
        if (problems.size() > ImageFolderLoader.MAX_LISTED) {
            b.append("\n  ... and ")
                    .append(problems.size() - ImageFolderLoader.MAX_LISTED)
                    .append(" more");
        }
        return b.toString();
    }
}
