package org.cohort.agent;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.cohort.crypto.pki.PrivateDirectories;
import org.cohort.learning.model.FloatVectors;
import org.cohort.protocol.trainer.v1.DescribeRequest;
import org.cohort.protocol.trainer.v1.DpSgd;
import org.cohort.protocol.trainer.v1.LocalPlan;
import org.cohort.protocol.trainer.v1.ModelDescription;
import org.cohort.protocol.trainer.v1.TrainHeader;
import org.cohort.protocol.trainer.v1.TrainInput;
import org.cohort.protocol.trainer.v1.TrainOutput;
import org.cohort.protocol.trainer.v1.TrainResult;
import org.cohort.protocol.trainer.v1.TrainerGrpc;
import org.cohort.protocol.trainer.v1.TrainerInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A trainer in a child process speaking {@code cohort.trainer.v1} (the reference PyTorch worker in
 * {@code trainers/pytorch/}, or any program that serves the protocol). The agent starts it with
 * {@code --socket PATH} appended to the configured command, talks to it over gRPC on that Unix
 * domain socket (in a directory of the agent's work directory that only the agent's user can
 * enter, so no other user of the machine can connect or impersonate it, and nothing listens on
 * the network), and supervises it: a trainer that does not come up, crashes, or does not answer a
 * job within the timeout is stopped, the round fails with a reason in the agent's log, and the next
 * job starts a fresh process. Its output goes to {@code trainer.log} next to the socket.
 *
 * <p>Why a Unix domain socket and not loopback TCP with a secret: gRPC's shaded Netty (which the
 * agent already carries, independent of the project's pinned Netty 4.2.18) ships the epoll
 * transport with its native library for linux-x86_64 and aarch64, so domain sockets need no new
 * dependency, and file permissions do what a per-process secret would, without a secret to keep
 * out of logs and process listings. Linux only, like the agent's deployment.
 */
public final class ExternalTrainer implements Trainer {
    private static final Logger log = LoggerFactory.getLogger(ExternalTrainer.class);
    private static final int CHUNK = 1 << 20;
    /** Unix domain socket paths are limited to 108 bytes on Linux, the terminating NUL included. */
    private static final int MAX_SOCKET_PATH = 100;

    private final List<String> command;
    private final Path dir;
    private final Duration startTimeout;
    private final Duration jobTimeout;
    private final AtomicLong jobs = new AtomicLong();

    private Process process;
    private ManagedChannel channel;
    private EventLoopGroup group;
    private TrainerInfo info;
    private Path socket;
    private volatile RunStats lastRun;

    /**
     * What the last job cost, as the trainer measured it, for benchmarks and the GPU check.
     *
     * @param millis the trainer's own time for the job (training, without the transfers)
     * @param examplesProcessed examples through a forward and backward pass
     * @param deviceMaxMemoryBytes the accelerator's peak memory (0 on the CPU)
     * @param precision the forward pass's precision, e.g. "bfloat16 autocast"
     * @param detail the trainer's own description of how it trained
     * @param updateBytes the update's bytes the trainer sent back
     * @param sentBytes the serialized messages the agent sent for the job (header, model, rows)
     */
    public record RunStats(
            long millis,
            long examplesProcessed,
            long deviceMaxMemoryBytes,
            String precision,
            String detail,
            long updateBytes,
            long sentBytes) {}

    /** The last job's statistics, or null before the first. */
    public RunStats lastRun() {
        return lastRun;
    }

