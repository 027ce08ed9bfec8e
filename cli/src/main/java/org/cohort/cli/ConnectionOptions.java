package org.cohort.cli;

import picocli.CommandLine.Option;

/** The options of every command that asks the coordinator: where it is, and the admin token. */
final class ConnectionOptions {
    @Option(
            names = "--coordinator",
            paramLabel = "URL",
            description = {
                "the coordinator's REST address",
                "(default $COHORT_COORDINATOR, else " + Connection.DEFAULT_URL + ")"
            })
    String coordinator;

    @Option(
            names = "--token-file",
            paramLabel = "PATH",
            description = {
                "file holding the admin token (default $COHORT_TOKEN,",
                "else $COHORT_DATA_DIR/admin-token or ./cohort-data/admin-token)"
            })
    String tokenFile;
}
