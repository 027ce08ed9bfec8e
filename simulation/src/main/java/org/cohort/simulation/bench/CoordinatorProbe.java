package org.cohort.simulation.bench;

import com.sun.management.UnixOperatingSystemMXBean;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.JMX;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.cohort.coordinator.CoordinatorApplication;

/**
 * Lets a benchmark see a coordinator's resources from outside its JVM, so that the agents the
 * benchmark simulates are not counted as the coordinator's.
 *
 * <p>{@link #main} is the child process: it registers one MBean with the direct memory Netty
 * allocates itself (which the JDK's buffer pools do not see) and then runs the real
 * {@link CoordinatorApplication#main}. The benchmark attaches to that process with the JDK's
 * Attach API (no port, local only) and reads the platform MXBeans plus that MBean through
 * {@link Client}.
 */
public final class CoordinatorProbe {
    static final String NETTY_MBEAN = "org.cohort.bench:type=NettyMemory";

    private CoordinatorProbe() {}

    /** Direct memory that gRPC's shaded Netty allocates without the JDK's accounting (-1: it uses the JDK's). */
    public interface NettyMemoryMBean {
        long getUsedDirectMemory();
    }

    public static final class NettyMemory implements NettyMemoryMBean {
        @Override
        public long getUsedDirectMemory() {
            return io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent.usedDirectMemory();
        }
    }

    public static void main(String[] args) throws Exception {
        ManagementFactory.getPlatformMBeanServer().registerMBean(new NettyMemory(), new ObjectName(NETTY_MBEAN));
        CoordinatorApplication.main(args);
    }

    /**
     * One look at the coordinator process. Bytes, nanoseconds; -1 where unknown.
     *
     * @param heapUsed       heap in use (after a full GC when the snapshot asked for one)
     * @param directBuffers  JDK direct byte buffers (java.nio BufferPool "direct")
     * @param nettyDirect    direct memory Netty allocated outside the JDK's buffers
     * @param residentBytes  the process's resident set (Linux /proc), all memory the OS gave it
     * @param threads        live Java threads
     * @param fileDescriptors open file descriptors (sockets included)
     * @param cpuNanos       CPU time the process has used since it started
     */
    public record Snapshot(
            long heapUsed,
            long directBuffers,
            long nettyDirect,
            long residentBytes,
            int threads,
            long fileDescriptors,
            long cpuNanos) {}

    /** The benchmark's end: a JMX connection to the coordinator process, over the Attach API. */
    public static final class Client implements AutoCloseable {
        private final long pid;
        private final JMXConnector connector;
        private final MemoryMXBean memory;
        private final ThreadMXBean threads;
        private final OperatingSystemMXBean os;
        private final MBeanServerConnection connection;

        private Client(long pid, JMXConnector connector) throws IOException {
            this.pid = pid;
            this.connector = connector;
            this.connection = connector.getMBeanServerConnection();
            this.memory = ManagementFactory.newPlatformMXBeanProxy(
                    connection, ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
            this.threads = ManagementFactory.newPlatformMXBeanProxy(
                    connection, ManagementFactory.THREAD_MXBEAN_NAME, ThreadMXBean.class);
            this.os = ManagementFactory.newPlatformMXBeanProxy(
                    connection, ManagementFactory.OPERATING_SYSTEM_MXBEAN_NAME, UnixOperatingSystemMXBean.class);
        }

        /** Attaches to the JVM with this process id (same user, same machine). */
        public static Client attach(long pid) {
            try {
                VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
                String address;
                try {
                    address = vm.startLocalManagementAgent();
                } finally {
                    vm.detach();
                }
                return new Client(pid, JMXConnectorFactory.connect(new JMXServiceURL(address)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot attach to the coordinator process " + pid, e);
            } catch (com.sun.tools.attach.AttachNotSupportedException e) {
                throw new IllegalStateException(
                        "cannot attach to the coordinator process " + pid + ": " + e.getMessage(), e);
            }
        }

        /** CPU time used by the coordinator process so far. */
        public long cpuNanos() {
            return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
        }

        /** @param collectFirst run two full GCs first, so that heap used is what is still reachable */
        public Snapshot snapshot(boolean collectFirst) {
            if (collectFirst) {
                memory.gc();
                memory.gc();
            }
            long direct = -1;
            try {
                for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(connection, BufferPoolMXBean.class)) {
                    if (pool.getName().equals("direct")) {
                        direct = pool.getMemoryUsed();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            long netty;
            try {
                netty = JMX.newMBeanProxy(connection, new ObjectName(NETTY_MBEAN), NettyMemoryMBean.class)
                        .getUsedDirectMemory();
            } catch (javax.management.MalformedObjectNameException | RuntimeException e) {
                netty = -1;
            }
            long fds = os instanceof UnixOperatingSystemMXBean unix ? unix.getOpenFileDescriptorCount() : -1;
            return new Snapshot(
                    memory.getHeapMemoryUsage().getUsed(),
                    direct,
                    netty,
                    residentBytes(pid),
                    threads.getThreadCount(),
                    fds,
                    cpuNanos());
        }

        /** VmRSS from /proc (Linux); -1 elsewhere. */
        private static long residentBytes(long pid) {
            Path status = Path.of("/proc", Long.toString(pid), "status");
            try {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    }
                }
            } catch (IOException | RuntimeException e) {
                return -1;
            }
            return -1;
        }

        @Override
        public void close() {
            try {
                connector.close();
            } catch (IOException ignored) {
                // the coordinator is stopping
            }
        }
    }
}
