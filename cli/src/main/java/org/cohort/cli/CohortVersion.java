package org.cohort.cli;

import picocli.CommandLine;

/**
 * {@code cohort --version}: the tool's version from its jar's manifest, with the Java and the
 * system it runs on, which is what a bug report needs.
 */
final class CohortVersion implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = Cohort.class.getPackage().getImplementationVersion();
        return new String[] {
            "cohort " + (version == null ? "(development build)" : version) + ", Java " + Runtime.version() + ", "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch")
        };
    }
}
