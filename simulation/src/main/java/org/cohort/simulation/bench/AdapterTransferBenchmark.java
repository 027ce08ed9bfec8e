package org.cohort.simulation.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.cohort.agent.ExternalTrainer;
import org.cohort.agent.PyTorchWorker;
import org.cohort.agent.Trainer;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.dp.DpSgdPlan;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.protocol.trainer.v1.LoraAdapters;
import org.cohort.protocol.trainer.v1.ModuleModel;
import org.cohort.protocol.v1.ModelHeader;
import org.cohort.protocol.v1.ModelManifest;
import org.cohort.protocol.v1.ModelPart;
import org.cohort.protocol.v1.TensorChunk;
import org.cohort.protocol.v1.TensorEncoding;
import org.cohort.protocol.v1.UpdateHeader;
import org.cohort.protocol.v1.UpdateManifest;
import org.cohort.protocol.v1.UpdatePart;
import org.cohort.simulation.CommandLines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmark (not a test): bytes per round of a federation that exchanges a vision model's LoRA
 * adapters against one that exchanges the whole model, on generated images, for the same base
 * (a {@code SmallCnn} written as a safetensors file with a random initialisation). Each site is the
 * reference PyTorch worker behind the agent's {@link ExternalTrainer}; a round is each site's real
 * {@code cohort.trainer.v1} job, then the mean of the updates (FedAvg of equal sites). The bytes are
 * the serialized size of the real messages of a round: the model download ({@code ModelPart}s: a
 * signed manifest and the chunks of the global vector) and the update upload ({@code UpdatePart}s: a
 * signed manifest and the chunks), per site, as the agent and coordinator stream them (float32,
 * {@link ProtocolLimits#CHUNK_VALUES} values a chunk, Ed25519 signatures); and what crossed the
 * trainer boundary (the job's messages out, the update back).
 *
 * <p>With {@code --dp}, the adapters are also trained under patient-level DP-SGD for as many rounds,
 * and the trainer's time per round is set against the non-private rounds'. With {@code --device
 * cuda} (what {@code scripts/gpu-check.sh} runs) it prints the trainer's images per second and peak GPU
 * memory. It is not the whole agent and coordinator: those do not host a module study yet, so the
 * rounds are driven here, with the agent's trainer class and the protocol's message types.
 */
public final class AdapterTransferBenchmark {
    private static final int SIGNATURE_BYTES = 64;

    private AdapterTransferBenchmark() {}

    public static void main(String[] args) {
        CommandLines.exit(new Arguments(), args);
    }

    @Command(
            name = "AdapterTransferBenchmark",
            mixinStandardHelpOptions = true,
            description = "Bytes per round: LoRA adapters against the whole model of a small CNN, through the"
                    + " PyTorch worker, from the real messages; with --dp, DP-SGD time over non-private time.")
    static final class Arguments implements Callable<Integer> {
        @Option(names = "--device", defaultValue = "cpu", description = "the worker's device: cpu, cuda, auto")
        String device;

        @Option(
                names = "--precision",
                defaultValue = "auto",
                description = "auto (bfloat16 autocast on a GPU that has it), float32")
        String precision;

        @Option(
                names = "--sites",
                defaultValue = "2",
                converter = BenchNumbers.PositiveInt.class,
                description = "sites")
        int sites;

        @Option(
                names = "--rounds",
                defaultValue = "2",
                converter = BenchNumbers.PositiveInt.class,
                description = "rounds per variant")
        int rounds;

        @Option(
                names = "--rows",
                defaultValue = "64",
                converter = BenchNumbers.PositiveInt.class,
                description = "generated images per site")
        int rows;

        @Option(
                names = "--image",
                defaultValue = "16",
                converter = BenchNumbers.PositiveInt.class,
                description = "image height and width (3 channels)")
        int image;

        @Option(
                names = "--width",
                defaultValue = "256",
                converter = BenchNumbers.PositiveInt.class,
                description = "the CNN's channels")
        int width;

        @Option(
                names = "--hidden",
                defaultValue = "256",
                converter = BenchNumbers.PositiveInt.class,
                description = "the dense head's hidden width")
        int hidden;

        @Option(
                names = "--rank",
                defaultValue = "4",
                converter = BenchNumbers.PositiveInt.class,
                description = "LoRA rank")
        int rank;

        @Option(
                names = "--targets",
                defaultValue = "block_conv*",
                split = ",",
                description = "layers LoRA adapts (names or patterns)")
        List<String> targets;

        @Option(
                names = "--train",
                defaultValue = "head",
                split = ",",
                description = "modules that train whole next to the adapters (the classification head)")
        List<String> train;

        @Option(names = "--lr", defaultValue = "0.3", description = "SGD learning rate")
        double learningRate;

        @Option(names = "--dp", description = "also train the adapters under DP-SGD (sigma 1.0, C 1.0)")
        boolean dp;

        @Option(names = "--skip-full", description = "do not train the whole model (count its bytes only)")
        boolean skipFull;

        @Override
        public Integer call() throws Exception {
            var found = PyTorchWorker.find();
            if (!found.present()) {
                System.err.println("no PyTorch worker can run here: " + found.problem());
                return 1;
            }
            var command = new ArrayList<>(found.command());
            command.addAll(List.of("--device", device, "--precision", precision));
            if (!device.equals("cpu")) {
                command.remove("--threads"); // a GPU run keeps torch's own CPU threads
                command.remove("1");
            }
            Path dir = Files.createTempDirectory("cohort-adapter-bench-");
            Path baseFile = dir.resolve("small-cnn.safetensors");
            String args = "{\"in_channels\": 3, \"classes\": 2, \"width\": " + width + ", \"hidden\": " + hidden + "}";
            var written = tools.jackson.databind.json.JsonMapper.shared()
                    .readTree(PyTorchWorker.tool(
                            found.command(),
                            List.of("--write-small-cnn", baseFile.toString(), "--model-args", args, "--seed", "1")));
            var base = ModuleModel.newBuilder()
                    .setModuleClass("cohort_models:SmallCnn")
                    .setModuleArgsJson(args)
                    .setStateDict(baseFile.toString())
                    .setSha256(written.get("sha256").asString())
                    .addAllInputShape(List.of(3L, (long) image, (long) image))
                    .setSeed(7)
                    .build();
            var lora = base.toBuilder()
                    .setLora(LoraAdapters.newBuilder()
                            .setRank(rank)
                            .setAlpha(2.0 * rank)
                            .addAllTargets(targets)
                            .addAllTrain(train))
                    .build();
            long full = PyTorchWorker.exchangedValues(found.command(), base);
            long adapters = PyTorchWorker.exchangedValues(found.command(), lora);
            System.out.printf(
                    Locale.ROOT,
                    "Adapter transfer: SmallCnn (width %d, hidden %d) %,d parameters; LoRA rank %d on %s, %s whole: %,d"
                            + " values travel (%.2f%% of the model); SGD lr %.2g, 1 epoch; %d sites x %d generated %dx%d images, %d rounds per"
                            + " variant; worker %s%n",
                    width,
                    hidden,
                    full,
                    rank,
                    String.join(",", targets),
                    String.join(",", train),
                    adapters,
                    100.0 * adapters / full,
                    learningRate,
                    sites,
                    rows,
                    image,
                    image,
                    rounds,
                    String.join(" ", command.subList(1, command.size())));
            var plan = new TrainingPlan(1, 32, Optimizer.SGD, learningRate, 1);
            var data = new ArrayList<TabularDataset>();
            for (int s = 0; s < sites; s++) {
                data.add(images(rows, image, 100 + s));
            }
            var keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            var runs = new ArrayList<Run>();
            runs.add(
                    skipFull
                            ? Run.countedOnly("whole model", full, roundBytes(keys, new float[(int) full], rounds - 1))
                            : federate("whole model", command, dir, base, full, data, plan, false, keys, rounds));
            runs.add(federate("LoRA adapters", command, dir, lora, adapters, data, plan, false, keys, rounds));
            if (dp) {
                runs.add(federate(
                        "LoRA adapters, DP-SGD", command, dir, lora, adapters, data, plan, true, keys, rounds));
            }
            System.out.printf(
                    Locale.ROOT,
                    "%-22s %10s %14s %14s %16s %10s %9s %11s %8s%n",
                    "exchange",
                    "values",
                    "down B/site",
                    "up B/site",
                    "round B (all)",
                    "trainer ms",
                    "images/s",
                    "GPU MiB",
                    "loss");
            for (Run r : runs) {
                boolean trained = !Double.isNaN(r.trainerMillis);
                System.out.printf(
                        Locale.ROOT,
                        "%-22s %,10d %,14d %,14d %,16d %s%n",
                        r.name,
                        r.values,
                        r.bytes.down,
                        r.bytes.up,
                        sites * (r.bytes.down + r.bytes.up),
                        trained
                                ? String.format(
                                        Locale.ROOT,
                                        "%10.0f %9.1f %11.1f %8.4f",
                                        r.trainerMillis,
                                        r.imagesPerSecond,
                                        r.gpuBytes / (1024.0 * 1024),
                                        r.lastLoss)
                                : "(not trained: --skip-full; its messages only)");
            }
            Run whole = runs.get(0);
            Run adapted = runs.get(1);
            double ratio = (double) (whole.bytes.down + whole.bytes.up) / (adapted.bytes.down + adapted.bytes.up);
            System.out.printf(
                    Locale.ROOT,
                    "bytes per round, whole model / LoRA adapters: %.1fx (the issue asks >= 45x for adapters <= 2%%"
                            + " of the parameters: %s); trainer-boundary bytes per job: whole %,d, adapters %,d%n",
                    ratio,
                    ratio >= 45 && 100.0 * adapters / full <= 2 ? "met" : "NOT met",
                    whole.boundaryBytes,
                    adapted.boundaryBytes);
            if (dp) {
                Run noisy = runs.get(2);
                System.out.printf(
                        Locale.ROOT,
                        "DP-SGD time over non-private time (trainer ms per job, LoRA): %.2fx (%s)%n",
                        noisy.trainerMillis / adapted.trainerMillis,
                        noisy.precision);
            }
            return 0;
        }
    }

    /**
     * One variant's figures: medians over its rounds' jobs, the last round's bytes of one site and its mean
     * training loss.
     */
    private record Run(
            String name,
            long values,
            double trainerMillis,
            double imagesPerSecond,
            long gpuBytes,
            long boundaryBytes,
            double lastLoss,
            RoundBytes bytes,
            String precision) {
        /** A variant not trained: its messages only. */
        static Run countedOnly(String name, long values, RoundBytes bytes) {
            return new Run(name, values, Double.NaN, Double.NaN, 0, 0, Double.NaN, bytes, "");
        }
    }

    /** The serialized bytes of one site's download and upload in a round. */
    private record RoundBytes(long down, long up) {}

    private static Run federate(
            String name,
            List<String> command,
            Path dir,
            ModuleModel module,
            long values,
            List<TabularDataset> data,
            TrainingPlan plan,
            boolean dp,
            KeyPair keys,
            int rounds)
            throws Exception {
        float[] global = new float[Math.toIntExact(values)];
        var trainers = new ArrayList<ExternalTrainer>();
        var millis = new ArrayList<Double>();
        var rates = new ArrayList<Double>();
        long gpu = 0;
        long boundary = 0;
        double loss = Double.NaN;
        String precision = "";
        RoundBytes bytes = null;
        try {
            for (int s = 0; s < data.size(); s++) {
                trainers.add(new ExternalTrainer(
                        command, dir.resolve("site-" + s + "-" + name.hashCode()), Duration.ofMinutes(10)));
            }
            for (int round = 0; round < rounds; round++) {
                float[] sum = new float[global.length];
                double roundLoss = 0;
                for (int s = 0; s < data.size(); s++) {
                    var train = data.get(s);
                    DpSgdPlan dpPlan = dp ? DpSgdPlan.matching(plan, train.size(), 1.0, 1.0) : null;
                    var result = trainers.get(s)
                            .train(new Trainer.Job("r" + round, null, global, train, plan, dpPlan, module));
                    var stats = trainers.get(s).lastRun();
                    millis.add((double) stats.millis());
                    rates.add(stats.examplesProcessed() * 1000.0 / Math.max(1, stats.millis()));
                    gpu = Math.max(gpu, stats.deviceMaxMemoryBytes());
                    boundary = stats.sentBytes() + stats.updateBytes();
                    precision = stats.precision();
                    roundLoss += result.meanLoss() / data.size();
                    bytes = roundBytes(keys, result.delta(), round);
                    for (int i = 0; i < sum.length; i++) {
                        sum[i] += result.delta()[i] / data.size();
                    }
                }
                for (int i = 0; i < global.length; i++) {
                    global[i] += sum[i];
                }
                loss = roundLoss;
                System.out.printf(Locale.ROOT, "  %s: round %d, mean training loss %.4f%n", name, round + 1, loss);
            }
        } finally {
            trainers.forEach(ExternalTrainer::close);
        }
        return new Run(
                name,
                values,
                BenchNumbers.median(
                        millis.stream().mapToDouble(Double::doubleValue).toArray()),
                BenchNumbers.median(
                        rates.stream().mapToDouble(Double::doubleValue).toArray()),
                gpu,
                boundary,
                loss,
                bytes,
                precision);
    }

    /**
     * One site's messages of a round with this update: the model download (signed ModelManifest, chunks of
     * a vector of the same length) and the update upload (signed UpdateManifest, chunks), serialized.
     */
    private static RoundBytes roundBytes(KeyPair keys, float[] vector, int round) throws Exception {
        byte[] payload = org.cohort.learning.model.FloatVectors.toLittleEndian(vector);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(payload);
        var model = ModelManifest.newBuilder()
                .setStudyId("s-0123456789abcdef")
                .setVersion(round + 1)
                .setParentVersion(round)
                .setNumParameters(vector.length)
                .setEncoding(TensorEncoding.FLOAT32_LE)
                .setPayloadSha256(ByteString.copyFrom(digest))
                .setCreatedUnixMillis(System.currentTimeMillis())
                .setRoundNumber(round + 1)
                .build()
                .toByteArray();
        long down = ModelPart.newBuilder()
                .setHeader(ModelHeader.newBuilder()
                        .setManifest(ByteString.copyFrom(model))
                        .setSignature(ByteString.copyFrom(sign(keys, model))))
                .build()
                .getSerializedSize();
        var update = UpdateManifest.newBuilder()
                .setSiteId("site-a")
                .setStudyId("s-0123456789abcdef")
                .setRoundId("r-" + round)
                .setRoundNumber(round + 1)
                .setNonce(ByteString.copyFrom(new byte[32]))
                .setBaseModelVersion(round)
                .setNumParameters(vector.length)
                .setEncoding(TensorEncoding.FLOAT32_LE)
                .setPayloadSha256(ByteString.copyFrom(digest))
                .setExampleCount(1000)
                .build()
                .toByteArray();
        long up = UpdatePart.newBuilder()
                .setHeader(UpdateHeader.newBuilder()
                        .setManifest(ByteString.copyFrom(update))
                        .setSignature(ByteString.copyFrom(sign(keys, update))))
                .build()
                .getSerializedSize();
        int chunk = ProtocolLimits.CHUNK_VALUES * 4;
        for (int from = 0; from < payload.length; from += chunk) {
            var data = TensorChunk.newBuilder()
                    .setOffset(from / 4)
                    .setData(ByteString.copyFrom(payload, from, Math.min(chunk, payload.length - from)))
                    .build();
            down += size(ModelPart.newBuilder().setChunk(data).build());
            up += size(UpdatePart.newBuilder().setChunk(data).build());
        }
        return new RoundBytes(down, up);
    }

    private static long size(MessageLite message) {
        return message.getSerializedSize();
    }

    private static byte[] sign(KeyPair keys, byte[] message) throws Exception {
        var signer = Signature.getInstance("Ed25519");
        signer.initSign(keys.getPrivate());
        signer.update(message);
        byte[] signature = signer.sign();
        if (signature.length != SIGNATURE_BYTES) {
            throw new IllegalStateException("an Ed25519 signature has 64 bytes");
        }
        return signature;
    }

    /**
     * Generated images, 3 channels: noise, and for class 1 a brighter square in the top-left quarter, so
     * the task can be learnt. Row-major [channel, row, column], as the worker reshapes them.
     */
    static TabularDataset images(int rows, int size, long seed) {
        var random = new Random(seed);
        float[][] x = new float[rows][3 * size * size];
        int[] y = new int[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = random.nextInt(2);
            for (int c = 0; c < 3; c++) {
                for (int r = 0; r < size; r++) {
                    for (int col = 0; col < size; col++) {
                        boolean square = r < size / 2 && col < size / 2;
                        x[i][(c * size + r) * size + col] =
                                (float) (0.5 * random.nextGaussian() + (y[i] == 1 && square ? 1.0 : 0.0));
                    }
                }
            }
        }
        return new TabularDataset(x, y, 2);
    }
}
