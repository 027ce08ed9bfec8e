package org.cohort.simulation;

import org.cohort.agent.SiteAgent;
import picocli.CommandLine;

/**
 * {@code --version} of the demo and the benchmarks: the Cohort version they run (the agent's),
 * with the Java and the system, which is what a shared figure or a bug report needs.
 */
final class DemoVersion implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {
            "Cohort " + SiteAgent.VERSION + ", Java " + Runtime.version() + ", " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch")
        };
    }
}
