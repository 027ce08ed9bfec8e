package org.cohort.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cohort.coordinator.cluster.ClusterIsolationTest.NAME;
import static org.cohort.coordinator.cluster.ClusterIsolationTest.caSealer;
import static org.cohort.coordinator.cluster.ClusterNetworkTest.cluster;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster port seen from another machine on the replicas' network: a network namespace joined
 * to this host by a veth pair, with the coordinator's member on the host side (10.213.x.1, its
 * listed address; 10.213.x.3 is the other listed member, also on this host) and
 * {@link ClusterPortProbe} in its own JVM inside the namespace (10.213.x.2, not listed). Needs
 * root and iproute2; skipped without them.
 */
class ClusterPortNamespaceTest {
    private static final Path[] IP_COMMANDS = {
        Path.of("/usr/sbin/ip"), Path.of("/sbin/ip"), Path.of("/usr/bin/ip"), Path.of("/bin/ip")
    };

    @TempDir
    Path dataDir;

    @Test
    void aClientAndAnUnlistedMemberFromAnotherAddressAreRefused() throws Exception {
        String ip = ipCommand();
        assumeTrue(ip != null, "skipped: iproute2's `ip` is not installed, so no network namespace can be made");
        assumeTrue("0".equals(run(List.of("id", "-u")).strip()), "skipped: making a network namespace needs root");

        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        String namespace = "cohort-probe-" + suffix;
        String hostSide = "chh" + suffix;
        String probeSide = "chp" + suffix;
        String subnet = freeSubnet(ip);
        String coordinator = subnet + ".1";
        String otherReplica = subnet + ".3";
        String probe = subnet + ".2";
        HazelcastInstance member = null;
        try {
            run(List.of(ip, "netns", "add", namespace));
            run(List.of(ip, "link", "add", hostSide, "type", "veth", "peer", "name", probeSide));
            run(List.of(ip, "link", "set", probeSide, "netns", namespace));
            run(List.of(ip, "addr", "add", coordinator + "/24", "dev", hostSide));
            run(List.of(ip, "addr", "add", otherReplica + "/24", "dev", hostSide));
            run(List.of(ip, "link", "set", hostSide, "up"));
            run(List.of(ip, "netns", "exec", namespace, ip, "addr", "add", probe + "/24", "dev", probeSide));
            run(List.of(ip, "netns", "exec", namespace, ip, "link", "set", probeSide, "up"));
            run(List.of(ip, "netns", "exec", namespace, ip, "link", "set", "lo", "up"));

            int port = ClusterIsolationTest.freePort();
            // Both listed addresses are this host's, so the one to listen on is configured, not inferred.
            member = ClusterMember.start(
                    cluster(NAME, List.of(coordinator + ":" + port, otherReplica + ":" + port), coordinator, port),
                    caSealer(dataDir));
            assertThat(member.getCluster().getLocalMember().getAddress().getPort())
                    .isEqualTo(port);

            String java = ProcessHandle.current().info().command().orElseThrow();
            String output = run(List.of(
                    ip,
                    "netns",
                    "exec",
                    namespace,
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    ClusterPortProbe.class.getName(),
                    NAME,
                    coordinator + ":" + port,
                    otherReplica + ":" + port,
                    probe));

            assertThat(output).contains("PROBE client REFUSED");
            assertThat(output).contains("PROBE member ALONE");
            assertThat(output).contains("PROBE other-address NOT-LISTENING");
            assertThat(member.getCluster().getMembers()).hasSize(1);
        } finally {
            if (member != null) {
                member.shutdown();
            }
            // Deleting the namespace deletes the veth pair with it; the link is removed too in case it never moved.
            runQuietly(List.of(ip, "netns", "delete", namespace));
            runQuietly(List.of(ip, "link", "delete", hostSide));
        }
    }

    private static String ipCommand() {
        for (Path candidate : IP_COMMANDS) {
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    /** A 10.213.x.0/24 that no interface of this host uses yet. */
    private static String freeSubnet(String ip) throws IOException, InterruptedException {
        String inUse = run(List.of(ip, "-4", "-o", "addr", "show"));
        List<Integer> free = new ArrayList<>();
        for (int x = 1; x < 255; x++) {
            if (!inUse.contains(" 10.213." + x + ".")) {
                free.add(x);
            }
        }
        return "10.213." + free.get(ThreadLocalRandom.current().nextInt(free.size()));
    }

    /** Runs a command and returns its output (stdout and stderr); fails the test if it fails or hangs. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        var output = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                output.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                output.append("(output lost: ").append(e.getMessage()).append(')');
            }
        });
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within 60 s");
        }
        reader.join();
        System.out.print(output);
        if (process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (" + process.exitValue() + "): " + output);
        }
        return output.toString();
    }

    private static void runQuietly(List<String> command) {
        try {
            new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start()
                    .waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            // nothing to clean up
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
