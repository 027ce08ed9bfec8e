package org.cohort.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.cohort.protocol.trainer.v1.ModuleModel;

/**
 * Finds the reference PyTorch worker ({@code trainers/pytorch/cohort_torch_worker.py}) and a Python
 * that can run it (PyTorch, grpcio and protobuf importable, protoc or grpc_tools present), for
 * tests, benchmarks and the demo ({@code $COHORT_PYTHON} first, then {@code python3} and
 * {@code /usr/bin/python3}); a site names its own command in {@code trainer.command}.
 */
public final class PyTorchWorker {
    private PyTorchWorker() {}

    /** The worker script in this checkout: {@code trainers/pytorch/cohort_torch_worker.py} here or above. */
    public static Optional<Path> script() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("trainers").resolve("pytorch").resolve("cohort_torch_worker.py");
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * The command line that runs the worker ({@code python3 …/cohort_torch_worker.py --threads 1}),
     * or a reason why there is none on this machine.
     */
    public static Found find() {
        var script = script();
        if (script.isEmpty()) {
            return new Found(null, "trainers/pytorch/cohort_torch_worker.py is not in this checkout");
        }
        String last = "no python3 on this machine";
        var pythons = new java.util.ArrayList<String>();
        String chosen = System.getenv("COHORT_PYTHON"); // e.g. a GPU machine's own environment, tried first
        if (chosen != null && !chosen.isBlank()) {
            pythons.add(chosen);
        }
        pythons.addAll(List.of("python3", "/usr/bin/python3"));
        for (String python : pythons) {
            String problem = check(python);
            if (problem == null) {
                return new Found(List.of(python, script.get().toString(), "--threads", "1"), null);
            }
            last = python + ": " + problem;
        }
        return new Found(
                null,
                last + " (Debian: apt-get install python3-torch python3-grpcio python3-protobuf"
                        + " protobuf-compiler)");
    }

    /**
     * Runs one of the worker's command-line tools ({@code --write-small-cnn FILE}, {@code --layout JSON}) with
     * {@code command} (as {@link #find} gives it) and returns the last line it printed.
     */
    public static String tool(List<String> command, List<String> args) {
        var argv = new java.util.ArrayList<>(command);
        argv.addAll(args);
        try {
            var p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("the PyTorch worker's " + args.getFirst() + " did not end in 300 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("the PyTorch worker's " + args.getFirst() + " failed: " + out);
            }
            return out.lines().reduce((a, b) -> b).orElse("");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot run the PyTorch worker " + argv, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * The length of the vector a study of {@code module} exchanges (its LoRA adapters, or every parameter),
     * as the worker's {@code --layout} states it: the parameter count the study's terms carry.
     */
    public static long exchangedValues(List<String> command, ModuleModel module) {
        var json = tools.jackson.databind.json.JsonMapper.shared();
        String out = tool(command, List.of("--layout", moduleJson(module)));
        return json.readTree(out).get("values").asLong();
    }

    /** {@code module} in protobuf's JSON mapping, what the worker's {@code --layout} reads. */
    static String moduleJson(ModuleModel m) {
        var node = tools.jackson.databind.json.JsonMapper.shared().createObjectNode();
        node.put("torchscript", m.getTorchscript())
                .put("moduleClass", m.getModuleClass())
                .put("packagePath", m.getPackagePath())
                .put("moduleArgsJson", m.getModuleArgsJson())
                .put("stateDict", m.getStateDict())
                .put("sha256", m.getSha256())
                .put("seed", m.getSeed());
        var shape = node.putArray("inputShape");
        m.getInputShapeList().forEach(shape::add);
        if (m.hasLora()) {
            var lora = node.putObject("lora")
                    .put("rank", m.getLora().getRank())
                    .put("alpha", m.getLora().getAlpha());
            var targets = lora.putArray("targets");
            m.getLora().getTargetsList().forEach(targets::add);
            var train = lora.putArray("train");
            m.getLora().getTrainList().forEach(train::add);
        }
        return node.toString();
    }

    /**
     * Whether tests that run the worker must fail rather than skip where it cannot run:
     * {@code COHORT_REQUIRE_PYTORCH=1} (CI sets it after installing PyTorch, so a broken install cannot pass
     * as a skip).
     */
    public static boolean required() {
        return "1".equals(System.getenv("COHORT_REQUIRE_PYTORCH"));
    }

    /**
     * For tests that run the worker: {@link #find()}, saying on standard output that {@code test} is skipped
     * where no worker can run, or failing it ({@link AssertionError}) where {@link #required()}.
     */
    public static Found findFor(String test) {
        var found = find();
        if (!found.present() && required()) {
            throw new AssertionError(
                    "COHORT_REQUIRE_PYTORCH=1, but no PyTorch worker can run here: " + found.problem());
        }
        if (!found.present()) {
            System.out.println("SKIPPED " + test + ": no PyTorch worker can run here: " + found.problem());
        }
        return found;
    }

    /** A worker command, or why there is none. */
    public record Found(List<String> command, String problem) {
        public boolean present() {
            return command != null;
        }
    }

    private static String check(String python) {
        try {
            var p = new ProcessBuilder(
                            python,
                            "-c",
                            "import torch, grpc, google.protobuf, shutil, importlib.util, sys;"
                                    + " sys.exit(0 if shutil.which('protoc') or importlib.util.find_spec('grpc_tools')"
                                    + " else 3)")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "did not answer within 60 s";
            }
            return p.exitValue() == 0
                    ? null
                    : p.exitValue() == 3
                            ? "neither protoc nor grpc_tools is installed"
                            : "cannot import torch, grpc and google.protobuf ("
                                    + out.lines().reduce((a, b) -> b).orElse("") + ")";
        } catch (IOException e) {
            return "not found";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