    /**
     * @param command the trainer's command line, e.g. {@code python3 trainers/pytorch/cohort_torch_worker.py}
     * @param dir a directory for its socket and log (made owner-only)
     * @param jobTimeout how long one round's training may take before the trainer is stopped
     */
    public ExternalTrainer(List<String> command, Path dir, Duration jobTimeout) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("the external trainer needs a command (trainer.command)");
        }
        this.command = List.copyOf(command);
        this.dir = dir;
        this.startTimeout = Duration.ofSeconds(120);
        this.jobTimeout = jobTimeout;
    }

    @Override
    public synchronized String describe() {
        ensureStarted();
        return "external " + info.getFramework() + " " + info.getFrameworkVersion() + " on " + info.getDevice() + " ("
                + String.join(" ", command) + ")";
    }

    @Override
    public Optional<String> modelProblem(String modelConfigJson) {
        // A module's layout is the worker's to state (and the agent's SiteModules to find).
        return StudyModule.parse(modelConfigJson).isPresent() ? Optional.empty() : DenseLayout.problem(modelConfigJson);
    }

    /** Starts the process if it is not running (first use, or after it died or was stopped). */
    private synchronized void ensureStarted() {
        if (process != null && process.isAlive() && channel != null) {
            return;
        }
        stop();
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("the external trainer needs Linux's epoll for its Unix domain socket: "
                    + Epoll.unavailabilityCause());
        }
        try {
            requireOwnerOnly(PrivateDirectories.create(dir));
            socket = dir.toAbsolutePath().resolve("trainer.sock");
            if (socket.toString().length() > MAX_SOCKET_PATH) {
                // Too long for a socket address: a private directory of its own under the temporary directory.
                Path tmp = Files.createTempDirectory("cohort-trainer-");
                requireOwnerOnly(PrivateDirectories.create(tmp));
                socket = tmp.resolve("trainer.sock");
            }
            Files.deleteIfExists(socket);
            var argv = new ArrayList<>(command);
            argv.add("--socket");
            argv.add(socket.toString());
            Path logFile = dir.resolve("trainer.log");
            process = new ProcessBuilder(argv)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the external trainer " + command + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + startTimeout.toNanos();
        while (!Files.exists(socket)) {
            if (!process.isAlive()) {
                String why = "the external trainer exited with status " + process.exitValue() + " before it listened"
                        + logTail();
                process = null;
                throw new IllegalStateException(why);
            }
            if (System.nanoTime() > deadline) {
                stop();
                throw new IllegalStateException("the external trainer did not open its socket within "
                        + startTimeout.toSeconds() + " s; it was stopped" + logTail());
            }
            sleep(50);
        }
        group = new EpollEventLoopGroup(1);
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .eventLoopGroup(group)
                .channelType(EpollDomainSocketChannel.class)
                .usePlaintext()
                .maxInboundMessageSize(4 * CHUNK)
                .build();
        try {
            info = TrainerGrpc.newBlockingStub(channel)
                    .withWaitForReady()
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .describe(DescribeRequest.getDefaultInstance());
        } catch (StatusRuntimeException e) {
            stop();
            throw new IllegalStateException(
                    "the external trainer does not answer on its socket (" + e.getStatus() + ")" + logTail(), e);
        }
        if (!"cohort.trainer.v1".equals(info.getProtocol())) {
            String other = info.getProtocol();
            stop();
            throw new IllegalStateException("the external trainer speaks '" + other + "', not cohort.trainer.v1");
        }
        log.info(
                "external trainer started: {} {} on {} (pid {}, socket {})",
                info.getFramework(),
                info.getFrameworkVersion(),
                info.getDevice(),
                process.pid(),
                socket);
    }

    @Override
    public Result train(Job job) {
        if (job.plan().controlCorrection() != null) {
            throw new IllegalArgumentException("the external trainer protocol (cohort.trainer.v1) carries no SCAFFOLD"
                    + " correction; run a scaffold study with the agent's built-in dl4j trainer");
        }
        DenseLayout layout = job.module() != null
                ? null
                : DenseLayout.of(job.modelConfigJson())
                        .orElseThrow(() -> new IllegalArgumentException("the external trainer cannot train this model: "
                                + DenseLayout.problem(job.modelConfigJson()).orElse("")));
        var features = job.train().features();
        int rows = features.length;
        int width = job.train().numFeatures();
        byte[] params = FloatVectors.toLittleEndian(job.global());
        byte[] featureBytes = rowBytes(features, width);
        ByteBuffer labelBytes = ByteBuffer.allocate(rows * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int label : job.train().labels()) {
            labelBytes.putInt(label);
        }
        var p = job.plan();
        var header = TrainHeader.newBuilder()
                .setJobId(job.roundId() + "#" + jobs.incrementAndGet())
                .setModel(layout != null ? layout.toProto() : moduleDescription(job.module()))
                .setRows(rows)
                .setFeatures(width)
                .setClasses(job.train().numClasses())
                .setPlan(LocalPlan.newBuilder()
                        .setLocalEpochs(p.localEpochs())
                        .setBatchSize(p.batchSize())
                        .setOptimizer(p.optimizer().name().toLowerCase(java.util.Locale.ROOT))
                        .setLearningRate(p.learningRate()));
        if (layout != null) {
            layout.tensors().forEach(t -> header.addTensors(t.toProto()));
        }
        if (job.dp() != null) {
            var dp = job.dp();
            header.setDp(DpSgd.newBuilder()
                    .setNoiseMultiplier(dp.noiseMultiplier())
                    .setClipNorm(dp.clipNorm())
                    .setSamplingRate(dp.samplingRate())
                    .setSteps(dp.steps())
                    .setDivisor(dp.divisor(rows)));
        }
        var answer = exchange(
                header,
                params,
                featureBytes,
                labelBytes.array(),
                4L * job.global().length,
                "the external trainer sent more update bytes than the model has parameters");
        byte[] bytes = answer.bytes();
        TrainResult r = answer.result();
        long sentBytes = answer.sentBytes();
        float[] delta = FloatVectors.fromLittleEndian(bytes);
        var tensors = r.getTensorsList().stream().map(DenseLayout.Tensor::of).toList();
        if (layout == null
                && tensors.stream().mapToLong(DenseLayout.Tensor::size).sum() != delta.length) {
            // A module's layout is the trainer's to state; it must at least account for every value.
            throw new IllegalStateException("the external trainer's update has " + delta.length
                    + " values, but the tensors it states hold "
                    + tensors.stream().mapToLong(DenseLayout.Tensor::size).sum());
        }
        lastRun = new RunStats(
                r.getMillis(),
                r.getExamplesProcessed(),
                r.getDeviceMaxMemoryBytes(),
                r.getPrecision(),
                r.getDetail(),
                bytes.length,
                sentBytes);
        var privacy = r.hasPrivacy()
                ? new PrivacyReport(
                        r.getPrivacy().getSteps(),
                        r.getPrivacy().getSamplingRate(),
                        r.getPrivacy().getNoiseMultiplier(),
                        r.getPrivacy().getClipNorm(),
                        r.getPrivacy().getNoise())
                : null;
        // The site's own log (never sent): what an operator sizes a GPU by, and what the GPU check reads.
        log.info(
                "external trainer: job {} done in {} ms, {} examples through the model ({} per second), peak device"
                        + " memory {} MiB, {}",
                job.roundId(),
                r.getMillis(),
                r.getExamplesProcessed(),
                r.getMillis() == 0
                        ? "-"
                        : String.format(
                                java.util.Locale.ROOT, "%.1f", 1000.0 * r.getExamplesProcessed() / r.getMillis()),
                r.getDeviceMaxMemoryBytes() >> 20,
                r.getPrecision().isEmpty() ? "float32" : r.getPrecision());
        return new Result(delta, tensors, r.getExamples(), r.getMeanLoss(), privacy);
    }

    @Override
    public float[][] predict(Prediction job) {
        int rows = job.rows().length;
        int width = rows == 0 ? 0 : job.rows()[0].length;
        var header = TrainHeader.newBuilder()
                .setJobId(job.roundId() + "#" + jobs.incrementAndGet() + "-predict")
                .setModel(moduleDescription(job.module()))
                .setRows(rows)
                .setFeatures(
                        width == 0
                                ? Math.toIntExact(job.module().getInputShapeList().stream()
                                        .reduce(1L, Math::multiplyExact))
                                : width)
                .setClasses(job.classes())
                .setPredict(true);
        long expected = 4L * rows * job.classes();
        var answer = exchange(
                header,
                FloatVectors.toLittleEndian(job.global()),
                rowBytes(job.rows(), width),
                new byte[0],
                expected,
                "the external trainer sent more prediction bytes than rows × classes");
        if (answer.bytes().length != expected) {
            throw new IllegalStateException("the external trainer predicted " + answer.bytes().length / 4
                    + " values for " + rows + " rows of " + job.classes() + " classes");
        }
        float[] flat = FloatVectors.fromLittleEndian(answer.bytes());
        float[][] out = new float[rows][];
        for (int i = 0; i < rows; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * job.classes(), (i + 1) * job.classes());
        }
        return out;
    }

    private static ModelDescription moduleDescription(org.cohort.protocol.trainer.v1.ModuleModel module) {
        return ModelDescription.newBuilder()
                .setKind("module")
                .setLoss("softmax-cross-entropy")
                .setModule(module)
                .build();
    }

    /** Rows as float32 little-endian, row-major. */
    private static byte[] rowBytes(float[][] rows, int width) {
        ByteBuffer out = ByteBuffer.allocate(Math.multiplyExact(Math.multiplyExact(rows.length, width), 4))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : rows) {
            if (row.length != width) {
                throw new IllegalArgumentException("rows of " + row.length + " and " + width + " values");
            }
            for (float v : row) {
                out.putFloat(v);
            }
        }
        return out.array();
    }

    /** What the trainer answered: its bytes (checked against the digest it stated) and its result. */
    private record Answer(byte[] bytes, TrainResult result, long sentBytes) {}

    /**
     * One call: the header (with the digests of what follows), the parameter, feature and label chunks;
     * then at most {@code maxBytes} answer bytes and the result, within the job timeout.
     */
    private Answer exchange(
            TrainHeader.Builder header, byte[] params, byte[] features, byte[] labels, long maxBytes, String tooMany) {
        header.setParametersSha256(sha256(params))
                .setFeaturesSha256(sha256(features))
                .setLabelsSha256(sha256(labels));
        ManagedChannel ch;
        synchronized (this) {
            ensureStarted();
            ch = channel;
        }
        var update = new ByteArrayOutputStream();
        var result = new CompletableFuture<TrainResult>();
        var holder = new TrainResult[1];
        StreamObserver<TrainOutput> responses = new StreamObserver<>() {
            @Override
            public void onNext(TrainOutput out) {
                switch (out.getPartCase()) {
                    case UPDATE -> {
                        if (update.size() + (long) out.getUpdate().size() > maxBytes) {
                            result.completeExceptionally(new IllegalStateException(tooMany));
                        } else {
                            update.writeBytes(out.getUpdate().toByteArray());
                        }
                    }
                    case RESULT -> holder[0] = out.getResult();
                    default -> {}
                }
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                if (holder[0] == null) {
                    result.completeExceptionally(
                            new IllegalStateException("the external trainer ended the job without a result"));
                } else {
                    result.complete(holder[0]);
                }
            }
        };
        var call = TrainerGrpc.newStub(ch)
                .withDeadlineAfter(jobTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .train(responses);
        long sentBytes;
        try {
            var first = TrainInput.newBuilder().setHeader(header).build();
            call.onNext(first);
            sentBytes = first.getSerializedSize()
                    + send(
                            call,
                            params,
                            b -> TrainInput.newBuilder().setParameters(b).build())
                    + send(
                            call,
                            features,
                            b -> TrainInput.newBuilder().setFeatures(b).build())
                    + send(
                            call,
                            labels,
                            b -> TrainInput.newBuilder().setLabels(b).build());
            call.onCompleted();
        } catch (RuntimeException e) {
            call.onError(e);
            throw e;
        }
        TrainResult r;
        try {
            r = result.get(jobTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            stop();
            throw new IllegalStateException("the external trainer did not finish within " + jobTimeout.toSeconds()
                    + " s; it was stopped (a new one starts with the next job)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the external trainer trained", e);
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        }
        byte[] bytes = update.toByteArray();
        if (!MessageDigest.isEqual(
                sha256(bytes).toByteArray(), r.getUpdateSha256().toByteArray())) {
            throw new IllegalStateException("the external trainer's update does not match the digest it stated");
        }
        if (bytes.length % 4 != 0) {
            throw new IllegalStateException("the external trainer's update is not a whole number of float32 values");
        }
        return new Answer(bytes, r, sentBytes);
    }

    /** The exception for a failed call: with the process's status and log when it died. */
    private RuntimeException failure(Throwable cause) {
        if (!(cause instanceof StatusRuntimeException || cause instanceof io.grpc.StatusException)) {
            // The agent's own finding about the answer (too many bytes, no result): said as it is.
            return new IllegalStateException(cause.getMessage(), cause);
        }
        Status status = Status.fromThrowable(cause);
        synchronized (this) {
            if (process != null && status.getCode() == Status.Code.UNAVAILABLE) {
                // A worker that dies closes its socket a moment before the OS reports its exit: wait for
                // that moment, so the reason says "crashed" with its exit status rather than "network closed".
                try {
                    process.waitFor(2, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (process != null && !process.isAlive()) {
                String why = "the external trainer crashed during the job (exit status " + process.exitValue() + ")"
                        + logTail();
                stop();
                return new IllegalStateException(why, cause);
            }
            if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
                stop();
                return new IllegalStateException(
                        "the external trainer did not finish within " + jobTimeout.toSeconds()
                                + " s; it was stopped (a new one starts with the next job)",
                        cause);
            }
            if (status.getCode() == Status.Code.UNAVAILABLE) {
                stop();
            }
        }
        return new IllegalStateException(
                "the external trainer failed the job: " + status.getCode()
                        + (status.getDescription() == null ? "" : " - " + status.getDescription()),
                cause);
    }

    /** Sends {@code bytes} in chunks; returns the serialized size of the messages sent. */
    private static long send(
            StreamObserver<TrainInput> call, byte[] bytes, java.util.function.Function<ByteString, TrainInput> part) {
        long sent = 0;
        for (int from = 0; from < bytes.length; from += CHUNK) {
            TrainInput message = part.apply(ByteString.copyFrom(bytes, from, Math.min(CHUNK, bytes.length - from)));
            sent += message.getSerializedSize();
            call.onNext(message);
        }
        return sent;
    }

    private static ByteString sha256(byte[] bytes) {
        try {
            return ByteString.copyFrom(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * Anyone who can reach the socket's directory could talk to the trainer, or plant a socket of
     * their own before it starts: a directory whose mode could not be made owner-only is refused.
     */
    private static void requireOwnerOnly(Path dir) throws IOException {
        if (!PrivateDirectories.isOwnerOnly(dir)) {
            throw new IllegalStateException("the trainer's socket directory " + dir + " is open to other users and"
                    + " could not be made owner-only (chmod 700 it, or set work.dir on a file system with POSIX"
                    + " permissions)");
        }
    }

    /** The last lines of the trainer's log, for the agent's own log (never sent anywhere). */
    private String logTail() {
        try {
            Path file = dir.resolve("trainer.log");
            if (!Files.exists(file)) {
                return "";
            }
            var lines = Files.readAllLines(file);
            return "; its log " + file + " ends:\n  "
                    + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 12), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the external trainer started", e);
        }
    }

    /** Stops the process and the channel (the next job starts them again). */
    private synchronized void stop() {
        if (channel != null) {
            channel.shutdownNow();
            channel = null;
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            group = null;
        }
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            process = null;
        }
        if (socket != null) {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                log.debug("could not remove {}: {}", socket, e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        stop();
    }
}
