package org.cohort.coordinator.round;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.IExecutorService;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.cohort.coordinator.cluster.Leadership;
import org.cohort.coordinator.config.CoordinatorProperties;
import org.cohort.protocol.v1.UpdateManifest;
import org.springframework.stereotype.Component;

/**
 * Hands a masked input received by a replica that does not drive rounds to the one that does:
 * the secure-aggregation server (key rosters, share holdings, the running masked sum) lives
 * with the driver, so the spooled values are copied to its spool in chunks and accepted there,
 * with every check the driver applies to its own uploads. The site sees the driver's verdict.
 */
@Component
public class SecureUploadRelay {
    private static final int CHUNK_BYTES = 1 << 20;
    private static final long TIMEOUT_SECONDS = 60;

    private final IExecutorService executor;
    private final Leadership leadership;

    public SecureUploadRelay(HazelcastInstance hazelcast, Leadership leadership, CoordinatorProperties props) {
        this.executor = hazelcast.getExecutorService("cohort.secure-relay");
        this.leadership = leadership;
        hazelcast.getUserContext().put(SecureUploadRelay.class.getName() + ".spool",
                props.dataDir().resolve("spool").resolve("relayed"));
    }

    /** Copies the spooled masked input to the driving replica and has it accepted there. */
    public void relay(UpdateManifest manifest, String site, Path spool) {
        Member driver = leadership.leaderMember().orElseThrow(() -> noDriver());
        String relayId = UUID.randomUUID().toString();
        try (FileChannel ch = FileChannel.open(spool, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES);
            long offset = 0;
            while (true) {
                buf.clear();
                int n = ch.read(buf);
                if (n < 0) {
                    break;
                }
                byte[] bytes = new byte[n];
                buf.flip().get(bytes);
                call(driver, new Append(relayId, offset, bytes));
                offset += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(spool);
            } catch (IOException ignored) {
                // removed with the spool directory
            }
        }
        String[] verdict = call(driver, new Accept(relayId, manifest.toByteArray(), site));
        if (verdict != null) {
            throw new UploadRejection(UploadRejection.Reason.valueOf(verdict[0]), verdict[1]).asException();
        }
    }

    private <T> T call(Member driver, Callable<T> task) {
        try {
            return executor.submitToMember(task, driver).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw noDriver();
        } catch (ExecutionException | TimeoutException e) {
            throw new UploadRejection(UploadRejection.Reason.NO_DRIVER, "the coordinator replica driving rounds did"
                    + " not take the masked input (" + e.getMessage() + "); the site retries").asException();
        }
    }

    private static UploadRejection.Exception noDriver() {
        return new UploadRejection(UploadRejection.Reason.NO_DRIVER, "no coordinator replica drives rounds at this"
                + " moment (a replica is taking over); the site retries").asException();
    }

    private abstract static class OnDriver<T> implements Callable<T>, Serializable, HazelcastInstanceAware {
        transient HazelcastInstance instance;

        @Override
        public void setHazelcastInstance(HazelcastInstance instance) {
            this.instance = instance;
        }

        Path spoolFile(String relayId) throws IOException {
            Path dir = (Path) instance.getUserContext().get(SecureUploadRelay.class.getName() + ".spool");
            Files.createDirectories(dir);
            return dir.resolve(relayId + ".part");
        }
    }

    private static final class Append extends OnDriver<Boolean> {
        private final String relayId;
        private final long offset;
        private final byte[] bytes;

        Append(String relayId, long offset, byte[] bytes) {
            this.relayId = relayId;
            this.offset = offset;
            this.bytes = bytes;
        }

        @Override
        public Boolean call() throws IOException {
            try (FileChannel ch = FileChannel.open(spoolFile(relayId), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                long at = offset;
                while (buf.hasRemaining()) {
                    at += ch.write(buf, at);
                }
            }
            return true;
        }
    }

    private static final class Accept extends OnDriver<String[]> {
        private final String relayId;
        private final byte[] manifest;
        private final String site;

        Accept(String relayId, byte[] manifest, String site) {
            this.relayId = relayId;
            this.manifest = manifest;
            this.site = site;
        }

        @Override
        public String[] call() throws IOException {
            Path file = spoolFile(relayId);
            if (!Files.exists(file)) {
                Files.createFile(file); // an empty payload
            }
            var orchestrator = (RoundOrchestrator) instance.getUserContext().get(RoundOrchestrator.class.getName());
            try {
                orchestrator.acceptAsDriver(UpdateManifest.parseFrom(manifest), site, file);
                return null;
            } catch (UploadRejection.Exception e) {
                return new String[] {e.rejection().reason().name(), e.rejection().message()};
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }
}
